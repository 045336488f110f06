package api

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"regexp"
	"slices"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// A merchant's personas (PUT/GET/DELETE /api/v1/personas/{id}) are who may
// present its rooms, next to the personas file's (Config.Personas, the
// seed every merchant may name). A merchant's persona of the same ID
// shadows the seed's for that merchant only; no other merchant sees it.
// Creating a room, assigning it a script and starting it resolve its
// persona again (the merchant's first, then the seed's) and check its
// licence; a change to a persona reaches a playing room only at its next
// start or assignment, except a licence revoked, which stops it at once
// (enforceLicences).

// Bounds of a merchant's persona.
const (
	maxPersonaText = 300 // characters of a disclosure or spoken disclosure
	maxPersonaLang = 16  // languages of a disclosure
	minVoiceRate   = 0.5
	maxVoiceRate   = 2.0
)

var (
	langRE    = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$`)
	voiceIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,63}$`)
)

// personaStore returns the personas bucket, opening it on first use.
func (a *API) personaStore(ctx context.Context) (*bus.Personas, error) {
	a.perMu.Lock()
	defer a.perMu.Unlock()
	if a.per != nil {
		return a.per, nil
	}
	ps, err := a.bus.OpenPersonas(ctx)
	if err != nil {
		return nil, err
	}
	a.per = ps
	return ps, nil
}

// resolvePersona returns the persona id that merchant's rooms and scripts
// mean: the merchant's own, else the personas file's; ok is false if
// neither has it.
func (a *API) resolvePersona(ctx context.Context, merchant, id string) (p avatar.Persona, ok bool, err error) {
	ps, err := a.personaStore(ctx)
	if err != nil {
		return avatar.Persona{}, false, err
	}
	v, err := ps.Get(ctx, merchant, id)
	switch {
	case err == nil:
		return v.Persona, true, nil
	case !errors.Is(err, bus.ErrNotFound):
		return avatar.Persona{}, false, err
	}
	p, ok = a.cfg.Personas[id]
	return p, ok, nil
}

// parserFor returns the script parser for merchant: it knows the personas
// file's personas and the merchant's own.
func (a *API) parserFor(ctx context.Context, merchant string) (*script.Config, error) {
	ps, err := a.personaStore(ctx)
	if err != nil {
		return nil, err
	}
	own, err := ps.List(ctx, merchant)
	if err != nil {
		return nil, err
	}
	if len(own) == 0 {
		return &a.parse, nil
	}
	c := a.parse
	c.Personas = slices.Clone(a.parse.Personas)
	for _, v := range own {
		c.Personas = append(c.Personas, v.ID)
	}
	slices.Sort(c.Personas)
	c.Personas = slices.Compact(c.Personas)
	return &c, nil
}

func (a *API) putPersona(w http.ResponseWriter, r *http.Request) {
	id, ok := a.pathID(w, r, "id")
	if !ok {
		return
	}
	var p avatar.Persona // the body: a persona as the contract has it
	if !a.decodeJSON(w, r, &p) {
		return
	}
	ctx := r.Context()
	m := merchantOf(r)
	ps, err := a.personaStore(ctx)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	k := a.personaRecords()
	_, found, ok := k.existing(w, r, ps, id)
	if !ok {
		return
	}
	if p.ID == "" {
		p.ID = id
	}
	probs := checkPersona(id, p)
	if p.ID == id && p.Likeness != nil && p.Likeness.LicenceID != "" && !p.Synthetic {
		lp, err := a.personaLicenceProblems(ctx, m, *p.Likeness)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		probs = append(probs, lp...)
	}
	if len(probs) > 0 {
		a.fail(w, r, http.StatusUnprocessableEntity, "invalid_persona", probs[0].Message, probs...)
		return
	}
	if !found && !k.roomForOne(w, r, ps) {
		return
	}
	v, changed, err := ps.Put(ctx, m, p)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if changed {
		detail := map[string]any{"version": v.Version, "synthetic": p.Synthetic, "disclosure_languages": slices.Sorted(maps.Keys(p.Disclosure))}
		if l := p.Likeness; l != nil {
			detail["person"], detail["licence"], detail["face"], detail["voice"] = l.Person, l.LicenceID, l.Face, l.Voice
		}
		a.record(r, "persona.put", id, detail)
	}
	k.putDone(w, id, found, v)
}

