package gateway

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// perAddr is a token bucket per IP address, for what an address may do
// only so often (resumes). Buckets that have filled up again are forgotten
// once a minute, so it holds only the addresses active lately.
type perAddr struct {
	limit rate.Limit
	burst int

	mu    sync.Mutex
	m     map[string]*rate.Limiter
	swept time.Time
}

func newPerAddr(limit rate.Limit, burst int) *perAddr {
	return &perAddr{limit: limit, burst: burst, m: map[string]*rate.Limiter{}}
}

// allow takes a token from ip's bucket, if it has one.
func (p *perAddr) allow(ip string, now time.Time) bool {
	if p.limit == rate.Inf {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.swept) > time.Minute {
		for k, l := range p.m {
			if l.TokensAt(now) >= float64(p.burst) {
				delete(p.m, k)
			}
		}
		p.swept = now
	}
	l, ok := p.m[ip]
	if !ok {
		l = rate.NewLimiter(p.limit, p.burst)
		p.m[ip] = l
	}
	return l.AllowN(now, 1)
}
