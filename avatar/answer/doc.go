// Package answer answers a viewer's question that no FAQ entry matched
// with a language model behind an OpenAI-compatible chat endpoint
// (Ollama, llama.cpp's server, vLLM, a hosted API), within a per-room
// budget and a deadline, and checks every sentence of the answer with
// avatar/guard as it streams in, before anything is spoken.
//
// It builds the prompt from the persona, the live catalog, the FAQ and
// the exhibits (Prompt.Build), in the room's language. It does no
// speaking and keeps no record: the director's driver calls Answer off
// the engine, speaks Result.Spoken (or the fallback line) and records an
// avatar.Question. It imports avatar, avatar/script and avatar/guard,
// never the director or the bus. See docs/answers.md.
package answer