// checkPersona returns what is wrong with a merchant's persona p, stored
// as id, that needs no store: ID, name, disclosures, look, voice, and
// either synthetic or a likeness with a licence reference.
func checkPersona(id string, p avatar.Persona) []Problem {
	var ps []Problem
	if p.ID != id {
		ps = append(ps, fieldProblem("id", "id-mismatch", "the body's id is %q but the path's is %q: make them the same", p.ID, id))
	}
	ps = append(ps, textProblems("name", p.Name, true, 100)...)
	texts := func(field string, m map[string]string) {
		if len(m) == 0 {
			ps = append(ps, fieldProblem(field, "missing", "%s is required: the text in at least one language, such as {\"zh\": \"...\"}", field))
			return
		}
		if len(m) > maxPersonaLang {
			ps = append(ps, fieldProblem(field, "too-many", "%s may hold at most %d languages", field, maxPersonaLang))
			return
		}
		for _, lang := range slices.Sorted(maps.Keys(m)) {
			f := field + "." + lang
			if !langRE.MatchString(lang) {
				ps = append(ps, fieldProblem(f, "bad-language", "%q is not a language tag such as zh, en or zh-CN", lang))
				continue
			}
			ps = append(ps, textProblems(f, m[lang], true, maxPersonaText)...)
		}
	}
	texts("disclosure", p.Disclosure)
	texts("spoken_disclosure", p.SpokenDisclosure)
	if err := p.Look.Check(); err != nil {
		ps = append(ps, fieldProblem("look", "bad-look", "%v", err))
	} else if len(p.Look.Image) > 200 {
		ps = append(ps, fieldProblem("look.image", "too-long", "look.image may be at most 200 characters"))
	}
	if !voiceIDRE.MatchString(p.Voice.ID) {
		ps = append(ps, fieldProblem("voice.id", "bad-voice", "voice.id must name a voice: 1-64 of A-Z a-z 0-9 _ . : + -, not %q", p.Voice.ID))
	}
	if p.Voice.Rate != 0 && (p.Voice.Rate < minVoiceRate || p.Voice.Rate > maxVoiceRate) {
		ps = append(ps, fieldProblem("voice.rate", "bad-rate", "voice.rate must be between %g and %g (1 is normal), not %g", minVoiceRate, maxVoiceRate, p.Voice.Rate))
	}
	if v := p.Voice.SynthVoice; v != "" && (avatar.Voice{SynthVoice: v}).Check() != nil {
		ps = append(ps, fieldProblem("voice.synth_voice", "bad-voice", "voice.synth_voice must name the synthesiser's voice: 1-%d of A-Z a-z 0-9 _ . + -, not %q", avatar.MaxSynthVoice, v))
	}
	if p.Voice.Pitch != 0 && (avatar.Voice{Pitch: p.Voice.Pitch}).Check() != nil {
		ps = append(ps, fieldProblem("voice.pitch", "bad-pitch", "voice.pitch must be between %g and %g (1 is normal), not %g", avatar.MinVoicePitch, avatar.MaxVoicePitch, p.Voice.Pitch))
	}
	l := p.Likeness
	likeness := l != nil && (l.Face || l.Voice)
	switch {
	case p.Synthetic && l != nil:
		ps = append(ps, fieldProblem("likeness", "synthetic-likeness", "a synthetic persona has no likeness of a real person: drop likeness or synthetic"))
	case p.Synthetic:
	case l == nil:
		ps = append(ps, fieldProblem("synthetic", "missing", "say \"synthetic\": true for a wholly synthetic persona, or give the real person's likeness with its licence_id"))
	default:
		ps = append(ps, textProblems("likeness.person", l.Person, true, 200)...)
		if !likeness {
			ps = append(ps, fieldProblem("likeness", "no-likeness", "a likeness is of a face or a voice (or both): set face or voice, or say \"synthetic\": true"))
		}
		if l.Licence != nil {
			ps = append(ps, fieldProblem("likeness.licence", "inline-licence", "a merchant's persona names one of its licences (likeness.licence_id, see /api/v1/licences) instead of carrying one"))
		}
		if l.LicenceID == "" {
			ps = append(ps, fieldProblem("likeness.licence_id", "unlicensed", "the likeness of %s needs likeness.licence_id: one of your licences for that person", l.Person))
		} else if !idRE.MatchString(l.LicenceID) {
			ps = append(ps, fieldProblem("likeness.licence_id", "bad-id", "licence_id must be 1-64 of A-Z a-z 0-9 _ -, not %q", l.LicenceID))
		}
	}
	return ps
}

