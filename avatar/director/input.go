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
	name := in.Data.Name
	if name == "" {
		name = in.Viewer
	}
	switch in.Type {
	case avatar.MsgQuestion, avatar.MsgComment:
		i, lang := p.prog.match(in.Data.Text, p.cur.Lang)
		if i < 0 {
			return nil
		}
		p.touch()
		p.ask(i, lang, in.Viewer, name, in.Data.Text)
	case avatar.MsgLike:
		if p.thank == "" && (p.lastThank.IsZero() || time.Since(p.lastThank) >= ThankEvery) {
			p.thank = name
		}
	case avatar.MsgTap:
		p.touch()
		p.tap(in.Data.Target)
	case avatar.MsgLang:
		if p.hasLang(in.Data.Lang) && in.Data.Lang != p.cur.Lang {
			p.touch()
			p.cur.Lang = in.Data.Lang
			p.curStr = ""
			p.relang = true
		}
	case avatar.MsgCart:
		return p.cart(ctx, in.Viewer, in.Data.SKU)
	}
	return nil
}

// ask queues an answer to FAQ i, merging a question already waiting for the
// same answer and dropping one answered within AnswerCooldown.
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
			a.names = append(a.names, name)
			return
		}
	}
	if len(p.answers) >= MaxAnswers {
		p.answers = p.answers[1:]
	}
	if p.answered == nil {
		p.answered = map[int]time.Time{}
	}
	p.answers = append(p.answers, &answer{faq: i, lang: lang, viewers: []string{viewer}, names: []string{name}, question: question})
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

// thanksLine thanks a viewer for likes.
func thanksLine(name, lang string) (string, string) {
	switch {
	case strings.HasPrefix(lang, "zh"):
		return "谢谢" + name + "的点赞！", lang
	case strings.HasPrefix(lang, "fr"):
		return "Merci pour les j'aime, " + name + " !", lang
	}
	return "Thanks for the likes, " + name + "!", "en"
}
