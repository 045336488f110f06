package director

import (
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// MaxSilentSteps is how many script steps a room may play in a row without
// time passing (no line spoken, no pause elapsed). Lint refuses scripts that
// can loop so (silent-loop); this guards the director against any that get
// through. Past it the room's show ends with reason avatar.ReasonScriptLoop
// and an audit record, and waits for the merchant to change the room or its
// script; other rooms play on.
const MaxSilentSteps = 1000

// guardStep counts one script step of seg. Past MaxSilentSteps without time
// passing (Update at a later time) it ends the show (see MaxSilentSteps)
// and reports true.
func (e *Engine) guardStep(seg *script.Segment) bool {
	e.silentSteps++
	if e.silentSteps <= MaxSilentSteps {
		return false
	}
	e.silentSteps = 0
	e.log.Error("script loops without speaking or pausing; show ended",
		zap.String("room", string(e.room.ID)), zap.String("segment", seg.ID),
		zap.Uint64("version", e.prog.Version), zap.Int("steps", MaxSilentSteps))
	e.record(avatar.AuditScriptLoop, map[string]any{"show": e.prog.Show.ID, "version": e.prog.Version, "segment": seg.ID, "steps": MaxSilentSteps})
	e.endShow(avatar.ReasonScriptLoop)
	// Ended until the room record or the script changes; controls are
	// still answered meanwhile. Then the show starts again from the top.
	e.wait(time.Time{}, untilUpdate)
	return true
}
