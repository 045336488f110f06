//go:build !linux

package gateway

// waitReadable is a no-op here: the reader parks inside gorilla's reader.
func (c *client) waitReadable() error { return nil }
