# The front door: `make test` runs every test; `go run ./cmd/avatarcast serve` runs the show.
GO ?= go

.PHONY: test check deps bench fuzz serve

# test installs what the tests need (Chromium for the browser tests), then
# runs every test with the race detector.
test: deps
	$(GO) test -race -count=1 ./...

# check is what CI adds to the tests: formatting, vet and staticcheck (pinned).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

deps:
	@bash .ci/deps

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

serve:
	$(GO) run ./cmd/avatarcast serve
