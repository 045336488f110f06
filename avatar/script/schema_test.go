package script

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// TestSchema checks that Schema is valid JSON and that the example scripts
// fit its structure: required keys, no unknown keys, and the basic types.
// It is a small structural check, not a full JSON Schema validator.
func TestSchema(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatalf("Schema is not valid JSON: %v", err)
	}
	req, _ := schema["required"].([]any)
	for _, k := range []string{"id", "kind", "title", "persona", "languages", "segments"} {
		if !slices.Contains(req, any(k)) {
			t.Errorf("Schema: %q is not required", k)
		}
	}
	bad := map[string]any{"kind": "tv", "colour": "red", "segments": []any{map[string]any{"id": "a", "steps": "x"}}}
	if errs := conform(schema, schema, bad, ""); len(errs) < 5 {
		t.Errorf("conform(%v) = %q, want missing keys, bad kind, unknown key and bad steps", bad, errs)
	}
	files, _ := filepath.Glob("../../scripts/*.yaml")
	files = append(files, "testdata/claims.yaml")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := yaml.Load(src, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// YAML maps decode with any keys; JSON needs string keys.
		b, err := json.Marshal(jsonable(doc))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		for _, e := range conform(schema, schema, v, "") {
			t.Errorf("%s: %s", f, e)
		}
	}
}

func jsonable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonable(e)
		}
		return v
	case map[any]any:
		m := map[string]any{}
		for k, e := range v {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = jsonable(e)
		}
	}
	return v
}

// conform checks v against the subset of JSON Schema the show-script schema
// uses for structure: $ref, type, required, properties,
// additionalProperties, items and enum.
func conform(root, s map[string]any, v any, path string) []string {
	if ref, ok := s["$ref"].(string); ok {
		def := root
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			def, _ = def[part].(map[string]any)
		}
		if def == nil {
			return []string{path + ": dangling $ref " + ref}
		}
		return conform(root, def, v, path)
	}
	if one, ok := s["oneOf"].([]any); ok {
		var first []string
		for i, b := range one {
			bs, _ := b.(map[string]any)
			errs := conform(root, bs, v, path)
			if len(errs) == 0 {
				return nil
			}
			if i == 0 {
				first = errs
			}
		}
		return append([]string{path + ": fits no oneOf branch"}, first...)
	}
	var errs []string
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", path, v, enum))
	}
	switch typ, _ := s["type"].(string); typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return append(errs, path+": want an object")
		}
		req, _ := s["required"].([]any)
		for _, k := range req {
			if _, ok := m[k.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing %v", path, k))
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, e := range m {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, conform(root, ps, e, path+"/"+k)...)
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				errs = append(errs, conform(root, ap, e, path+"/"+k)...)
			} else if s["additionalProperties"] == false {
				errs = append(errs, fmt.Sprintf("%s: unknown key %q", path, k))
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return append(errs, path+": want an array")
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range a {
				errs = append(errs, conform(root, items, e, fmt.Sprintf("%s/%d", path, i))...)
			}
		}
	case "string":
		if _, ok := v.(string); !ok {
			errs = append(errs, fmt.Sprintf("%s: want a string, got %v", path, v))
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != float64(int64(f)) {
			errs = append(errs, fmt.Sprintf("%s: want an integer, got %v", path, v))
		}
	}
	return errs
}
