package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// voiceBinary is the voice worker's executable name (cmd/avatarcast-voice).
const voiceBinary = "avatarcast-voice"

// voiceWorker is how serve runs the voice worker, a process of its own
// (it links the GPL espeak-ng through cgo, which this binary must not).
type voiceWorker struct {
	bin      string // the worker's executable; built first when src is set
	src      string // the worker's source package, to build with the go tool
	natsURL  string
	creds    string
	stderr   io.Writer // the worker's log goes to serve's
	log      *zap.Logger
	giveUpAt int // fast failures in a row before serve stops restarting it
}

// findVoiceWorker decides how serve gets its voice worker. mode "off":
// none. A path: that executable. "auto": avatarcast-voice next to this
// executable, else on PATH, else (in the source tree, as with `go run
// ./cmd/avatarcast serve`, and with the go tool on PATH) built from
// ./cmd/avatarcast-voice with -tags espeak into DATA/bin. It returns nil
// and why when there is none.
func findVoiceWorker(mode, data string) (*voiceWorker, string) {
	switch mode {
	case "off":
		return nil, "-voice off"
	case "auto", "":
	default:
		if st, err := os.Stat(mode); err != nil || st.IsDir() {
			return nil, fmt.Sprintf("-voice %q is not an executable", mode)
		}
		return &voiceWorker{bin: mode}, ""
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), voiceBinary)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return &voiceWorker{bin: p}, ""
		}
	}
	if p, err := exec.LookPath(voiceBinary); err == nil {
		return &voiceWorker{bin: p}, ""
	}
	if _, err := os.Stat(filepath.Join("cmd", voiceBinary, "main.go")); err == nil {
		if _, err := exec.LookPath("go"); err == nil {
			out, err := filepath.Abs(filepath.Join(data, "bin", voiceBinary))
			if err == nil {
				return &voiceWorker{bin: out, src: "./cmd/" + voiceBinary}, ""
			}
		}
	}
	return nil, "no " + voiceBinary + " next to this binary or on PATH, and no source tree to build it in"
}

// build compiles the worker from source (the go build cache makes it
// quick after the first time).
func (v *voiceWorker) build(ctx context.Context) error {
	v.log.Info("voice: building the worker from source", zap.String("src", v.src), zap.String("bin", v.bin))
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "espeak", "-o", v.bin, v.src)
	// The worker needs cgo even when this binary was built without it.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if len(msg) > 600 {
			msg = msg[len(msg)-600:]
		}
		return fmt.Errorf("go build -tags espeak %s: %w: %s", v.src, err, msg)
	}
	return nil
}

// run builds the worker if need be, starts it, restarts it when it
// exits (waiting longer each time), and stops it (SIGTERM, then kill
// after 10s) when ctx ends. The voice is optional: run always returns
// nil, and says in the log why there is no voice.
func (v *voiceWorker) run(ctx context.Context) error {
	const fallback = "speech events carry no audio; pages fall back to the browser's speech synthesis"
	if v.src != "" {
		if err := v.build(ctx); err != nil {
			if ctx.Err() == nil {
				v.log.Warn("voice: no worker: cannot build it (install espeak-ng, libespeak-ng-dev and libopusenc-dev: bash .ci/deps); "+fallback, zap.Error(err))
			}
			return nil
		}
	}
	giveUp := v.giveUpAt
	if giveUp <= 0 {
		giveUp = 3
	}
	wait, fast := time.Second, 0
	for ctx.Err() == nil {
		started := time.Now()
		err := v.once(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(started) < 10*time.Second {
			fast++
		} else {
			fast, wait = 0, time.Second
		}
		if fast >= giveUp {
			v.log.Warn("voice: the worker keeps failing; not restarting it; "+fallback, zap.String("bin", v.bin), zap.Error(err))
			return nil
		}
		v.log.Warn("voice: worker exited; restarting", zap.Error(err), zap.Duration("in", wait))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, 30*time.Second)
	}
	return nil
}

// once runs the worker until it exits or ctx ends.
func (v *voiceWorker) once(ctx context.Context) error {
	cmd := exec.Command(v.bin, "-nats-url", v.natsURL)
	if v.creds != "" {
		cmd.Args = append(cmd.Args, "-nats-creds", v.creds)
	}
	cmd.Stdout, cmd.Stderr = v.stderr, v.stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("voice: start %s: %w", v.bin, err)
	}
	v.log.Info("voice: worker started", zap.String("bin", v.bin), zap.Int("pid", cmd.Process.Pid))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			err = errors.New("exited")
		}
		return fmt.Errorf("voice: %s: %w", v.bin, err)
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		return nil
	}
}
