//go:build !unix

package gateway

// defaultMaxConns is the total connections allowed when Config.MaxConns is
// 0, where the file limit cannot be read.
func defaultMaxConns() int { return 10000 }
