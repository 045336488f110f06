package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestServeLicenceRevokedEndsShow: on a real serve, a show presented by a
// real person's likeness starts only under the merchant's licence, and
// revoking the licence over the API ends the show a viewer is watching
// (the real director ends it when the room's record says stopped).
func TestServeLicenceRevokedEndsShow(t *testing.T) {
	const tok = "demo-token-for-licences-0123456789"
	root := repoRoot(t)
	dir := t.TempDir()
	personas, err := os.ReadFile(filepath.Join(root, "configs", "personas.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A persona with Li Na's face and no licence of its own.
	personas = append(personas, []byte(`
  - id: li-na
    name: Li Na (AI likeness)
    voice: {id: synthetic-zh-female-1}
    disclosure:
      zh-CN: 本主播为经授权的AI数字形象。
      en: An AI-generated likeness, used under licence.
    likeness: {person: Li Na, face: true, voice: false}
`)...)
	pfile := filepath.Join(dir, "personas.yaml")
	if err := os.WriteFile(pfile, personas, 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServeEnv(t, filepath.Join(dir, "data"), map[string]string{"AVATARCAST_DEMO_TOKEN": tok}, io.Discard, "-personas", pfile, "-log-level", "warn")
	src, err := os.ReadFile(filepath.Join(root, "scripts", "demo-live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Replace(strings.Replace(string(src), "persona: xiaoya", "persona: li-na", 1), "id: demo-live", "id: lina-live", 1)

	if code, m := apiCall(t, s, tok, "PUT", "/api/v1/scripts/lina-live", "application/yaml", script); code != 422 {
		t.Fatalf("script without a licence: HTTP %d %v, want 422", code, m)
	}
	licence := `{"person":"Li Na","holder":"Li Na","consent":"CONSENT-LN-1","covers":["face","livestream","commercial"]}`
	if code, m := apiCall(t, s, tok, "PUT", "/api/v1/licences/ln-1", "application/json", licence); code != 201 {
		t.Fatalf("licence: HTTP %d %v", code, m)
	}
	if code, m := apiCall(t, s, tok, "PUT", "/api/v1/scripts/lina-live", "application/yaml", script); code != 201 {
		t.Fatalf("script: HTTP %d %v", code, m)
	}
	if code, m := apiCall(t, s, tok, "POST", "/api/v1/rooms", "application/json", `{"id":"lina-live","kind":"livestream","script":"lina-live"}`); code != 201 {
		t.Fatalf("room: HTTP %d %v", code, m)
	}
	if code, m := apiCall(t, s, tok, "POST", "/api/v1/rooms/lina-live/start", "", ""); code != 200 {
		t.Fatalf("start: HTTP %d %v", code, m)
	}
	v := dial(t, s, "room=lina-live")
	v.hello()
	// Wait until the show speaks, then revoke.
	for deadline := time.Now().Add(60 * time.Second); ; {
		if time.Now().After(deadline) {
			t.Fatal("the show never spoke")
		}
		if e := v.next(60 * time.Second); e.Type == avatar.EventSpeech {
			break
		}
	}
	code, m := apiCall(t, s, tok, "PUT", "/api/v1/licences/ln-1", "application/json",
		strings.TrimSuffix(licence, "}")+`,"revoked":true,"revoked_why":"consent withdrawn"}`)
	if code != 200 || m["revoked_at"] == nil {
		t.Fatalf("revoke: HTTP %d %v", code, m)
	}
	if rooms, _ := m["stopped_rooms"].([]any); len(rooms) != 1 || rooms[0] != "lina-live" {
		t.Errorf("revocation stopped %v, want lina-live", m["stopped_rooms"])
	}
	noticed := false
	for deadline := time.Now().Add(60 * time.Second); ; {
		if time.Now().After(deadline) {
			t.Fatal("the show did not end after its licence was revoked")
		}
		e := v.next(60 * time.Second)
		if e.Type == avatar.EventNotice {
			var n avatar.Notice
			_ = json.Unmarshal(e.Data, &n)
			noticed = n.Ref == avatar.NoticeRefLicence && strings.Contains(n.Text, "本场直播已结束") && strings.Contains(n.Text, "This show has ended")
		}
		if e.Type != avatar.EventShowEnd {
			continue
		}
		if !noticed {
			t.Errorf("the show ended without a notice of the licence to the viewer first")
		}
		var st avatar.ShowStatus
		_ = json.Unmarshal(e.Data, &st)
		t.Logf("show.end reason %q (the director does not read the room's stop reason yet)", st.Reason)
		break
	}
	if code, rm := apiCall(t, s, tok, "GET", "/api/v1/rooms/lina-live", "", ""); code != 200 || rm["status"] != avatar.RoomStopped || rm["stop_reason"] != avatar.LicenceRevoked {
		t.Errorf("room after revocation: HTTP %d %v, want stopped for licence_revoked", code, rm)
	}
	if code, m := apiCall(t, s, tok, "POST", "/api/v1/rooms/lina-live/start", "", ""); code != 409 {
		t.Errorf("start after revocation: HTTP %d %v, want 409", code, m)
	}
}
