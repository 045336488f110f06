package director

import (
	"fmt"

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
func (p *Player) otherLangs(lang string, text func(lg string) (string, bool)) map[string]string {
	var tr map[string]string
	for _, lg := range p.prog.Show.Languages {
		if lg == lang {
			continue
		}
		t, ok := text(lg)
		if !ok {
			continue
		}
		if tr == nil {
			tr = make(map[string]string, len(p.prog.Show.Languages)-1)
		}
		tr[lg] = t
	}
	return tr
}

// lineTranslations returns line l in the script's languages other than
// lang that it has, placeholders filled (cue marks are already out of an
// Utterance's text).
func (p *Player) lineTranslations(l *script.Line, lang string) map[string]string {
	return p.otherLangs(lang, func(lg string) (string, bool) {
		u, ok := l.Say[lg]
		if !ok {
			return "", false
		}
		t, _ := p.fillIn(u, lg)
		return t, true
	})
}

// viewerLang takes a viewer's lang message. Only a museum kiosk's visitor
// changes the spoken language; in a livestream a viewer's language is its
// own subtitles' (the gateway does not forward it, and one forwarded by an
// older gateway is ignored here).
func (p *Player) viewerLang(lang string) {
	if p.prog.Show.Kind != script.KindMuseum {
		return
	}
	if p.setLang(lang) {
		p.touch()
	}
}

// langControl is the merchant's lang control: speak lang from the next line.
func (p *Player) langControl(c *avatar.Control) (avatar.ControlReply, error) {
	if !p.hasLang(c.Lang) {
		return avatar.ControlReply{Error: fmt.Sprintf("lang: %q is not one of the script's languages %q", c.Lang, p.prog.Show.Languages)}, nil
	}
	if c.Lang == p.cur.Lang {
		return avatar.ControlReply{Error: fmt.Sprintf("lang: %q is already the spoken language", c.Lang)}, nil
	}
	p.setLang(c.Lang)
	return avatar.ControlReply{OK: true}, nil
}

// setLang makes lang, if the script has it, the spoken language from the
// next line; the card and exhibit on screen are shown again in it. It
// reports whether the language changed.
func (p *Player) setLang(lang string) bool {
	if !p.hasLang(lang) || lang == p.cur.Lang {
		return false
	}
	p.cur.Lang = lang
	p.curStr = ""
	p.relang = true
	return true
}
