package script

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of the show-script format, for
// editors and for the gateway to serve. It describes structure only; Parse
// checks much more. Callers must not modify it.
//
//go:embed show-script.schema.json
var Schema []byte
