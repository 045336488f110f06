package script

import (
	"go.yaml.in/yaml/v4"
)

func (p *parser) parseExhibit(s *Show, n *yaml.Node) {
	o := p.object(n, "exhibit", "id", "title", "era", "image", "narration", "options")
	if o == nil {
		return
	}
	p.require(o, "exhibit", "id", "title", "narration")
	e := Exhibit{Pos: p.pos(n)}
	if e.ID = p.id(o.get("id"), "exhibit", "exhibit id"); e.ID == "" {
		return
	}
	e.Title = p.text(o.get("title"), "title of exhibit "+e.ID)
	if n := o.get("era"); n != nil {
		e.Era = p.text(n, "era of exhibit "+e.ID)
	}
	if n := o.get("image"); n != nil {
		e.Image, _ = p.str(n, "image")
	}
	p.each(o.get("narration"), "narration", func(c *yaml.Node) {
		if l := p.parseLine(c, "narration line"); l != nil {
			e.Narration = append(e.Narration, *l)
		}
	})
	optIDs := map[string]bool{}
	p.each(o.get("options"), "options", func(c *yaml.Node) {
		oo := p.object(c, "option", "id", "label", "lines")
		if oo == nil {
			return
		}
		p.require(oo, "option", "id", "label", "lines")
		opt := Option{Pos: p.pos(c)}
		if opt.ID = p.id(oo.get("id"), "", "option id"); opt.ID == "" {
			return
		}
		if optIDs[opt.ID] {
			p.errorf(oo.get("id"), "duplicate-id", "option id %q is repeated in exhibit %s", opt.ID, e.ID)
		}
		optIDs[opt.ID] = true
		opt.Label = p.text(oo.get("label"), "label of option "+opt.ID)
		p.each(oo.get("lines"), "lines", func(c *yaml.Node) {
			if l := p.parseLine(c, "option line"); l != nil {
				opt.Lines = append(opt.Lines, *l)
			}
		})
		e.Options = append(e.Options, opt)
	})
	s.Exhibits = append(s.Exhibits, e)
}
