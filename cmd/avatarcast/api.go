package main

import (
	"errors"
	"fmt"
	"io/fs"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/gateway/api"
)

// demoTokenEnv names the variable that sets the demo merchant's token.
const demoTokenEnv = "AVATARCAST_DEMO_TOKEN"

// newMerchantAPI returns the merchant API handler with the merchants of
// path (a missing file is no merchants) and the demo merchant, which owns
// the demo rooms. The demo token is $AVATARCAST_DEMO_TOKEN; without it, a
// demo entry in the file keeps its hash, and otherwise, if makeDemo, a
// token is made up and logged once (serve); a gateway of a cluster makes
// none, as each would make its own. No other secret is ever logged. The API
// parses stored script versions into scripts (nil: its own cache).
func newMerchantAPI(b *bus.Bus, path string, personas map[string]avatar.Persona, scripts *script.Cache, getenv func(string) string, makeDemo bool, log *zap.Logger) (*api.API, error) {
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
	if demo < 0 && !makeDemo && getenv(demoTokenEnv) == "" {
		return newAPIHandler(b, ms, personas, scripts, log)
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
	case ms[demo].TokenSHA256 == "":
		tok = api.NewToken()
		ms[demo].TokenSHA256 = api.HashToken(tok)
		log.Warn("merchant API: generated a token for merchant demo for this run; set "+demoTokenEnv+" to choose one",
			zap.String("token", tok))
	}
	return newAPIHandler(b, ms, personas, scripts, log)
}

func newAPIHandler(b *bus.Bus, ms []api.Merchant, personas map[string]avatar.Persona, scripts *script.Cache, log *zap.Logger) (*api.API, error) {
	return api.New(api.Config{Merchants: ms, Personas: personas, Schema: script.Schema, Scripts: scripts}, b, log)
}
