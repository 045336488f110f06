package avatar

import "time"

// ViewerCounts is a room's viewer count made of reports from several
// sources (gateways): the sum of each source's latest report that is at most
// MaxAge old, so a gateway that died or left the room stops counting. Both
// the gateways (the total they show viewers) and the director (`viewers`
// conditions, State.Viewers) age reports with it. The zero value is empty
// and forgets nothing (MaxAge 0). It is not safe for concurrent use.
type ViewerCounts struct {
	// MaxAge is how long a report counts after it arrived; 0: for ever.
	MaxAge time.Duration
	latest map[string]viewerReport
}

type viewerReport struct {
	n  int
	at time.Time // when it arrived
}

// Set records source's latest count n (below 0 counts as 0), which arrived at at.
func (c *ViewerCounts) Set(source string, n int, at time.Time) {
	if c.latest == nil {
		c.latest = map[string]viewerReport{}
	}
	c.latest[source] = viewerReport{n: max(n, 0), at: at}
}

// Total returns the sum of the reports that count at now, and forgets the
// others.
func (c *ViewerCounts) Total(now time.Time) int {
	total := 0
	for src, r := range c.latest {
		if c.MaxAge > 0 && now.Sub(r.at) > c.MaxAge {
			delete(c.latest, src)
			continue
		}
		total += r.n
	}
	return total
}
