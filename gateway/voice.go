package gateway

import (
	"github.com/avatarcast/avatarcast/avatar"
)

// moderate applies what the gateway enforces on a viewer's message in a
// room of kind before it goes on, and reports whether it goes on to the
// director. Blocked words are masked in the text of comments and
// questions and in the display name (the same avatar.Blocklist the
// director checks names against). In a livestream a viewer's lang
// message is that viewer's alone (its page picks subtitles from each
// speech event's translations): it is not forwarded and nothing answers
// it. At a museum kiosk it is forwarded and switches the spoken language.
func (g *Gateway) moderate(kind string, in *avatar.Input) bool {
	if in.Type == avatar.MsgLang && kind != avatar.KindMuseum {
		return false
	}
	in.Data.Name = g.hub.filter.Mask(in.Data.Name)
	switch in.Type {
	case avatar.MsgComment, avatar.MsgQuestion:
		in.Data.Text = g.hub.filter.Mask(in.Data.Text)
	}
	return true
}

// disclosures returns the AI label in every language of the room: the
// persona's languages and, from the room's state, the script's (those
// the persona lacks get DisclosureFor's nearest).
func disclosures(p avatar.Persona, st *avatar.State) map[string]string {
	out := make(map[string]string, len(p.Disclosure)+2)
	for lang, s := range p.Disclosure {
		out[lang] = s
	}
	if st != nil {
		for _, lang := range st.Languages {
			if _, ok := out[lang]; !ok && lang != "" {
				out[lang] = p.DisclosureFor(lang)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
