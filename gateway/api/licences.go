package api

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// A merchant's licences (PUT/GET/DELETE /api/v1/licences/{id}) say whose
// face or voice the merchant may use, for which uses and until when. A
// room whose persona has a real person's likeness plays only while one of
// its merchant's licences (or the persona's own, from the personas file)
// covers the room's use; a revoked, deleted or expired licence stops the
// rooms that depended on it (enforceLicences), each with an audit record.

// licenceRequest is the body of PUT /api/v1/licences/{id}.
type licenceRequest struct {
	ID        string    `json:"id"` // optional; if given, the path's
	Person    string    `json:"person"`
	Holder    string    `json:"holder"`
	Consent   string    `json:"consent"`
	Covers    []string  `json:"covers"`
	Territory []string  `json:"territory"`
	ValidFrom time.Time `json:"valid_from"`
	Expires   time.Time `json:"expires"`
	Revoked   bool      `json:"revoked"`
	Why       string    `json:"revoked_why"`
}

// licenceAnswer is a stored licence version and the rooms the change stopped.
type licenceAnswer struct {
	bus.LicenceVersion
	StoppedRooms []avatar.RoomID `json:"stopped_rooms,omitempty"`
}

var territoryRE = regexp.MustCompile(`^[A-Z]{2}$`)

// licences returns the licences bucket, creating it on first use.
func (a *API) licences(ctx context.Context) (*bus.Licences, error) {
	a.licMu.Lock()
	defer a.licMu.Unlock()
	if a.lic != nil {
		return a.lic, nil
	}
	ls, err := a.bus.OpenLicences(ctx)
	if err != nil {
		return nil, err
	}
	a.lic = ls
	return ls, nil
}

// merchantLicences returns merchant's licences as the contract has them.
func (a *API) merchantLicences(ctx context.Context, merchant string) ([]avatar.Licence, error) {
	ls, err := a.licences(ctx)
	if err != nil {
		return nil, err
	}
	vs, err := ls.List(ctx, merchant)
	if err != nil {
		return nil, err
	}
	out := make([]avatar.Licence, len(vs))
	for i, v := range vs {
		out[i] = v.Licence
	}
	return out, nil
}

// checkLicence reports whether persona p may present a room of kind for
// merchant now, under the persona's own licence or one of the merchant's:
// the licence ID (or "") and a *avatar.LicenceError if none covers it.
// Other errors are failures to read the licences.
func (a *API) checkLicence(ctx context.Context, merchant string, p avatar.Persona, kind string) (string, error) {
	if p.LicenceNeeds(kind) == nil {
		return "", nil
	}
	ls, err := a.merchantLicences(ctx, merchant)
	if err != nil {
		return "", err
	}
	return p.CheckLicence(kind, a.cfg.Now(), ls)
}

// licenceProblem is the problem of a persona no licence covers: which
// licence (if any) and why, in the contract's words (avatar.Licence*).
func licenceProblem(le *avatar.LicenceError) Problem {
	p := fieldProblem("persona", "persona-unlicensed", "%v", le)
	p.Licence, p.Reason = le.Licence, le.Reason
	return p
}

func (a *API) putLicence(w http.ResponseWriter, r *http.Request) {
	id, ok := a.pathID(w, r, "id")
	if !ok {
		return
	}
	var req licenceRequest
	if !a.decodeJSON(w, r, &req) {
		return
	}
	ctx := r.Context()
	m := merchantOf(r)
	ls, err := a.licences(ctx)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	k := a.licenceRecords()
	old, found, ok := k.existing(w, r, ls, id)
	if !ok {
		return
	}
	if ps := checkLicenceRequest(id, req, found && !old.RevokedAt.IsZero()); len(ps) > 0 {
		a.fail(w, r, http.StatusUnprocessableEntity, "invalid_licence", ps[0].Message, ps...)
		return
	}
	if !found && !k.roomForOne(w, r, ls) {
		return
	}
	l := avatar.Licence{
		ID: id, Person: strings.TrimSpace(req.Person), Holder: strings.TrimSpace(req.Holder), Consent: strings.TrimSpace(req.Consent),
		Covers: req.Covers, Territory: req.Territory, ValidFrom: req.ValidFrom.UTC(), Expires: req.Expires.UTC(),
	}
	if req.ValidFrom.IsZero() {
		l.ValidFrom = time.Time{}
	}
	if req.Expires.IsZero() {
		l.Expires = time.Time{}
	}
	slices.Sort(l.Covers)
	l.Covers = slices.Compact(l.Covers)
	if req.Revoked {
		l.RevokedAt, l.Revoked = a.cfg.Now().UTC(), strings.TrimSpace(req.Why)
		if found && !old.RevokedAt.IsZero() {
			l.RevokedAt, l.Revoked = old.RevokedAt, old.Revoked // revoked once, when first revoked
		}
	}
	v, changed, err := ls.Put(ctx, m, l)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	ans := licenceAnswer{LicenceVersion: v}
	if changed {
		action := "licence.put"
		if !l.RevokedAt.IsZero() && (!found || old.RevokedAt.IsZero()) {
			action = "licence.revoke"
		}
		a.record(r, action, id, map[string]any{"version": v.Version, "person": l.Person, "covers": l.Covers,
			"valid_from": l.ValidFrom, "expires": l.Expires, "revoked_at": l.RevokedAt, "revoked_why": l.Revoked})
		if ans.StoppedRooms, err = a.enforceLicences(ctx, m, requestID(r)); err != nil {
			a.internal(w, r, err)
			return
		}
	}
	k.putDone(w, id, found, ans)
}

