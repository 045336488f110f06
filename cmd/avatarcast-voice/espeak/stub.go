//go:build !(cgo && espeak)

package espeak

import (
	"context"
	"fmt"

	"github.com/avatarcast/avatarcast/avatar/voice"
)

// Available reports whether this build links espeak-ng: build with
// `-tags espeak` (and cgo, libespeak-ng-dev and libopusenc-dev) for it.
const Available = false

// New fails: this build does not link espeak-ng.
func New(Config) (*Synth, error) {
	return nil, fmt.Errorf("espeak: built without -tags espeak: %w", voice.ErrUnavailable)
}

// Synthesize fails: this build does not link espeak-ng.
func (s *Synth) Synthesize(context.Context, voice.Request) (voice.Audio, error) {
	return voice.Audio{}, fmt.Errorf("espeak: built without -tags espeak: %w", voice.ErrUnavailable)
}
