package director

import (
	"context"
	"strings"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// handle serves one viewer message or merchant control as it arrives.
func (p *Player) handle(ctx context.Context, it item) error {
	if it.input != nil {
		return p.onInput(ctx, it.input)
	}
	if it.ctl != nil {
		r, err := p.onControl(ctx, it.ctl)
		if err != nil {
			it.reply(avatar.ControlReply{Error: "internal error"})
			return err
		}
		if r.OK {
			r.Seq = p.seq
		}
		it.reply(r)
	}
	return nil
}

// onInput queues what a viewer's message asks for; nothing is spoken here.
func (p *Player) onInput(ctx context.Context, in *avatar.Input) error {
	switch in.Type {
	case avatar.MsgQuestion, avatar.MsgComment:
		p.question(in)
	case avatar.MsgLike:
		p.like(in.Data.Name)
	case avatar.MsgTap:
		p.touch()
		p.tap(in.Data.Target)
	case avatar.MsgLang:
		p.viewerLang(in.Data.Lang)
	case avatar.MsgCart:
		return p.cart(ctx, in.Viewer, in.Data.SKU)
	}
	return nil
}

// ask queues an answer to FAQ i, merging a question already waiting for the
// same answer and dropping one answered within AnswerCooldown. name is the
// viewer's speakable name, or "" to address it generically.
func (p *Player) ask(i int, lang, viewer, name, question string) {
	if t, ok := p.answered[i]; ok && time.Since(t) < AnswerCooldown {
		return
	}
	for _, a := range p.answers {
		if a.faq == i {
			for _, v := range a.viewers {
				if v == viewer {
					return
				}
			}
			a.viewers = append(a.viewers, viewer)
			if name != "" {
				a.names = append(a.names, name)
			}
			return
		}
	}
	if len(p.answers) >= MaxAnswers {
		p.answers = p.answers[1:]
	}
	if p.answered == nil {
		p.answered = map[int]time.Time{}
	}
	a := &answer{faq: i, lang: lang, viewers: []string{viewer}, question: question}
	if name != "" {
		a.names = []string{name}
	}
	p.answers = append(p.answers, a)
}

// tap queues the narration of an exhibit, or the lines of an option (of the
// exhibit in focus first), replacing what is left of an earlier tap's.
func (p *Player) tap(target string) {
	if e := p.prog.exhibits[target]; e != nil {
		p.interlude = p.interlude[:0]
		for i := range e.Narration {
			p.interlude = append(p.interlude, &e.Narration[i])
		}
		p.tapFocus = e.ID
		return
	}
	var exs []*script.Exhibit
	if p.state.Exhibit != nil {
		if e := p.prog.exhibits[p.state.Exhibit.ID]; e != nil {
			exs = append(exs, e)
		}
	}
	for i := range p.prog.Show.Exhibits {
		exs = append(exs, &p.prog.Show.Exhibits[i])
	}
	for _, e := range exs {
		for _, o := range e.Options {
			if o.ID == target {
				p.interlude = p.interlude[:0]
				for i := range o.Lines {
					p.interlude = append(p.interlude, &o.Lines[i])
				}
				p.tapFocus = e.ID
				return
			}
		}
	}
}

// saleSoldOut prefixes a SKU in Player.soldOut when only its flash sale,
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
