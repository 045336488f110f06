package bus

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
)

// BenchmarkStateSnapshot is what a gateway spends on one room's snapshot
// as it arrives (every room's, about one per line spoken), and on a join
// that needs it. The snapshot is a real one: scripts/demo-live.yaml's room
// after three lines, as its director saved it (6 KB, the three recent
// lines with their words and visemes).
func BenchmarkStateSnapshot(b *testing.B) {
	data, err := os.ReadFile("testdata/state-demo-live.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode on arrival (before)", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var st avatar.State
			if err := json.Unmarshal(data, &st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("keep the bytes on arrival", func(b *testing.B) {
		b.ReportAllocs()
		var s *SavedState
		for b.Loop() {
			s = &SavedState{Room: "bench-0000", data: data}
		}
		_ = s
	})
	b.Run("decode on join", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		s := &SavedState{Room: "bench-0000", data: data}
		for b.Loop() {
			if _, err := s.Decode(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
