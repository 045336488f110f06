package director

import (
	"fmt"
	"slices"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// One language is spoken in a room; each viewer may read subtitles in
// another. Speech events carry the line in the script's other languages
// (avatar.Speech.Translations) for the pages to choose from. Who changes
// the spoken language depends on the room: in a livestream only the
// merchant (the lang control); at a museum kiosk, one device for one
// visitor, the visitor (a lang message).

// otherLangs returns text(lg) for every language lg of the script other
// than lang for which text reports true, or nil if there is none.
func (e *Engine) otherLangs(lang string, text func(lg string) (string, bool)) map[string]string {
	var tr map[string]string
	for _, lg := range e.prog.Show.Languages {
		if lg == lang {
			continue
		}
		t, ok := text(lg)
		if !ok {
			continue
		}
		if tr == nil {
			tr = make(map[string]string, len(e.prog.Show.Languages)-1)
		}
		tr[lg] = t
	}
	return tr
}

// lineTranslations returns line l in the script's languages other than
// lang that it has, placeholders filled (cue marks are already out of an
// Utterance's text).
func (e *Engine) lineTranslations(l *script.Line, lang string) map[string]string {
	return e.otherLangs(lang, func(lg string) (string, bool) {
		u, ok := l.Say[lg]
		if !ok {
			return "", false
		}
		t, _ := e.fillIn(u, lg)
		return t, true
	})
}

// viewerLang takes a viewer's lang message. Only a museum kiosk's visitor
// changes the spoken language; in a livestream a viewer's language is its
// own subtitles' (the gateway does not forward it, and one forwarded by an
// older gateway is ignored here).
func (e *Engine) viewerLang(lang string) {
	if e.prog.Show.Kind != script.KindMuseum {
		return
	}
	if e.setLang(lang) {
		e.touch()
	}
}

// langControl is the merchant's lang control: speak lang from the next line.
func (e *Engine) langControl(c *avatar.Control) avatar.ControlReply {
	if !e.hasLang(c.Lang) {
		return avatar.ControlReply{Code: avatar.RefuseInvalid, Error: fmt.Sprintf("lang: %q is not one of the script's languages %q", c.Lang, e.prog.Show.Languages)}
	}
	if c.Lang == e.cur.Lang {
		return avatar.ControlReply{Code: avatar.RefuseNoChange, Error: fmt.Sprintf("lang: %q is already the spoken language", c.Lang)}
	}
	e.setLang(c.Lang)
	return avatar.ControlReply{OK: true}
}

// setLang makes lang, if the script has it, the spoken language from the
// next line; the card and exhibit on screen are shown again in it. It
// reports whether the language changed.
func (e *Engine) setLang(lang string) bool {
	if !e.hasLang(lang) || lang == e.cur.Lang {
		return false
	}
	e.cur.Lang = lang
	e.curStr = ""
	e.relang = true
	return true
}

// defaultLang is the script's first language.
func (e *Engine) defaultLang() string {
	if len(e.prog.Show.Languages) > 0 {
		return e.prog.Show.Languages[0]
	}
	return ""
}

func (e *Engine) hasLang(lang string) bool {
	return slices.Contains(e.prog.Show.Languages, lang)
}
