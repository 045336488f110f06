package director

import (
	"context"
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

// timePassed is called when the player has waited for the clock: the count
// of silent steps starts again.
func (p *Player) timePassed() { p.silentSteps = 0 }

// guardStep counts one script step of seg. Past MaxSilentSteps without time
// passing it ends the show (see MaxSilentSteps) and reports true.
func (p *Player) guardStep(ctx context.Context, seg *script.Segment) (bool, error) {
	p.silentSteps++
	if p.silentSteps <= MaxSilentSteps {
		return false, nil
	}
	p.silentSteps = 0
	p.log.Error("script loops without speaking or pausing; show ended",
		zap.String("room", string(p.room.ID)), zap.String("segment", seg.ID),
		zap.Uint64("version", p.prog.Version), zap.Int("steps", MaxSilentSteps))
	// A sink that is no Auditor gets the event and the log line only.
	if a, ok := p.sink.(Auditor); ok {
		detail := map[string]any{"show": p.prog.Show.ID, "version": p.prog.Version, "segment": seg.ID, "steps": MaxSilentSteps}
		if err := a.Audit(ctx, p.room, avatar.AuditScriptLoop, detail); err != nil {
			p.log.Warn("audit of a script loop failed", zap.String("room", string(p.room.ID)), zap.Error(err))
		}
	}
	if err := p.endSale(ctx, avatar.SaleEndStopped); err != nil {
		return true, err
	}
	if card := p.state.Product; card != nil {
		p.state.Product = nil
		if err := p.emit(ctx, avatar.EventProductHide, card); err != nil {
			return true, err
		}
	}
	p.state.Status = avatar.ShowEnded
	if err := p.emitState(ctx, avatar.EventShowEnd, p.showStatus(avatar.ReasonScriptLoop)); err != nil {
		return true, err
	}
	// Ended until the room record or the script changes; controls are
	// still answered meanwhile. Then the show starts again from the top.
	return true, p.wait(ctx, time.Time{}, p.hasUpdate)
}
