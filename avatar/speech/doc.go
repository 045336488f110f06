// Package speech times spoken lines without audio: from a line's text and
// language it computes how long the line takes, when each word (Latin scripts)
// or character (Han, kana, Hangul) starts and ends, and a track of mouth shapes
// (visemes) for a renderer to animate. It owns only this estimate; it knows
// nothing of scripts, events or transport, and it imports only the standard
// library.
//
// # Timing
//
// All times are integer milliseconds from the start of the line; offsets are
// byte offsets into the line's UTF-8 text. At rate 1 a Han character or a
// Chinese-read number syllable takes 220 ms (about 4.5 characters a second, a
// brisk livestream pace), a kana mora 130 ms, a Hangul syllable 170 ms, and a
// syllable of a Latin-script word 210 ms. Latin syllables are counted as vowel
// groups, with English and French silent-e rules; a word takes at least one
// syllable, and an all-capital word of two or three letters ("TV", "USB"),
// or up to five without a vowel ("HTML"), is spelled out. Numbers take as
// long as reading them aloud: in Chinese, Japanese and Korean lines "99" is
// 九十九 (3 syllables), "1,299" is 一千二百九十九 (7), and a year before 年 is
// read digit by digit; in other languages "99" is ninety-nine (3). Numbers
// longer than nine digits or with a leading zero (phone numbers, codes) are
// read digit by digit. "%", "+", "&", "@", "=", "°" and currency signs take
// the time of their reading; other symbols and emoji are silent.
//
// Punctuation pauses: a comma, enumeration comma, semicolon, colon, dash or
// line break adds 250 ms; a full stop, question or exclamation mark or
// ellipsis adds 450 ms; ASCII and full-width forms alike (, 、 ， ; ； : ：
// . 。 ! ！ ? ？ …). A run of punctuation pauses once, for its longest mark.
// A pause before the first word or after the last one counts in the duration.
// Voice.Rate divides every duration.
//
// # Visemes
//
// The mouth shapes are renderer-neutral:
//
//	rest  closed or neutral mouth (pauses, end of line)
//	A     open jaw: a
//	E     spread lips: e, i
//	O     rounded: o
//	U     pucker: u, w
//	M     closed lips: m, b, p
//	F     lower lip to teeth: f, v
//	L     tongue up: l, t, d, n, th, r
//	S     teeth together: s, z, ch, sh, j
//
// Each shape starts at AtMS and holds until the next one. Latin words get
// shapes from their spelling (a letter or a digraph such as th, sh, ch, ph,
// oo, ee at a time; k, g and h leave the mouth as it was), spread evenly over
// the word and thinned to at most one every 50 ms; words in scripts without
// letter shapes here (Arabic, Thai...) get one of A, E, O per syllable,
// chosen from the code point. A Han character gets its
// initial consonant's shape and then its vowel's, taken from the pinyin of
// about 640 common characters; any other character gets A, E or O chosen
// from its code point, which is deterministic but not phonetic. Kana and
// Hangul get theirs from their sounds. Digits get the shapes of their names
// in the line's language. A rest starts at every pause and at the end of
// speech. The track is sorted by strictly increasing time, never repeats a
// shape twice in a row, and stays within [0, DurationMS].
//
// Time is deterministic and safe for concurrent use; see docs/speech-timing.md
// for how renderers schedule words, cues and visemes, and how to align the
// track with real audio.
package speech

//go:generate go run gen_tables.go
