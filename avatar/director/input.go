package director

import (
	"strings"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// onInput queues what a viewer's message asks for; nothing is spoken here.
func (e *Engine) onInput(in *avatar.Input) {
	switch in.Type {
	case avatar.MsgQuestion, avatar.MsgComment:
		e.question(in)
	case avatar.MsgLike:
		if e.prog.Show.Thanks.Rule(script.ThankLike) != nil {
			e.thankInput(script.ThankLike, in)
		} else {
			e.like(in.Data.Name) // the built-in thank-you
		}
	case avatar.MsgGift, avatar.MsgFollow, avatar.MsgEnter, avatar.MsgShare:
		// Only a platform bridge sends these: a gateway refuses them
		// from a viewer's socket, and so does the engine.
		if in.Platform != "" {
			e.thankInput(script.ThankKind(in.Type), in)
		}
	case avatar.MsgTap:
		e.touch()
		e.tap(in.Data.Target)
	case avatar.MsgLang:
		e.viewerLang(in.Data.Lang)
	case avatar.MsgCart:
		e.cart(in.Viewer, in.Data.SKU)
	}
}

// ask queues an answer to FAQ i, merging a question already waiting for the
// same answer. One answered within AnswerCooldown is held until the
// cooldown is over, then answered once naming everyone who asked
// meanwhile. name is the viewer's speakable name, or "" to address it
// generically.
func (e *Engine) ask(i int, lang, viewer, name, question string) {
	for _, a := range e.answers {
		if a.faq == i {
			a.merge(viewer, name)
			return
		}
	}
	if len(e.answers) >= MaxAnswers {
		e.answers = e.answers[1:]
	}
	if e.answered == nil {
		e.answered = map[int]time.Time{}
	}
	a := &pendingAnswer{faq: i, lang: lang, viewers: []string{viewer}, question: question}
	if t, ok := e.answered[i]; ok && e.now.Sub(t) < AnswerCooldown {
		a.notBefore = t.Add(AnswerCooldown)
	}
	if name != "" {
		a.names = []string{name}
	}
	e.answers = append(e.answers, a)
}

// tap queues the narration of an exhibit, or the lines of an option (of the
// exhibit in focus first), replacing what is left of an earlier tap's.
func (e *Engine) tap(target string) {
	if x := e.prog.Show.Exhibit(target); x != nil {
		e.interlude = e.interlude[:0]
		for i := range x.Narration {
			e.interlude = append(e.interlude, &x.Narration[i])
		}
		e.tapFocus, e.tapTarget = x.ID, target
		return
	}
	var exs []*script.Exhibit
	if e.state.Exhibit != nil {
		if x := e.prog.Show.Exhibit(e.state.Exhibit.ID); x != nil {
			exs = append(exs, x)
		}
	}
	for i := range e.prog.Show.Exhibits {
		exs = append(exs, &e.prog.Show.Exhibits[i])
	}
	for _, x := range exs {
		for _, o := range x.Options {
			if o.ID == target {
				e.interlude = e.interlude[:0]
				for i := range o.Lines {
					e.interlude = append(e.interlude, &o.Lines[i])
				}
				e.tapFocus, e.tapTarget = x.ID, target
				return
			}
		}
	}
}

// saleSoldOut prefixes a SKU in Engine.soldOut when only its flash sale,
// not the product, sold out.
const saleSoldOut = "sale:"

// soldOutLine is the sell-out announcement of a product titled title, or
// of its flash sale.
func soldOutLine(title, lang string, sale bool) (string, string) {
	if sale {
		switch {
		case strings.HasPrefix(lang, "zh"):
			return title + "的秒杀已经抢光了，手慢的朋友别走开！", lang
		case strings.HasPrefix(lang, "fr"):
			return "La vente flash de " + title + " est épuisée !", lang
		}
		return "The flash sale of " + title + " is sold out!", "en"
	}
	switch {
	case strings.HasPrefix(lang, "zh"):
		return title + "已经全部卖完了，谢谢大家！", lang
	case strings.HasPrefix(lang, "fr"):
		return title + " : tout est vendu, merci à tous !", lang
	}
	return title + " is sold out. Thank you all!", "en"
}
