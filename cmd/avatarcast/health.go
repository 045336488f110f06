package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// runHealth is a healthcheck for images without a shell or curl
// (distroless): `avatarcast health http://127.0.0.1:8080/readyz` exits 0
// if the URL answers 2xx within the timeout, else 1 with the reason.
func runHealth(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("health", getenv, stderr)
	timeout := f.duration("timeout", 3*time.Second, "time to wait for the answer")
	if err := f.parse(args); err != nil {
		return err
	}
	if f.fs.NArg() != 1 {
		return errors.New("health: want one URL, e.g. avatarcast health http://127.0.0.1:8080/readyz")
	}
	u, err := url.Parse(f.fs.Arg(0))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("health: %q is not an http(s) URL", f.fs.Arg(0))
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("health: %s: HTTP %d %s", u.Redacted(), resp.StatusCode, body)
	}
	fmt.Fprintf(stdout, "%s\n", body)
	return nil
}
