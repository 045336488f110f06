// Package web holds the gateway's pages, scripts and styles, embedded in the
// binary so nothing is fetched from a CDN.
package web

import "embed"

// FS holds *.html templates at its root and static files under static/.
//
//go:embed *.html static
var FS embed.FS