// textProblems returns what is wrong with a text field shown to people:
// missing (if required), longer than maxRunes characters, or holding
// control, format or bidi characters.
func textProblems(field, v string, required bool, maxRunes int) []Problem {
	switch {
	case strings.TrimSpace(v) == "":
		if required {
			return []Problem{fieldProblem(field, "missing", "%s is required", field)}
		}
	case utf8.RuneCountInString(v) > maxRunes:
		return []Problem{fieldProblem(field, "too-long", "%s may be at most %d characters", field, maxRunes)}
	default:
		var bad *avatar.DisplayTextError
		if errors.As(avatar.CheckDisplayText(v), &bad) {
			p := fieldProblem(field, "bad-text", "%s: %v", field, bad)
			p.Line, p.Col = 1, bad.Col
			return []Problem{p}
		}
	}
	return nil
}

// checkLicenceRequest returns what is wrong with a licence's body.
func checkLicenceRequest(id string, req licenceRequest, wasRevoked bool) []Problem {
	var ps []Problem
	if req.ID != "" && req.ID != id {
		ps = append(ps, fieldProblem("id", "id-mismatch", "the body's id is %q but the path's is %q: make them the same", req.ID, id))
	}
	text := func(field, v string, required bool) {
		ps = append(ps, textProblems(field, v, required, 200)...)
	}
	text("person", req.Person, true)
	text("holder", req.Holder, true)
	text("consent", req.Consent, true)
	text("revoked_why", req.Why, false)
	if len(req.Covers) == 0 {
		ps = append(ps, fieldProblem("covers", "missing", "covers is required: the uses granted, of %s", strings.Join(avatar.LicenceUses, ", ")))
	}
	likeness := false
	for i, u := range req.Covers {
		if !slices.Contains(avatar.LicenceUses, u) {
			ps = append(ps, fieldProblem(fmt.Sprintf("covers.%d", i), "bad-use", "use %q is not one of %s", u, strings.Join(avatar.LicenceUses, ", ")))
		}
		likeness = likeness || u == avatar.UseFace || u == avatar.UseVoice
	}
	if len(req.Covers) > 0 && !likeness {
		ps = append(ps, fieldProblem("covers", "no-likeness", "covers must grant %q or %q (or both): a licence is for a face or a voice", avatar.UseFace, avatar.UseVoice))
	}
	if len(req.Territory) > 64 {
		ps = append(ps, fieldProblem("territory", "too-long", "territory may list at most 64 countries"))
	}
	for i, t := range req.Territory {
		if !territoryRE.MatchString(t) {
			ps = append(ps, fieldProblem(fmt.Sprintf("territory.%d", i), "bad-territory", "territory %q is not an ISO 3166 country code such as CN or FR", t))
		}
	}
	if !req.ValidFrom.IsZero() && !req.Expires.IsZero() && !req.Expires.After(req.ValidFrom) {
		ps = append(ps, fieldProblem("expires", "bad-period", "expires (%s) must be after valid_from (%s)", req.Expires.Format(time.RFC3339), req.ValidFrom.Format(time.RFC3339)))
	}
	if wasRevoked && !req.Revoked {
		ps = append(ps, fieldProblem("revoked", "revoked", "licence %s was revoked and stays revoked; record a new licence under another id", id))
	}
	return ps
}

// licenceRecords serves the merchant's licences: get, list, versions and
// delete; deleting one stops the merchant's rooms it covered (answered with
// stopped_rooms, else 204).
func (a *API) licenceRecords() records[bus.LicenceVersion] {
	return records[bus.LicenceVersion]{
		a: a, what: "licence", plural: "licences", path: "/api/v1/licences", most: a.cfg.MaxLicences,
		open: func(ctx context.Context) (versionedStore[bus.LicenceVersion], error) { return a.licences(ctx) },
		afterDelete: func(w http.ResponseWriter, r *http.Request) bool {
			stopped, err := a.enforceLicences(r.Context(), merchantOf(r), requestID(r))
			switch {
			case err != nil:
				a.internal(w, r, err)
			case len(stopped) > 0:
				a.writeJSON(w, http.StatusOK, map[string]any{"stopped_rooms": stopped})
			default:
				return false
			}
			return true
		},
	}
}

