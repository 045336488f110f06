package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/gateway/api"
)

// demoTokenEnv names the variable that sets the demo merchant's token.
const demoTokenEnv = "AVATARCAST_DEMO_TOKEN"

// demoTokenFile is where serve keeps the demo merchant's token, under its
// data directory, when AVATARCAST_DEMO_TOKEN does not give one.
const demoTokenFile = "demo-token"

// newMerchantAPI returns the merchant API handler with the merchants of
// path (a missing file is no merchants) and the demo merchant, which owns
// the demo rooms. The demo token is $AVATARCAST_DEMO_TOKEN; without it, a
// demo entry in the file keeps its hash, and otherwise, if demoFile is set
// (serve), the token kept in demoFile (made up and written there, readable
// by its owner only, the first time) — the log says where, never what; a
// gateway of a cluster makes none, as each would make its own. No secret is
// ever logged. The API parses stored script versions into scripts (nil:
// its own cache) and masks blocked in platform events.
func newMerchantAPI(b *bus.Bus, path string, personas map[string]avatar.Persona, scripts *script.Cache, getenv func(string) string, demoFile string, blocked []string, log *zap.Logger) (*api.API, error) {
	ms, err := api.LoadMerchants(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		log.Info("no merchants file; only the demo merchant can use the API", zap.String("merchants", path))
		ms = nil
	case err != nil:
		return nil, err
	}
	demo := -1
	for i, m := range ms {
		if m.ID == demoMerchant {
			demo = i
		}
	}
	if demo < 0 && demoFile == "" && getenv(demoTokenEnv) == "" {
		return newAPIHandler(b, ms, personas, scripts, blocked, log)
	}
	if demo < 0 {
		ms = append(ms, api.Merchant{ID: demoMerchant, Name: "Demo"})
		demo = len(ms) - 1
	}
	switch tok := getenv(demoTokenEnv); {
	case tok != "":
		if len(tok) < api.MinTokenLen {
			return nil, fmt.Errorf("%s: a token must be at least %d random characters", demoTokenEnv, api.MinTokenLen)
		}
		ms[demo].TokenSHA256 = api.HashToken(tok)
	case ms[demo].TokenSHA256 == "" && demoFile != "":
		tok, err := demoToken(demoFile)
		if err != nil {
			return nil, err
		}
		ms[demo].TokenSHA256 = api.HashToken(tok)
		log.Warn("merchant API: the demo merchant's token is in a file readable by you only; set "+demoTokenEnv+" to choose one",
			zap.String("file", demoFile))
	}
	return newAPIHandler(b, ms, personas, scripts, blocked, log)
}

// blocked are the gateways' blocked words, masked in platform events too.
func newAPIHandler(b *bus.Bus, ms []api.Merchant, personas map[string]avatar.Persona, scripts *script.Cache, blocked []string, log *zap.Logger) (*api.API, error) {
	return api.New(api.Config{Merchants: ms, Personas: personas, Schema: script.Schema, Scripts: scripts, BlockedWords: blocked}, b, log)
}

// demoToken returns the token kept in file, making one up and writing it
// there (0600, in a 0700 directory) if there is none yet, so that the demo
// merchant keeps its token across restarts of serve.
func demoToken(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err == nil {
		tok := strings.TrimSpace(string(b))
		if len(tok) < api.MinTokenLen {
			return "", fmt.Errorf("%s: a token must be at least %d random characters", file, api.MinTokenLen)
		}
		return tok, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("demo token: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return "", fmt.Errorf("demo token: %w", err)
	}
	tok := api.NewToken()
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("demo token: %w", err)
	}
	if _, err := f.WriteString(tok + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("demo token: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("demo token: %w", err)
	}
	return tok, nil
}
