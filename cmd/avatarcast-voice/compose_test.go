package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
)

// TestComposeVoiceWorker: docker-compose.yml's voice-worker service (loaded
// as docker compose would; no container engine runs here) starts the worker
// with flags and environment it accepts: the espeak-ng provider, the voice
// role's user and password, the audio store on three servers.
func TestComposeVoiceWorker(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithName("avatarcast"), cli.WithEnv([]string{
			"NATS_ADMIN_PASSWORD=a", "NATS_DIRECTOR_PASSWORD=d", "NATS_GATEWAY_PASSWORD=g",
			"NATS_API_PASSWORD=p", "NATS_VOICE_PASSWORD=pw-voice", "NATS_BRIDGE_PASSWORD=p", "NATS_ROUTE_PASSWORD=pwroute",
		}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s, ok := p.Services["voice-worker"]
	if !ok {
		t.Fatal("no voice-worker service")
	}
	getenv := func(k string) string {
		if v, ok := s.Environment[k]; ok && v != nil {
			return *v
		}
		return ""
	}
	c, err := parse(append([]string{"avatarcast-voice"}, s.Command...), getenv, io.Discard)
	if err != nil {
		t.Fatalf("the worker refuses its compose command %v: %v", s.Command, err)
	}
	if c.provider != "espeak" || c.natsUser != "voice" || c.natsPassword != "pw-voice" || c.replicas != 3 || c.metricsAddr == "" {
		t.Errorf("worker: provider %q, user %q, password set %v, replicas %d, metrics %q: want espeak, voice with its password, 3, served",
			c.provider, c.natsUser, c.natsPassword == "pw-voice", c.replicas, c.metricsAddr)
	}
}