// enforceLicences sets to stopped every playing or paused room (of
// merchant; of every merchant if "") whose persona no licence covers now,
// with the reason in the room record (StopReason) and an audit record of
// the room's merchant (request names the request that caused it, if any).
// The director ends a stopped room's show. It returns the rooms stopped.
func (a *API) enforceLicences(ctx context.Context, merchant, request string) ([]avatar.RoomID, error) {
	rooms, err := a.bus.RoomRecords(ctx)
	if err != nil {
		return nil, err
	}
	lics := map[string][]avatar.Licence{}
	var stopped []avatar.RoomID
	for _, rm := range rooms {
		if merchant != "" && rm.Merchant != merchant {
			continue
		}
		if rm.Status == avatar.RoomStopped || rm.Persona.LicenceNeeds(rm.Kind) == nil {
			continue
		}
		ls, ok := lics[rm.Merchant]
		if !ok {
			if ls, err = a.merchantLicences(ctx, rm.Merchant); err != nil {
				return stopped, err
			}
			lics[rm.Merchant] = ls
		}
		_, err := rm.Persona.CheckLicence(rm.Kind, a.cfg.Now(), ls)
		var le *avatar.LicenceError
		if !errors.As(err, &le) {
			continue
		}
		ok, err = a.stopUnlicensed(ctx, rm.ID, le, request)
		if err != nil {
			return stopped, err
		}
		if ok {
			stopped = append(stopped, rm.ID)
		}
	}
	return stopped, nil
}

// stopUnlicensed sets room id to stopped for le's reason, unless it is
// stopped already, and records it; it reports whether it stopped it.
func (a *API) stopUnlicensed(ctx context.Context, id avatar.RoomID, le *avatar.LicenceError, request string) (bool, error) {
	noticed := false
	for range 5 {
		rm, rev, err := a.bus.RoomRecord(ctx, id)
		if errors.Is(err, bus.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if rm.Status == avatar.RoomStopped {
			return false, nil
		}
		prev := rm.Status
		if prev == avatar.RoomPlaying && !noticed {
			// Viewers learn why before the show ends at the next line.
			a.noticeLicenceEnded(ctx, rm)
			noticed = true
		}
		rm.Status, rm.StopReason = avatar.RoomStopped, le.Reason
		if _, err := a.bus.UpdateRoomRecord(ctx, rm, rev); errors.Is(err, bus.ErrChanged) {
			continue
		} else if err != nil {
			return false, err
		}
		a.log.Info("room stopped: its licence no longer covers it", zap.String("room", string(id)),
			zap.String("merchant", rm.Merchant), zap.String("licence", le.Licence), zap.String("reason", le.Reason))
		a.audit(ctx, bus.AuditRecord{Merchant: rm.Merchant, Action: "room.stop", Target: string(id), RequestID: request},
			map[string]any{"status": rm.Status, "previous_status": prev, "script": rm.Show, "version": rm.Version,
				"reason": le.Reason, "licence": le.Licence, "message": le.Error()})
		return true, nil
	}
	return false, fmt.Errorf("api: stop room %s: %w", id, bus.ErrChanged)
}

// noticeLicenceEnded asks the director playing rm to show its viewers that
// the show ends for its licence, in the persona's disclosure languages. It
// is best effort: without a director, or refused, the room stops anyway.
func (a *API) noticeLicenceEnded(ctx context.Context, rm avatar.Room) {
	langs := slices.Sorted(maps.Keys(rm.Persona.Disclosure))
	c := avatar.Control{Type: avatar.CtlNotice, Room: rm.ID, By: rm.Merchant, Text: avatar.LicenceEndedNotice(langs),
		Ref: avatar.NoticeRefLicence, TS: a.cfg.Now().UTC()}
	cctx, cancel := context.WithTimeout(ctx, a.cfg.ControlTimeout)
	defer cancel()
	r, err := a.bus.Control(cctx, c)
	if err == nil && !r.OK {
		err = fmt.Errorf("refused: %s: %s", r.Code, r.Error)
	}
	if err != nil {
		a.log.Info("no notice of the licence to the room's viewers", zap.String("room", string(rm.ID)), zap.Error(err))
	}
}

// Run stops rooms whose licence expires while they play: every
// LicenceCheckEvery it checks every playing or paused room's licence
// against the clock (Config.Now), and deletes the preview rooms nobody
// used for Config.PreviewIdle. It returns when ctx ends.
func (a *API) Run(ctx context.Context) error {
	t := time.NewTicker(a.cfg.LicenceCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, err := a.enforceLicences(ctx, "", ""); err != nil && ctx.Err() == nil {
			a.log.Warn("licence check", zap.Error(err))
		}
		if err := a.expirePreviews(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("expire previews", zap.Error(err))
		}
	}
}
