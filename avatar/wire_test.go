package avatar_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
)

// wireValues are the contract's wire values besides event types. Each is
// pinned in testdata/wire-values.golden (a change shows in review; go test
// ./avatar -update rewrites it) and must be in docs/protocol.md, the one
// list, with its constant's name.
var wireValues = []struct {
	kind, name, value string
}{
	{"close code", "CloseNormal", code(avatar.CloseNormal)},
	{"close code", "CloseGoingAway", code(avatar.CloseGoingAway)},
	{"close code", "CloseBadUTF8", code(avatar.CloseBadUTF8)},
	{"close code", "CloseTooLarge", code(avatar.CloseTooLarge)},
	{"close code", "CloseInternal", code(avatar.CloseInternal)},
	{"close code", "CloseSlowConsumer", code(avatar.CloseSlowConsumer)},
	{"close code", "CloseAbuse", code(avatar.CloseAbuse)},
	{"show status", "ShowPlaying", avatar.ShowPlaying},
	{"show status", "ShowPaused", avatar.ShowPaused},
	{"show status", "ShowEnded", avatar.ShowEnded},
	{"show reason", "ReasonMerchant", avatar.ReasonMerchant},
	{"show reason", "ReasonScriptLoop", avatar.ReasonScriptLoop},
	{"room status", "RoomPlaying", avatar.RoomPlaying},
	{"room status", "RoomPaused", avatar.RoomPaused},
	{"room status", "RoomStopped", avatar.RoomStopped},
	{"sale-end reason", "SaleEndTime", avatar.SaleEndTime},
	{"sale-end reason", "SaleEndSoldOut", avatar.SaleEndSoldOut},
	{"sale-end reason", "SaleEndStopped", avatar.SaleEndStopped},
	{"platform event status", "PlatformTaken", string(avatar.PlatformTaken)},
	{"platform event status", "PlatformDuplicate", string(avatar.PlatformDuplicate)},
	{"platform event status", "PlatformRefused", string(avatar.PlatformRefused)},
}

// code is a close code and its cause, as the golden file and the docs show them.
func code(c avatar.CloseCode) string { return fmt.Sprintf("%d %s", int(c), c.Cause()) }

func TestWireValuesGoldenAndDocumented(t *testing.T) {
	var b strings.Builder
	for _, v := range wireValues {
		fmt.Fprintf(&b, "%s\t%s\t%s\n", v.kind, v.name, v.value)
	}
	const golden = "testdata/wire-values.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./avatar -update writes it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("wire values changed (a protocol change: read the diff, then go test ./avatar -update):\ngot\n%swant\n%s", got, want)
	}
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range wireValues {
		for _, w := range strings.Fields(v.value) {
			if !strings.Contains(string(doc), "`"+w+"`") && !strings.Contains(string(doc), "| "+w+" |") {
				t.Errorf("docs/protocol.md does not list the %s %s = %q", v.kind, v.name, w)
			}
		}
		if !strings.Contains(string(doc), v.name) {
			t.Errorf("docs/protocol.md does not name the %s constant %s", v.kind, v.name)
		}
	}
}
