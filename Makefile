# The front door: `make test` runs every test; `go run ./cmd/avatarcast serve` runs the show.
GO ?= go

.PHONY: test check deps bench fuzz serve voice

# espeak: build the voice worker's espeak-ng synthesizer (cgo) when its
# libraries are installed (bash .ci/deps); without them its tests skip.
TAGS ?= $(shell pkg-config --exists espeak-ng libopusenc 2>/dev/null && echo espeak)

# test installs what the tests need (Chromium for the browser tests), then
# runs every test with the race detector.
test: deps
	$(GO) test -race -count=1 -timeout 30m -tags "$(TAGS)" ./...

# check is what CI adds to the tests: formatting, vet and staticcheck (pinned).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags "$(TAGS)" ./cmd/avatarcast-voice/...
	$(GO) run $(STATICCHECK) ./...
	@# The main binary stays free of cgo (and of the GPL espeak-ng).
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/avatarcast

deps:
	@bash .ci/deps

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

serve:
	$(GO) run ./cmd/avatarcast serve

# voice builds the voice worker (GPL-3.0: it links espeak-ng) next to where
# `go build ./cmd/avatarcast` puts avatarcast, so serve finds it.
voice:
	$(GO) build -tags espeak -o avatarcast-voice ./cmd/avatarcast-voice
