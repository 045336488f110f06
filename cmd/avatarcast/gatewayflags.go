package main

import (
	"strings"

	"github.com/avatarcast/avatarcast/gateway"
)

// gatewayOpts are the gateway's flags, shared by serve and gateway.
type gatewayOpts struct {
	origins, kioskTokens, blockedWords *string
	maxPerIP                           *int
}

func gatewayFlags(f *flags) gatewayOpts {
	return gatewayOpts{
		origins:      f.string("allowed-origins", "", `comma-separated browser origins allowed to open sockets besides the gateway's own ("https://shop.example"; "*" any)`),
		kioskTokens:  f.string("kiosk-tokens", "", "comma-separated SHA-256 hex hashes of kiosk device tokens; a socket opened with ?token=T whose hash is listed skips the origin check"),
		blockedWords: f.string("blocked-words", "", "comma-separated words masked with * in viewer comments, questions and display names (serve: also never spoken in a name)"),
		maxPerIP:     f.int("max-conns-per-ip", 256, "sockets allowed from one IP address (negative: no limit)"),
	}
}

func (o gatewayOpts) config() gateway.Config {
	return gateway.Config{
		AllowedOrigins: splitList(*o.origins),
		KioskTokens:    splitList(*o.kioskTokens),
		BlockedWords:   splitList(*o.blockedWords),
		MaxConnsPerIP:  *o.maxPerIP,
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
