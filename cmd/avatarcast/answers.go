package main

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar/answer"
	"github.com/avatarcast/avatarcast/avatar/guard"
)

// answersClient returns the model client that answers viewers' questions
// no FAQ entry matched, when the operator set AVATARCAST_AI_URL (and
// AVATARCAST_AI_MODEL, optionally AVATARCAST_AI_KEY and _TIMEOUT; see
// docs/answers.md); nil when unset: fallback lines only. Its guard blocks
// the same words as the director. The key is never logged.
func answersClient(getenv func(string) string, blocked []string, log *zap.Logger) (*answer.Client, error) {
	cfg, ok, err := answer.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	if !ok {
		log.Info("model answers off: " + answer.EnvURL + " is not set; unmatched questions get the script's fallback line")
		return nil, nil
	}
	c, err := answer.New(cfg, guard.New(guard.Config{Blocked: blocked}))
	if err != nil {
		return nil, fmt.Errorf("model answers: %w", err)
	}
	log.Info("model answers on for scripts with ai enabled", zap.Stringer("endpoint", cfg))
	return c, nil
}
