package main

import (
	"slices"
	"strings"
	"time"

	"github.com/avatarcast/avatarcast/gateway"
)

// gatewayOpts are the gateway's flags, shared by serve and gateway.
type gatewayOpts struct {
	origins, kioskTokens, blockedWords *string
	maxPerIP                           *int
	assets, kioskPasscode, kioskShow   *string
	kioskIdle                          *int
}

func gatewayFlags(f *flags) gatewayOpts {
	return gatewayOpts{
		origins:       f.string("allowed-origins", "", `comma-separated browser origins allowed to open sockets besides the gateway's own ("https://shop.example"; "*" any)`),
		kioskTokens:   f.string("kiosk-tokens", "", "comma-separated SHA-256 hex hashes of kiosk device tokens; a socket opened with ?token=T whose hash is listed skips the origin check"),
		blockedWords:  f.string("blocked-words", "", "comma-separated words masked with * in viewer comments, questions and display names (serve: also never spoken in a name)"),
		maxPerIP:      f.int("max-conns-per-ip", 256, "sockets allowed from one IP address (negative: no limit)"),
		assets:        f.string("assets", "./assets", "directory served under /assets/: product and exhibit images, persona pictures"),
		kioskPasscode: f.string("kiosk-passcode-sha256", "", "SHA-256 hex of the staff passcode that unlocks a kiosk page (empty: no staff lock); make it with: printf %s CODE | sha256sum"),
		kioskShow:     f.string("kiosk-show", "", "comma-separated extras a kiosk page shows: free-text, like"),
		kioskIdle:     f.int("kiosk-idle-seconds", 60, "seconds without a touch before a kiosk plays its attract loop"),
	}
}

func (o gatewayOpts) config() gateway.Config {
	return gateway.Config{
		AllowedOrigins: splitList(*o.origins),
		KioskTokens:    splitList(*o.kioskTokens),
		BlockedWords:   splitList(*o.blockedWords),
		MaxConnsPerIP:  *o.maxPerIP,
		Assets:         *o.assets,
		Kiosk: gateway.KioskConfig{
			PasscodeSHA256: strings.ToLower(strings.TrimSpace(*o.kioskPasscode)),
			FreeText:       slices.Contains(splitList(*o.kioskShow), "free-text"),
			Like:           slices.Contains(splitList(*o.kioskShow), "like"),
			IdleAfter:      time.Duration(*o.kioskIdle) * time.Second,
		},
	}
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
