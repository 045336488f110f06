package gateway

import "syscall"

// waitReadable parks the reader until the viewer's socket has something to
// read (or fails, or its read deadline passes), with a shallow stack: a
// goroutine parked inside gorilla's frame reader needs a 4 KiB stack, one
// parked here needs 2 KiB or less after the next GC, and idle viewers spend
// their lives parked. It returns at once if the read buffer holds data.
func (c *client) waitReadable() error {
	if c.raw == nil || c.br == nil || c.br.Buffered() > 0 {
		return nil
	}
	return c.raw.Read(func(fd uintptr) bool {
		var one [1]byte
		_, _, err := syscall.Recvfrom(int(fd), one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN
	})
}
