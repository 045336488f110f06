// Package script parses, validates and lints show scripts: the YAML files in
// which a merchant writes a livestream sale or a curator writes a museum
// kiosk tour for an AI virtual presenter.
//
// Parse turns one file into a Show, the read-only model the director plays,
// and reports every problem it finds (not just the first) as a sorted
// Problems list with file:line:col positions, in the manner of
// go/scanner.ErrorList:
//
//	show, probs := script.ParseFile("scripts/demo-live.yaml")
//	fmt.Print(probs.String()) // one "file:line:col: severity: code: message" per line
//	if err := probs.Err(); err != nil {
//		return err // show is nil
//	}
//
// Checks come in three layers. The parser walks the YAML node tree strictly:
// unknown fields, wrong types, bad durations, inexact money and duplicate
// keys or IDs are errors. The checker resolves references (products,
// coupons, sales, exhibits, segments, variables, placeholders), requires a
// translation of every line in every declared language and finds segments
// and steps that can never play. The linter reads what each line says: long
// breaths, price and discount claims that contradict the catalog, and, in
// livestream shows, absolute claims (PRC Advertising Law art. 9(3)) and
// medical promises (art. 17). A merchant may acknowledge a lint finding on
// one line with a written reason (an ack); it is then reported with severity
// ack rather than error, so it stays visible.
//
// The parser leaves in the Show where each spoken text is written, as go/ast
// keeps token.Pos, so the checker and the linter work from the Show alone
// and Show.TextPos places any offset of a line's text at file:line:col.
//
// The format is documented in docs/scripts.md and described by the JSON
// Schema in Schema. Problem codes are stable: tools and acks refer to them.
//
// Package script depends on the standard library and go.yaml.in/yaml/v4
// only; it must never import the director, the gateway or NATS.
package script
