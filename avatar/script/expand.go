package script

import "strings"

// Expand is ExpandPlaceholders for a spoken utterance: it replaces each
// {kind:ref} in u.Text with value(kind, ref), leaves the placeholders for
// which value returns false as written, and moves the cues after each
// placeholder so they stay at their words. The cues returned are u.Cues
// itself when nothing changed, else a new slice.
func (u Utterance) Expand(value func(kind, ref string) (string, bool)) (string, []Cue) {
	if !strings.Contains(u.Text, "{") {
		return u.Text, u.Cues
	}
	ms := placeholderRE.FindAllStringSubmatchIndex(u.Text, -1)
	if len(ms) == 0 {
		return u.Text, u.Cues
	}
	var b strings.Builder
	cues := append([]Cue(nil), u.Cues...)
	last := 0
	for _, m := range ms {
		start, end := m[0], m[1]
		val, ok := value(u.Text[m[2]:m[3]], u.Text[m[4]:m[5]])
		if !ok {
			continue
		}
		b.WriteString(u.Text[last:start])
		b.WriteString(val)
		last = end
		delta := len(val) - (end - start)
		for i := range cues {
			if u.Cues[i].At > start {
				cues[i].At += delta
			}
		}
	}
	b.WriteString(u.Text[last:])
	return b.String(), cues
}
