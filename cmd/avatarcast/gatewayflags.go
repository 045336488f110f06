package main

import (
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/avatarcast/avatarcast/gateway"
)

// gatewayOpts are the gateway's flags, shared by serve and gateway.
type gatewayOpts struct {
	origins, kioskTokens                  *string
	block                                 blocklistOpts
	maxPerIP, maxConns, busyPerIP         *int
	resumeWindow, resumeRate, resumeBurst *int
	readTimeout, writeTimeout, idle       *time.Duration
	assets, kioskPasscode, kioskShow      *string
	kioskIdle                             *int
}

func gatewayFlags(f *flags) gatewayOpts {
	return gatewayOpts{
		origins:       f.string("allowed-origins", "", `comma-separated browser origins allowed to open sockets besides the gateway's own ("https://shop.example"; "*" any)`),
		kioskTokens:   f.string("kiosk-tokens", "", "comma-separated SHA-256 hex hashes of kiosk device tokens; a socket opened with ?token=T whose hash is listed skips the origin check"),
		block:         blocklistFlags(f),
		maxPerIP:      f.int("max-conns-per-ip", 256, "open connections of every kind (pages, API, health, sockets) allowed from one address, IPv6 by /64 (negative: no limit)"),
		maxConns:      f.int("max-conns", 0, "open connections allowed in all; 0: the file limit (RLIMIT_NOFILE) less a tenth, at least 256; negative: no limit"),
		busyPerIP:     f.int("busy-conns-per-ip", 8, "connections an address may hold and still get another once the last tenth of -max-conns is reached"),
		readTimeout:   f.duration("http-read-timeout", 30*time.Second, "time to read a whole HTTP request"),
		writeTimeout:  f.duration("http-write-timeout", 60*time.Second, "time to write an HTTP response (not WebSockets)"),
		idle:          f.duration("http-idle-timeout", 30*time.Second, "time a keep-alive connection may wait for its next request"),
		resumeWindow:  f.int("resume-window", 1024, "events each room keeps in memory, loaded when it opens: a viewer further behind resumes from the room's state (recovered false)"),
		resumeRate:    f.int("resume-rate", 5, "resumes (sockets opened with since=) allowed per second from one IP address (negative: no limit)"),
		resumeBurst:   f.int("resume-burst", 100, "resumes one IP address may make at once"),
		assets:        f.string("assets", "./assets", "directory served under /assets/: product and exhibit images, persona pictures"),
		kioskPasscode: f.string("kiosk-passcode-sha256", "", "SHA-256 hex of the staff passcode that unlocks a kiosk page (empty: no staff lock); make it with: printf %s CODE | sha256sum"),
		kioskShow:     f.string("kiosk-show", "", "comma-separated extras a kiosk page shows: free-text, like"),
		kioskIdle:     f.int("kiosk-idle-seconds", 60, "seconds without a touch before a kiosk plays its attract loop"),
	}
}

func (o gatewayOpts) config() gateway.Config {
	return gateway.Config{
		AllowedOrigins:   splitList(*o.origins),
		KioskTokens:      splitList(*o.kioskTokens),
		BlockedWords:     o.block.blockedWords(),
		MaxConnsPerIP:    *o.maxPerIP,
		MaxConns:         *o.maxConns,
		BusyConnsPerIP:   *o.busyPerIP,
		HTTPReadTimeout:  *o.readTimeout,
		HTTPWriteTimeout: *o.writeTimeout,
		HTTPIdleTimeout:  *o.idle,
		RingSize:         *o.resumeWindow,
		ResumeRate:       rate.Limit(*o.resumeRate),
		ResumeBurst:      *o.resumeBurst,
		Assets:           *o.assets,
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
