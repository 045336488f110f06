package script

// Lookups for the director. Each walks a short slice; a show has tens of
// items, so a map would cost more than it saves. They return nil when the
// ID is not in the show; a validated Show has no dangling references.

// Product returns the catalog entry with the given SKU.
func (s *Show) Product(sku string) *Product {
	for i := range s.Catalog {
		if s.Catalog[i].SKU == sku {
			return &s.Catalog[i]
		}
	}
	return nil
}

// Coupon returns the coupon with the given ID.
func (s *Show) Coupon(id string) *Coupon {
	for i := range s.Coupons {
		if s.Coupons[i].ID == id {
			return &s.Coupons[i]
		}
	}
	return nil
}

// Sale returns the flash sale with the given ID.
func (s *Show) Sale(id string) *Sale {
	for i := range s.Sales {
		if s.Sales[i].ID == id {
			return &s.Sales[i]
		}
	}
	return nil
}

// Exhibit returns the exhibit with the given ID.
func (s *Show) Exhibit(id string) *Exhibit {
	for i := range s.Exhibits {
		if s.Exhibits[i].ID == id {
			return &s.Exhibits[i]
		}
	}
	return nil
}

// Segment returns the segment with the given ID and its index in Segments,
// or nil and -1.
func (s *Show) Segment(id string) (*Segment, int) {
	for i := range s.Segments {
		if s.Segments[i].ID == id {
			return &s.Segments[i], i
		}
	}
	return nil, -1
}

// Line returns the line with the given ID wherever it is: a say step,
// narration, an option, a FAQ answer, idle or a thank-you.
func (s *Show) Line(id string) *Line {
	var found *Line
	s.EachLine(func(l *Line) bool {
		if l.ID == id {
			found = l
			return false
		}
		return true
	})
	return found
}

// EachLine calls f with every line of the show, in the order of segments,
// exhibits, FAQ (entries, fallback, filler), idle and thanks, until f
// returns false.
func (s *Show) EachLine(f func(*Line) bool) {
	for i := range s.Segments {
		for j := range s.Segments[i].Steps {
			if l := s.Segments[i].Steps[j].Line; l != nil && !f(l) {
				return
			}
		}
	}
	for i := range s.Exhibits {
		e := &s.Exhibits[i]
		for j := range e.Narration {
			if !f(&e.Narration[j]) {
				return
			}
		}
		for j := range e.Options {
			for k := range e.Options[j].Lines {
				if !f(&e.Options[j].Lines[k]) {
					return
				}
			}
		}
	}
	for i := range s.FAQ {
		for j := range s.FAQ[i].Answer {
			if !f(&s.FAQ[i].Answer[j]) {
				return
			}
		}
	}
	for _, ls := range [][]Line{s.Fallback, s.Filler, s.Idle} {
		for i := range ls {
			if !f(&ls[i]) {
				return
			}
		}
	}
	if s.Thanks != nil {
		for i := range s.Thanks.Rules {
			for j := range s.Thanks.Rules[i].Lines {
				if !f(&s.Thanks.Rules[i].Lines[j]) {
					return
				}
			}
		}
	}
}
