//go:build unix

package espeak_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar/voice"
)

// BenchmarkSynthesize renders one line per language (espeak-ng + Opus
// encoding, no cache). On a shared machine wall time says little, so it
// also reports the process's CPU time per line and lines/s per core from it
// (the library renders one line at a time per process).
func BenchmarkSynthesize(b *testing.B) {
	s := synth(b)
	for _, l := range lines {
		b.Run(l.name, func(b *testing.B) {
			req := voice.Request{Text: l.text, Lang: l.lang}
			var spoken, bytes int
			cpu0 := cpuTime()
			for b.Loop() {
				a, err := s.Synthesize(context.Background(), req)
				if err != nil {
					b.Fatal(err)
				}
				spoken, bytes = a.DurationMS, len(a.Data)
			}
			cpuPerLine := (cpuTime() - cpu0).Seconds() / float64(b.N)
			b.ReportMetric(cpuPerLine*1000, "cpu-ms/line")
			b.ReportMetric(1/cpuPerLine, "lines/s/core")
			perLine := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(1/perLine, "lines/s")
			b.ReportMetric(float64(spoken)/1000/perLine, "x-realtime")
			b.ReportMetric(float64(bytes)*1000/float64(spoken), "bytes/spoken-s")
		})
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
