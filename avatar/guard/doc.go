// Package guard checks what a language model wrote, one sentence at a
// time, before anything of it is spoken: the advertising-law claims and the
// prices of a script line (avatar/script's checkers, against the live
// catalog), the moderation blocklist with a pinyin pass for homophones, the
// one-breath length limit, web addresses, contact details and names of
// products the room does not sell. It also splits streamed text into
// sentences (Splitter).
//
// It is pure: no I/O, no clock, safe for concurrent use once built. It
// imports avatar and avatar/script only (and the pinyin dictionary); the
// director and the model client (avatar/answer) import it, never the
// reverse. See docs/answers.md for what it catches and what it cannot.
package guard
