package script

import (
	"slices"
	"testing"
)

func TestUtteranceExpand(t *testing.T) {
	value := func(kind, ref string) (string, bool) {
		switch kind + ":" + ref {
		case "price:tea":
			return "99", true
		case "title:tea":
			return "Green tea", true
		}
		return "", false
	}
	for _, tc := range []struct {
		name, text string
		cues, want []int
		wantText   string
	}{
		{"none", "Hello there.", []int{6}, []int{6}, "Hello there."},
		{"shorter", "Only {price:tea} yuan today!", []int{0, 5, 22}, []int{0, 5, 13}, "Only 99 yuan today!"},
		{"longer and unknown", "{title:tea} {stock:x} {oops}", []int{11, 12, 22}, []int{9, 10, 20}, "Green tea {stock:x} {oops}"},
		{"two", "{price:tea}/{price:tea}!", []int{11, 23}, []int{2, 5}, "99/99!"},
	} {
		u := Utterance{Text: tc.text}
		for _, at := range tc.cues {
			u.Cues = append(u.Cues, Cue{At: at})
		}
		text, cues := u.Expand(value)
		var got []int
		for _, c := range cues {
			got = append(got, c.At)
		}
		if text != tc.wantText || !slices.Equal(got, tc.want) {
			t.Errorf("%s: Expand(%q, cues at %v) = %q, cues at %v; want %q, %v", tc.name, tc.text, tc.cues, text, got, tc.wantText, tc.want)
		}
		if u.Cues != nil && &cues[0] == &u.Cues[0] && text != tc.text {
			t.Errorf("%s: Expand changed the utterance's own cues", tc.name)
		}
	}
}
