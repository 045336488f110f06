package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/director"
	"github.com/avatarcast/avatarcast/gateway/api"
)

type previewAnswer struct {
	Room    avatar.Room `json:"room"`
	Token   string      `json:"token"`
	Viewer  string      `json:"viewer"`
	Expires time.Time   `json:"expires"`
}

func (e *env) preview(token, query string, body []byte, status int, what string) previewAnswer {
	e.t.Helper()
	ctype := ""
	if body != nil {
		ctype = "application/yaml"
	}
	r := e.want(e.do(token, "POST", "/api/v1/previews"+query, ctype, body), status, what)
	var p previewAnswer
	if status == 201 {
		if err := json.Unmarshal(r.body, &p); err != nil {
			e.t.Fatal(err)
		}
	}
	return p
}

// TestPreviewRooms: a merchant previews a stored version and unsaved text
// in rooms a real director plays; another merchant cannot see, steer or
// delete them; they are bounded per merchant, kept alive by use and
// deleted (with their text) when idle or asked.
func TestPreviewRooms(t *testing.T) {
	clk := &clock{t: day0}
	e, a := newEnvConfig(t, logger(t), func(c *api.Config) {
		c.Now = clk.Now
		c.LicenceCheckEvery = time.Millisecond
		c.MaxPreviews = 2
	})
	ctx, cancel := context.WithCancel(context.Background())
	d := director.New(director.Config{ID: "d", LeaseTTL: time.Second}, e.b, logger(t))
	done := make(chan error, 2)
	go func() { done <- d.Run(ctx) }()
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	})
	e.want(e.putTea(tokenA), 201, "A's script")

	// A stored version, pinned to the version it found.
	stored := e.preview(tokenA, "?script=tea", nil, 201, "preview of tea")
	if !strings.HasPrefix(string(stored.Room.ID), api.PreviewRoomPrefix) || stored.Room.Status != avatar.RoomPlaying ||
		stored.Room.Version != 1 || stored.Room.Show != "tea" || len(stored.Token) < 40 ||
		stored.Viewer != "/rooms/"+string(stored.Room.ID)+"?preview="+stored.Token || !stored.Expires.Equal(day0.Add(api.DefaultPreviewIdle)) {
		t.Fatalf("preview of tea: %+v", stored)
	}
	if !stored.Room.Preview.TokenOK(stored.Token) || stored.Room.Preview.TokenOK(stored.Token+"x") {
		t.Error("the record's token digest does not check the token given")
	}
	// The director plays it like any room.
	waitEvent(t, e.b, stored.Room.ID)

	// Unsaved text with an error is refused with its problems, and stores
	// nothing.
	bad := strings.Replace(string(teaScript(t)), "persona: xiaoya", "persona: nobody", 1)
	r := e.want(e.do(tokenA, "POST", "/api/v1/previews", "application/yaml", []byte(bad)), 422, "broken text")
	if !strings.Contains(string(r.body), `"line":`) {
		t.Errorf("broken text: no problem at a line: %s", r.body)
	}
	// Good unsaved text plays under a hidden script that the list leaves out.
	text := strings.Replace(string(teaScript(t)), "Tea sale", "Tea sale draft", 1)
	draft := e.preview(tokenA, "", []byte(text), 201, "preview of unsaved text")
	if draft.Room.Title != "Tea sale draft" || draft.Room.Preview.Script == "" || draft.Room.Show != draft.Room.Preview.Script {
		t.Fatalf("draft preview: %+v", draft.Room)
	}
	waitEvent(t, e.b, draft.Room.ID)
	if body := string(e.want(e.do(tokenA, "GET", "/api/v1/scripts", "", nil), 200, "scripts").body); strings.Contains(body, draft.Room.Preview.Script) {
		t.Errorf("the preview's text is in the script list: %s", body)
	}

	// Bounded: a third is refused.
	if code := e.want(e.do(tokenA, "POST", "/api/v1/previews?script=tea", "", nil), 409, "a third preview").errCode(t); code != "too_many" {
		t.Errorf("a third preview: %s, want too_many", code)
	}
	// Another merchant: neither listed nor reachable, nor startable from
	// A's script.
	for _, p := range []string{"/api/v1/previews/" + string(stored.Room.ID), "/api/v1/rooms/" + string(stored.Room.ID)} {
		e.want(e.do(tokenB, "GET", p, "", nil), 404, "B gets "+p)
	}
	e.want(e.do(tokenB, "DELETE", "/api/v1/previews/"+string(stored.Room.ID), "", nil), 404, "B deletes A's preview")
	e.want(e.do(tokenB, "POST", "/api/v1/previews?script=tea", "", nil), 404, "B previews a script it lacks")
	if body := string(e.want(e.do(tokenB, "GET", "/api/v1/previews", "", nil), 200, "B's previews").body); !strings.Contains(body, `"previews":[]`) {
		t.Errorf("B's previews: %s", body)
	}
	// A plain room is no preview.
	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"a-live","kind":"livestream","script":"tea"}`)), 201, "a room")
	e.want(e.do(tokenA, "DELETE", "/api/v1/previews/a-live", "", nil), 404, "delete a room as a preview")

	// Using the draft keeps it; the stored one goes idle and is deleted.
	clk.Set(day0.Add(20 * time.Minute))
	e.want(e.do(tokenA, "GET", "/api/v1/previews/"+string(draft.Room.ID), "", nil), 200, "use the draft")
	clk.Set(day0.Add(api.DefaultPreviewIdle))
	waitGone(t, e.b, stored.Room.ID)
	if rm := e.room(string(draft.Room.ID)); rm.Preview == nil || !rm.Preview.Expires.Equal(day0.Add(20*time.Minute+api.DefaultPreviewIdle)) {
		t.Errorf("draft after use: %+v, want kept until 50 min", rm.Preview)
	}
	// Deleted on request, with its text.
	e.want(e.do(tokenA, "DELETE", "/api/v1/previews/"+string(draft.Room.ID), "", nil), 204, "delete the draft")
	waitGone(t, e.b, draft.Room.ID)
	if _, _, err := e.b.GetScript(context.Background(), "a", draft.Room.Preview.Script, 0); err == nil {
		t.Error("the draft's text is still stored")
	}
	// The director let both go: nothing holds their leases.
	for _, id := range []avatar.RoomID{stored.Room.ID, draft.Room.ID} {
		bustest.WaitFor(t, 20*time.Second, "room "+string(id)+" let go after it was deleted", func() bool {
			_, held, err := e.b.LeaseHolder(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			return !held
		})
	}
}

// waitEvent waits until room id has an event.
func waitEvent(t *testing.T, b *bus.Bus, id avatar.RoomID) {
	t.Helper()
	bustest.WaitFor(t, 20*time.Second, "room "+string(id)+" plays something", func() bool {
		_, ok, err := b.LastEvent(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	})
}

// waitGone waits until room id's record is deleted.
func waitGone(t *testing.T, b *bus.Bus, id avatar.RoomID) {
	t.Helper()
	bustest.WaitFor(t, 20*time.Second, "room "+string(id)+" gone", func() bool {
		_, _, err := b.RoomRecord(context.Background(), id)
		if errors.Is(err, bus.ErrNotFound) {
			return true
		}
		if err != nil {
			t.Fatal(err)
		}
		return false
	})
}
