package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/avatarcast/avatarcast/avatar"
)

// blocklistOpts are the moderation list's flags. serve, gateway and
// director all take them, so separate gateway and director processes given
// the same flags build the same list (blockedWords): the gateways mask its
// words and the directors never speak a name holding one.
type blocklistOpts struct {
	defaults  *bool
	words     *string
	file      *wordsFile
	unblocked *unblockedWords
}

func blocklistFlags(f *flags) blocklistOpts {
	o := blocklistOpts{file: &wordsFile{}, unblocked: &unblockedWords{}}
	o.defaults = f.bool("default-blocklist", true, "block the shipped list of English and Chinese profanity, slurs and insults (LDNOOBW, curated; see docs/moderation.md); false: only -blocked-words and -blocked-words-file")
	o.words = f.string("blocked-words", "", "comma-separated words to block besides the default list: masked with * in viewer comments, questions and display names, and a name holding one is never spoken")
	f.value("blocked-words-file", o.file, "`file` of words to block besides the default list, one a line ('#' starts a comment line); read at start")
	f.value("unblocked-words", o.unblocked, "comma-separated `words` of the default list not to block")
	return o
}

// blockedWords returns the list the flags give: the default list (unless
// -default-blocklist=false) less -unblocked-words, then the file's words
// and -blocked-words.
func (o blocklistOpts) blockedWords() []string {
	var out []string
	if *o.defaults {
		for _, w := range avatar.DefaultBlockedWords() {
			if !slices.Contains(o.unblocked.words, w) {
				out = append(out, w)
			}
		}
	}
	out = append(out, o.file.words...)
	return append(out, splitList(*o.words)...)
}

// wordsFile is -blocked-words-file: setting it reads the file, so a
// missing or unreadable file fails the flags' parse.
type wordsFile struct {
	path  string
	words []string
}

func (v *wordsFile) String() string {
	if v == nil {
		return ""
	}
	return v.path
}

func (v *wordsFile) Set(path string) error {
	v.path, v.words = path, nil
	if path == "" {
		return nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for line := 1; sc.Scan(); line++ {
		w := strings.TrimSpace(sc.Text())
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		if strings.ContainsRune(w, '\uFFFD') {
			return fmt.Errorf("%s:%d: not UTF-8 text", path, line)
		}
		v.words = append(v.words, w)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// unblockedWords is -unblocked-words: every word must be in the default
// list (a typo would otherwise leave the word blocked unnoticed).
type unblockedWords struct {
	raw   string
	words []string // folded as the default list is
}

func (v *unblockedWords) String() string {
	if v == nil {
		return ""
	}
	return v.raw
}

func (v *unblockedWords) Set(s string) error {
	v.raw, v.words = s, nil
	defaults := avatar.DefaultBlockedWords()
	for _, w := range splitList(s) {
		w = strings.ToLower(w)
		if !slices.Contains(defaults, w) {
			return fmt.Errorf("%q is not in the default list", w)
		}
		v.words = append(v.words, w)
	}
	return nil
}
