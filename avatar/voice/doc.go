// Package voice is the contract of avatarcast's voices: what a spoken line
// asks for (Request), what a provider gives back (Result: the audio's
// content-addressed key, its real duration and word, viseme, phoneme and
// cue mark timings), the Provider and Synthesizer interfaces, the
// phoneme-to-viseme tables of zh, en and fr (IPA in, the mouth shapes of
// avatar/speech out), Ogg Opus inspection, and Cache, which renders each
// line once into a content-addressed Store.
//
// Implementations live elsewhere: the espeak-ng synthesizer in the voice
// worker (cmd/avatarcast-voice, cgo, GPL-3.0), the HTTP synthesizer for an
// OpenAI-compatible /v1/audio/speech service in voice/httptts, and the
// NATS client of the worker and the object store in avatar/bus (voice.go).
//
// It imports only the standard library, avatar and avatar/speech; never
// nats.go, net/http or cgo (httptts, a subpackage, is the HTTP client).
package voice
