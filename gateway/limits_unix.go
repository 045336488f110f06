//go:build unix

package gateway

import "syscall"

// defaultMaxConns is the total connections allowed when Config.MaxConns is
// 0: the process's file limit less a tenth (at least 256) for NATS, the
// JetStream store, logs and the listener.
func defaultMaxConns() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == 0 {
		return 10000
	}
	n := int(min(lim.Cur, 1<<24))
	return max(64, n-max(256, n/10))
}