// personaLicenceProblems returns what is wrong with the licence a
// likeness names: missing, of another person, revoked, or not covering
// the face or voice it uses. Other errors are failures to read it.
func (a *API) personaLicenceProblems(ctx context.Context, merchant string, l avatar.Likeness) ([]Problem, error) {
	if !idRE.MatchString(l.LicenceID) {
		return nil, nil // checkPersona said so
	}
	ls, err := a.licences(ctx)
	if err != nil {
		return nil, err
	}
	v, err := ls.Get(ctx, merchant, l.LicenceID)
	if errors.Is(err, bus.ErrNotFound) {
		return []Problem{fieldProblem("likeness.licence_id", "unknown-licence", "you have no licence %q; record it first (PUT /api/v1/licences/%s)", l.LicenceID, l.LicenceID)}, nil
	}
	if err != nil {
		return nil, err
	}
	var ps []Problem
	if !avatar.SamePerson(v.Person, l.Person) {
		ps = append(ps, fieldProblem("likeness.licence_id", "licence-person", "licence %s is for %s, not %s", v.ID, v.Person, l.Person))
	}
	if !v.RevokedAt.IsZero() {
		ps = append(ps, fieldProblem("likeness.licence_id", "licence-revoked", "licence %s was revoked", v.ID))
	}
	for _, u := range []struct {
		need bool
		use  string
	}{{l.Face, avatar.UseFace}, {l.Voice, avatar.UseVoice}} {
		if u.need && !slices.Contains(v.Covers, u.use) {
			ps = append(ps, fieldProblem("likeness.licence_id", "licence-wrong-use", "licence %s does not cover the %s", v.ID, u.use))
		}
	}
	return ps, nil
}

// personaRecords serves the merchant's personas: get, list (with the IDs
// of the personas file's that the merchant's do not shadow, as "seed"),
// versions and delete. Rooms showing a deleted persona keep it until
// their next start or assignment, which then finds the personas file's of
// the same ID, if any, or refuses.
func (a *API) personaRecords() records[bus.PersonaVersion] {
	return records[bus.PersonaVersion]{
		a: a, what: "persona", plural: "personas", path: "/api/v1/personas", notFound: " of yours", most: a.cfg.MaxPersonas,
		open: func(ctx context.Context) (versionedStore[bus.PersonaVersion], error) { return a.personaStore(ctx) },
		listExtra: func(vs []bus.PersonaVersion, answer map[string]any) {
			seed := []string{}
			for _, id := range a.parse.Personas {
				if !slices.ContainsFunc(vs, func(v bus.PersonaVersion) bool { return v.ID == id }) {
					seed = append(seed, id)
				}
			}
			answer["seed"] = seed
		},
	}
}
