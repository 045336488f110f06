package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRunLint(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr error
		want    []string // substrings of stdout, in order
	}{
		{
			name:    "errors",
			args:    []string{"testdata/lint-bad.yaml"},
			wantErr: errLintFailed,
			want: []string{
				"testdata/lint-bad.yaml:13:20: error: absolute-claim: ",
				"testdata/lint-bad.yaml:13:34: error: unknown-sku: ",
				"testdata/lint-bad.yaml:13:53: error: price-claim: ",
			},
		},
		{
			name: "warnings and acks pass",
			args: []string{"testdata/lint-warn.yaml"},
			want: []string{
				"testdata/lint-warn.yaml:9:5: warning: unused-coupon: ",
				"testdata/lint-warn.yaml:15:20: ack: absolute-claim: ",
			},
		},
		{
			name: "demo scripts are clean",
			args: []string{"../../scripts"},
		},
		{
			name:    "missing file",
			args:    []string{"testdata/nope.yaml"},
			wantErr: errLintFailed,
			want:    []string{"testdata/nope.yaml: error: read-error: "},
		},
		{
			name:    "unknown persona",
			args:    []string{"-personas", "guide-lin", "../../scripts/demo-live.yaml"},
			wantErr: errLintFailed,
			want:    []string{"demo-live.yaml:8:10: error: unknown-persona: "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runLint(tt.args, &stdout, &stderr)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("runLint(%q) = %v, want %v\nstderr: %s", tt.args, err, tt.wantErr, &stderr)
			}
			out := stdout.String()
			if len(tt.want) == 0 && out != "" {
				t.Errorf("runLint(%q) printed %q, want nothing", tt.args, out)
			}
			rest := out
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("runLint(%q) output:\n%s\nwant, in order, %q", tt.args, out, w)
					break
				}
				rest = rest[i+len(w):]
			}
			if n := strings.Count(out, "\n"); n < len(tt.want) {
				t.Errorf("runLint(%q): %d lines, want at least %d", tt.args, n, len(tt.want))
			}
		})
	}
	if err := runLint(nil, new(bytes.Buffer), new(bytes.Buffer)); err == nil {
		t.Errorf("runLint(nil) = nil, want a usage error")
	}
}
