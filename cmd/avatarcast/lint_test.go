package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
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
			name: "personas file: demo scripts licensed",
			args: []string{"-personas", "../../configs/personas.yaml", "../../scripts"},
		},
		{
			// The licence problem is at the persona key (it was at the
			// show's 1:1 before), as the API reports it.
			name:    "personas file: likeness not licensed for a sale",
			args:    []string{"-personas", "../../configs/personas.yaml", "testdata/lint-likeness.yaml", "testdata/lint-likeness-museum.yaml"},
			wantErr: errLintFailed,
			want:    []string{`testdata/lint-likeness.yaml:8:1: error: persona-unlicensed: persona curator-wang: licence LIC-2026-0042 for the likeness of Wang Jun does not cover "livestream" use`},
		},
		{
			name:    "personas file: unknown persona",
			args:    []string{"-personas", "testdata/personas-none.yaml", "../../scripts/demo-live.yaml"},
			wantErr: errLintFailed,
			want:    []string{"demo-live.yaml:8:10: error: unknown-persona: "},
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

// TestLintPersonasLicenceExpires: with a personas file, lint checks the
// persona's licence at the time it runs: the museum likeness is licensed
// until 2027-12-31, then refused at the persona key.
func TestLintPersonasLicenceExpires(t *testing.T) {
	args := []string{"-personas", "../../configs/personas.yaml", "testdata/lint-likeness-museum.yaml"}
	for _, tc := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2027, 12, 30, 0, 0, 0, 0, time.UTC), ""},
		{time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC), "testdata/lint-likeness-museum.yaml:9:1: error: persona-unlicensed: persona curator-wang: licence LIC-2026-0042 for the likeness of Wang Jun expired on 2027-12-31T00:00:00Z\n"},
	} {
		var stdout, stderr bytes.Buffer
		err := runLintAt(args, func() time.Time { return tc.now }, &stdout, &stderr)
		if stdout.String() != tc.want || (err != nil) != (tc.want != "") {
			t.Errorf("lint at %s: %v, printed %q, want %q", tc.now.Format(time.DateOnly), err, stdout.String(), tc.want)
		}
	}
}
