package director

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// baseline is the order of scripted lines of demo-live, uninterrupted.
func baseline(t *testing.T, n int) []string {
	var lines []string
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		evs := r.until(30*time.Minute, "lines", func(evs []avatar.Envelope) bool { return len(spokenLines(evs)) >= n })
		lines = spokenLines(evs)[:n]
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	})
	return lines
}

func TestTimelineTenMinutes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		t0 := time.Now()
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		evs := r.sink.all()
		checkSeqs(t, evs)
		if evs[0].Type != avatar.EventShowStart {
			t.Fatalf("first event %s, want show.start", evs[0].Type)
		}
		lines := spokenLines(evs)
		if len(lines) < 60 {
			t.Fatalf("%d lines in 10 minutes, want a line every few seconds", len(lines))
		}
		for i := 1; i < len(lines); i++ {
			if lines[i] == lines[i-1] {
				t.Errorf("line %s spoken twice in a row", lines[i])
			}
		}
		types := map[avatar.EventType]int{}
		for _, e := range evs {
			types[e.Type]++
		}
		for _, want := range []avatar.EventType{avatar.EventSpeech, avatar.EventExpression, avatar.EventGesture,
			avatar.EventProductShow, avatar.EventProductHide, avatar.EventSaleStart, avatar.EventSaleEnd, avatar.EventCoupon} {
			if types[want] == 0 {
				t.Errorf("no %s event in 10 minutes: %v", want, types)
			}
		}
		// A cue fires at its word: [show:tea-01] in tea-intro, [sale:...] in tea-flash.
		for i, e := range evs {
			if e.Type != avatar.EventSpeech || (lineOf(e) != "tea-flash") {
				continue
			}
			sp := decode[avatar.Speech](t, e)
			next := evs[i+1]
			if next.Type != avatar.EventSaleStart {
				t.Fatalf("after tea-flash: %s, want sale.start", next.Type)
			}
			at := time.Time(next.TS).Sub(time.Time(e.TS))
			if at <= 0 || at >= time.Duration(sp.DurationMS)*time.Millisecond {
				t.Errorf("sale cue fired %v into a %d ms line, want inside it", at, sp.DurationMS)
			}
			sale := decode[avatar.Sale](t, next)
			if ends := time.Time(sale.Ends).Sub(time.Time(next.TS)); ends != 5*time.Minute {
				t.Errorf("sale ends %v after start, want 5m", ends)
			}
			break
		}
		// The sale ends at its wall-clock end, not at a line boundary.
		var start, end time.Time
		for _, e := range evs {
			switch e.Type {
			case avatar.EventSaleStart:
				if start.IsZero() {
					start = time.Time(e.TS)
				}
			case avatar.EventSaleEnd:
				s := decode[avatar.Sale](t, e)
				if end.IsZero() && s.Reason == "time" {
					end = time.Time(e.TS)
				}
			}
		}
		if got := end.Sub(start); got != 5*time.Minute {
			t.Errorf("first sale lasted %v (%v to %v), want 5m by the wall clock", got, start, end)
		}
		if time.Since(t0) < 10*time.Minute {
			t.Fatal("clock did not move")
		}
		st := r.sink.snapshot()
		if st.Seq != evs[len(evs)-1].Seq || st.Status != "playing" || len(st.Recent) == 0 {
			t.Errorf("state %+v, want seq %d playing with recent lines", st, evs[len(evs)-1].Seq)
		}
	})
}

func TestAnswerPreemptsAndScriptResumes(t *testing.T) {
	want := baseline(t, 8)
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.untilSpeech(time.Minute, "tea-taste")
		// Full-width question mark and letters: folded before matching.
		r.p.Input(avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "这个多少钱？", Name: "小明"}})
		r.p.Input(avatar.Input{Viewer: "v2", Type: avatar.MsgComment, Data: avatar.MessageData{Text: "ＨＯＷ ＭＵＣＨ is it", Name: "Amy"}})
		r.p.Input(avatar.Input{Viewer: "v3", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "do you ship abroad?", Name: "Bob"}})
		evs := r.until(time.Minute, "two replies", func(evs []avatar.Envelope) bool {
			n := 0
			for _, e := range evs {
				if e.Type == avatar.EventReply {
					n++
				}
			}
			return n >= 2 && len(spokenLines(after(evs, isLine("tea-taste")))) >= 3
		})
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		checkSeqs(t, evs)
		rest := after(evs, isLine("tea-taste"))
		var spoken []avatar.Envelope
		for _, e := range rest {
			if e.Type == avatar.EventSpeech || e.Type == avatar.EventReply {
				spoken = append(spoken, e)
			}
		}
		if spoken[0].Type != avatar.EventReply || spoken[1].Type != avatar.EventReply {
			t.Fatalf("after the line the questions came in: %s, want two replies first", summary(rest))
		}
		price := decode[avatar.Reply](t, spoken[0])
		if price.FAQ != "faq-price" || price.Viewer != "v1" || price.Question != "这个多少钱？" ||
			!strings.HasPrefix(price.Speech.Text, "小明、Amy，") || !strings.Contains(price.Speech.Text, "龙井现在99元一罐") || price.Speech.Lang != "zh-CN" {
			t.Errorf("price reply %+v, want faq-price to 小明 and Amy (merged) in zh-CN with the price filled in", price)
		}
		ship := decode[avatar.Reply](t, spoken[1])
		if ship.FAQ != "faq-shipping" || !strings.HasPrefix(ship.Speech.Text, "Bob, ") || ship.Speech.Lang != "en" {
			t.Errorf("shipping reply %+v, want faq-shipping to Bob in en", ship)
		}
		// The script goes on from the exact line after the interrupted one.
		got := spokenLines(evs)
		if !slices.Equal(got, want[:len(got)]) {
			t.Errorf("scripted lines %v, want %v", got, want[:len(got)])
		}
	})
}

func TestPitchNeverPreemptsAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.untilSpeech(time.Minute, "greet-ask")
		r.p.Input(avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "where is it from?"}})
		evs := r.until(time.Minute, "reply", func(evs []avatar.Envelope) bool {
			return slices.ContainsFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventReply })
		})
		reply := evs[len(evs)-1]
		// The merchant asks to pitch the cups in the middle of the answer.
		time.Sleep(500 * time.Millisecond)
		if rep := r.control(avatar.Control{Type: avatar.CtlPitch, SKU: "cup-02"}); !rep.OK {
			t.Fatalf("pitch: %+v", rep)
		}
		evs = r.until(time.Minute, "cup pitch", func(evs []avatar.Envelope) bool { return len(spokenLines(after(evs, isLine(lineOf(reply))))) > 0 })
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		sp := decode[avatar.Reply](t, reply).Speech
		done := time.Time(reply.TS).Add(time.Duration(sp.DurationMS) * time.Millisecond)
		next := after(evs, func(e avatar.Envelope) bool { return e.Seq == reply.Seq })
		// The pitch's checkpoint (nothing for viewers) may come mid-answer.
		next = slices.DeleteFunc(next, func(e avatar.Envelope) bool { return e.Type == avatar.EventCheckpoint })
		if time.Time(next[0].TS).Before(done) {
			t.Errorf("%s at %v cut into the answer ending at %v", next[0].Type, time.Time(next[0].TS), done)
		}
		if !strings.Contains(sp.Text, "Longquan") || !strings.Contains(sp.Text, "West Lake") {
			t.Errorf("two-line answer %q, want both lines", sp.Text)
		}
		if l := spokenLines(next)[0]; l != "cup-intro" {
			t.Errorf("after the answer: line %s, want the pitched cup-intro", l)
		}
	})
}

func TestControls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.untilSpeech(time.Minute, "tea-intro")
		// Notice, stock and price apply at once, mid-line.
		now := time.Now()
		n := len(r.sink.all())
		if rep := r.control(avatar.Control{Type: avatar.CtlNotice, Text: "Free gift wrap today", Ref: "n-1"}); !rep.OK || rep.Seq != uint64(n+1) {
			t.Fatalf("notice reply %+v, want ok at seq %d", rep, n+1)
		}
		evs := r.sink.all()
		if e := evs[n]; e.Type != avatar.EventNotice || !time.Time(e.TS).Equal(now) || decode[avatar.Notice](t, e).Ref != "n-1" {
			t.Fatalf("notice event %s at %v, want notice n-1 at once (%v)", e.Type, time.Time(e.TS), now)
		}
		stock := 42
		if rep := r.control(avatar.Control{Type: avatar.CtlStock, SKU: "tea-01", Stock: &stock}); !rep.OK {
			t.Fatalf("stock: %+v", rep)
		}
		if rep := r.control(avatar.Control{Type: avatar.CtlPrice, SKU: "tea-01", Price: "89.50"}); !rep.OK {
			t.Fatalf("price: %+v", rep)
		}
		evs = r.sink.all()
		card := decode[avatar.Product](t, evs[len(evs)-1])
		if evs[len(evs)-1].Type != avatar.EventProductShow || card.Stock != 42 || card.Price != "89.50" {
			t.Fatalf("card after stock and price: %s %+v, want stock 42 at 89.50", evs[len(evs)-1].Type, card)
		}
		if st := r.sink.snapshot(); st.Product == nil || st.Product.Stock != 42 || st.Product.Price != "89.50" || st.Seq != evs[len(evs)-1].Seq {
			t.Errorf("state after controls %+v, want the new card at the last seq", st)
		}
		// Bad controls are refused with a reason.
		for _, c := range []avatar.Control{
			{Type: avatar.CtlStock, SKU: "nope", Stock: &stock},
			{Type: avatar.CtlPrice, SKU: "tea-01", Price: "cheap"},
			{Type: avatar.CtlSay},
			{Type: "dance"},
		} {
			if rep := r.control(c); rep.OK || rep.Error == "" {
				t.Errorf("control %+v: %+v, want refused", c, rep)
			}
		}
		// A typed line is said next; skip leaves the segment.
		if rep := r.control(avatar.Control{Type: avatar.CtlSay, Text: "Hello from the shop!", Lang: "en"}); !rep.OK {
			t.Fatalf("say: %+v", rep)
		}
		if rep := r.control(avatar.Control{Type: avatar.CtlSkip}); !rep.OK {
			t.Fatalf("skip: %+v", rep)
		}
		evs = r.until(time.Minute, "two more lines", func(evs []avatar.Envelope) bool { return len(spokenLines(after(evs, isLine("tea-intro")))) >= 2 })
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		next := after(evs, isLine("tea-intro"))
		var said []avatar.Speech
		for _, e := range next {
			if e.Type == avatar.EventSpeech {
				said = append(said, decode[avatar.Speech](t, e))
			}
		}
		if said[0].Text != "Hello from the shop!" || said[0].Lang != "en" {
			t.Errorf("first line after the controls %+v, want the typed line", said[0])
		}
		// The price the avatar speaks follows the card: tea-price is skipped
		// with its segment, so the next scripted line is pitch-cup's.
		if said[1].LineID != "cup-intro" {
			t.Errorf("after skip: %s, want cup-intro", said[1].LineID)
		}
		checkSeqs(t, evs)
	})
}

func TestFlashSaleStockAndSoldOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.untilSpeech(time.Minute, "greet-hello")
		five := 3
		if rep := r.control(avatar.Control{Type: avatar.CtlSale, SKU: "cup-02", Price: "49", Stock: &five, Duration: time.Minute}); !rep.OK {
			t.Fatalf("sale: %+v", rep)
		}
		evs := r.until(time.Minute, "sale.start", func(evs []avatar.Envelope) bool {
			return slices.ContainsFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventSaleStart })
		})
		started := evs[slices.IndexFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventSaleStart })]
		if s := decode[avatar.Sale](t, started); s.SKU != "cup-02" || s.Stock != 3 || s.Price != "49.00" {
			t.Fatalf("sale.start %+v", s)
		}
		if st := r.sink.snapshot(); st.Sale == nil || st.Sale.Stock != 3 || st.Product == nil || st.Product.SKU != "cup-02" {
			t.Fatalf("state during the sale %+v, want the sale and its card", st)
		}
		// Two orders from the merchant's shop (one sent twice counts once);
		// viewers' cart intents are interest only and take nothing.
		for _, v := range []string{"a", "a", "b"} {
			r.p.Input(avatar.Input{Viewer: v, Type: avatar.MsgCart, Data: avatar.MessageData{SKU: "cup-02"}})
		}
		for _, id := range []string{"order-a", "order-a", "order-b"} {
			if rep := r.control(avatar.Control{Type: avatar.CtlOrder, SKU: "cup-02", Qty: 1, OrderID: id}); !rep.OK {
				t.Fatalf("order %s: %+v", id, rep)
			}
		}
		evs = r.until(5*time.Second, "sale.update", func(evs []avatar.Envelope) bool {
			return evs[len(evs)-1].Type == avatar.EventSaleUpdate || slices.ContainsFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventSaleUpdate })
		})
		var upd avatar.Sale
		for _, e := range evs {
			if e.Type == avatar.EventSaleUpdate {
				upd = decode[avatar.Sale](t, e)
			}
		}
		if upd.Stock != 1 {
			t.Errorf("sale.update stock %d, want 1", upd.Stock)
		}
		if st := r.sink.snapshot(); st.Product == nil || st.Product.Stock != 198 || st.Sale == nil || st.Sale.Stock != 1 || st.Sale.Wanted != 2 {
			t.Errorf("state after two orders: card %+v sale %+v, want 198 left and 1 on sale", st.Product, st.Sale)
		}
		// The last unit sells: the sale ends sold out, the card shows 0, and
		// the avatar says so.
		if rep := r.control(avatar.Control{Type: avatar.CtlOrder, SKU: "cup-02", Qty: 1, OrderID: "order-c"}); !rep.OK {
			t.Fatalf("order c: %+v", rep)
		}
		evs = r.untilSpeech(time.Minute, "sale-sold-out-cup-02")
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		var end *avatar.Sale
		var card *avatar.Product
		for _, e := range evs {
			switch e.Type {
			case avatar.EventSaleEnd:
				s := decode[avatar.Sale](t, e)
				end = &s
			case avatar.EventProductShow:
				c := decode[avatar.Product](t, e)
				card = &c
			}
		}
		if end == nil || end.Reason != "sold_out" || end.Stock != 0 {
			t.Errorf("sale.end %+v, want sold_out with stock 0", end)
		}
		if card == nil || card.SKU != "cup-02" || card.Stock != 197 {
			t.Errorf("last card %+v, want cup-02 with 197 left (3 sold)", card)
		}
		if st := r.sink.snapshot(); st.Sale != nil {
			t.Errorf("state keeps ended sale %+v", st.Sale)
		}
		checkSeqs(t, evs)
	})
}

func TestStockControlSoldOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.untilSpeech(2*time.Minute, "tea-flash")
		r.until(10*time.Second, "sale.start", func(evs []avatar.Envelope) bool {
			return slices.ContainsFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventSaleStart })
		})
		zero := 0
		if rep := r.control(avatar.Control{Type: avatar.CtlStock, SKU: "tea-01", Stock: &zero}); !rep.OK {
			t.Fatalf("stock: %+v", rep)
		}
		evs := r.sink.all()
		tail := evs[len(evs)-2:]
		if tail[0].Type != avatar.EventSaleEnd || decode[avatar.Sale](t, tail[0]).Reason != "sold_out" {
			t.Errorf("after stock 0: %s, want sale.end sold_out at once", summary(tail))
		}
		if tail[1].Type != avatar.EventProductShow || decode[avatar.Product](t, tail[1]).Stock != 0 {
			t.Errorf("after stock 0: %s, want the card with stock 0", summary(tail))
		}
		evs = r.untilSpeech(time.Minute, "sold-out-tea-01")
		sp := decode[avatar.Speech](t, evs[len(evs)-1])
		if !strings.Contains(sp.Text, "龙井") {
			t.Errorf("sold-out line %q, want the product's title", sp.Text)
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestMuseumTapAndAttract(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-museum.yaml"), liveRoom("m", "museum"), &memSink{})
		r.untilSpeech(time.Minute, "welcome-hello")
		r.p.Input(avatar.Input{Viewer: "kiosk", Type: avatar.MsgTap, Data: avatar.MessageData{Target: "jade-cong"}})
		r.untilSpeech(time.Minute, "cong-n1")
		// A tap on an option replaces what is left of the narration.
		r.p.Input(avatar.Input{Viewer: "kiosk", Type: avatar.MsgTap, Data: avatar.MessageData{Target: "carve"}})
		evs := r.untilSpeech(time.Minute, "welcome-ai")
		got := spokenLines(evs)
		if want := []string{"welcome-hello", "cong-n1", "cong-carve", "welcome-ai"}; !slices.Equal(got, want) {
			t.Errorf("lines %v, want %v (tap narrates, then the tour resumes)", got, want)
		}
		focus := slices.IndexFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventExhibit })
		if focus < 0 || decode[avatar.Exhibit](t, evs[focus]).ID != "jade-cong" || focus > slices.IndexFunc(evs, isLine("cong-n1")) {
			t.Errorf("no focus on jade-cong before its narration: %s", summary(evs))
		}
		// After the tour, the kiosk plays its attract loop while nobody taps.
		evs = r.untilSpeech(5*time.Minute, "idle-ask")
		i := slices.IndexFunc(evs, isLine("idle-tap"))
		if i < 3 || !slices.ContainsFunc(evs[i-3:i], func(e avatar.Envelope) bool { return e.Type == avatar.EventIdle }) {
			t.Errorf("attract line without an idle event before it: %s", summary(evs))
		}
		// A tap during the attract loop is narrated at once.
		r.p.Input(avatar.Input{Viewer: "kiosk", Type: avatar.MsgTap, Data: avatar.MessageData{Target: "houmuwu-ding"}})
		evs = r.untilSpeech(time.Minute, "ding-n3")
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		checkSeqs(t, evs)
		// Every line came once, no line repeated back to back.
		lines := spokenLines(evs)
		for i := 1; i < len(lines); i++ {
			if lines[i] == lines[i-1] {
				t.Errorf("line %s twice in a row", lines[i])
			}
		}
	})
}

func TestLifecycleFromRoomRecord(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		prog := loadShow(t, "demo-live.yaml")
		room := liveRoom("r", "livestream")
		r := start(t, prog, room, &memSink{})
		r.untilSpeech(time.Minute, "greet-hello")
		room.Status = avatar.RoomPaused
		r.p.Update(room, nil)
		evs := r.until(time.Minute, "show.pause", func(evs []avatar.Envelope) bool { return evs[len(evs)-1].Type == avatar.EventShowPause })
		n := len(evs)
		time.Sleep(10 * time.Minute)
		// Controls are served while paused.
		if rep := r.control(avatar.Control{Type: avatar.CtlNotice, Text: "back soon"}); !rep.OK {
			t.Fatalf("notice while paused: %+v", rep)
		}
		if evs := r.sink.all(); len(evs) != n+1 {
			t.Fatalf("while paused: %s, want only the notice", summary(evs[n:]))
		}
		if st := r.sink.snapshot(); st.Status != "paused" {
			t.Errorf("state status %q, want paused", st.Status)
		}
		room.Status = avatar.RoomPlaying
		r.p.Update(room, nil)
		evs = r.untilSpeech(time.Minute, "greet-ask")
		if evs[n+1].Type != avatar.EventShowResume {
			t.Errorf("after the pause: %s, want show.resume", evs[n+1].Type)
		}
		// Stop: the show ends at the next boundary, its card hidden.
		room.Status = avatar.RoomStopped
		r.p.Update(room, nil)
		r.until(time.Minute, "show.end", func(evs []avatar.Envelope) bool { return evs[len(evs)-1].Type == avatar.EventShowEnd })
		if st := r.sink.snapshot(); st.Status != "ended" || st.Product != nil {
			t.Errorf("state after stop %+v, want ended without a card", st)
		}
		// A new script version plays from the next segment; started again,
		// the show begins from the top.
		v2 := Compile(prog.Show, 2)
		room.Status, room.Version = avatar.RoomPlaying, 2
		r.p.Update(room, v2)
		evs = r.untilSpeech(time.Minute, "greet-hello")
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		if r.p.eng.prog != v2 {
			t.Error("new version not taken")
		}
		checkSeqs(t, evs)
	})
}

func TestThanksRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		for range 20 {
			r.p.Input(avatar.Input{Viewer: "fan", Type: avatar.MsgLike, Data: avatar.MessageData{Count: 1, Name: "Fan"}})
			time.Sleep(3 * time.Second)
		}
		evs := r.sink.all()
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		thanks := 0
		for _, l := range spokenLines(evs) {
			if l == "thanks" {
				thanks++
			}
		}
		// 60 s of constant likes: at most one thank-you per ThankEvery.
		if thanks < 1 || thanks > 2 {
			t.Errorf("%d thank-yous in 60s of likes, want 1 or 2", thanks)
		}
	})
}

func TestRestoreFromCursorAndState(t *testing.T) {
	want := baseline(t, 10)
	synctest.Test(t, func(t *testing.T) {
		prog := loadShow(t, "demo-live.yaml")
		sink := &memSink{}
		r := start(t, prog, liveRoom("r", "livestream"), sink)
		r.untilSpeech(2*time.Minute, want[5])
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		before := sink.snapshot()
		n := len(sink.all())
		// A new player (another director) takes over from the stored event.
		r2 := start(t, prog, liveRoom("r", "livestream"), sink)
		evs := r2.untilSpeech(2*time.Minute, want[7])
		if err := r2.stop(); err != nil {
			t.Fatal(err)
		}
		checkSeqs(t, evs)
		if got := spokenLines(evs); !slices.Equal(got, want[:8]) {
			t.Errorf("lines across the takeover %v, want %v", got, want[:8])
		}
		if evs[n].Type == avatar.EventShowStart {
			t.Errorf("takeover restarted the show")
		}
		// The card on screen was restored, not shown again.
		if before.Product == nil {
			t.Fatal("no card when the first player stopped")
		}
		for _, e := range evs[n:slices.IndexFunc(evs, isLine(want[6]))] {
			if e.Type == avatar.EventProductShow {
				t.Errorf("takeover showed card %s again: state not restored", e.Data)
			}
		}
	})
}

func TestNewVersionAtNextSegment(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		prog := loadShow(t, "demo-live.yaml")
		src, err := os.ReadFile(filepath.Join("..", "..", "scripts", "demo-live.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		src = []byte(strings.Replace(string(src), "配茶的杯子也给大家准备好了。", "新版本的杯子来了。", 1))
		show, probs := script.Parse("v2.yaml", src)
		if show == nil {
			t.Fatal(probs.Err())
		}
		v2 := Compile(show, 2)
		room := liveRoom("r", "livestream")
		r := start(t, prog, room, &memSink{})
		r.untilSpeech(time.Minute, "tea-intro")
		room.Version = 2
		r.p.Update(room, v2)
		evs := r.untilSpeech(time.Minute, "cup-intro")
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		// The tea segment finishes on version 1; the next segment is version 2's.
		if got, want := spokenLines(after(evs, isLine("tea-intro"))), []string{"tea-taste", "tea-price", "tea-flash", "cup-intro"}; !slices.Equal(got, want) {
			t.Errorf("lines after the new version came %v, want %v", got, want)
		}
		if sp := decode[avatar.Speech](t, evs[len(evs)-1]); sp.Text != "新版本的杯子来了。" {
			t.Errorf("cup-intro says %q, want version 2's text", sp.Text)
		}
	})
}

func TestLanguageSwitchRelabelsExhibit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-museum.yaml"), liveRoom("m", "museum"), &memSink{})
		r.untilSpeech(time.Minute, "tour-ding-intro")
		r.p.Input(avatar.Input{Viewer: "kiosk", Type: avatar.MsgLang, Data: avatar.MessageData{Lang: "fr"}})
		evs := r.untilSpeech(time.Minute, "tour-ding-tap")
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		rest := after(evs, isLine("tour-ding-intro"))
		i := slices.IndexFunc(rest, func(e avatar.Envelope) bool { return e.Type == avatar.EventExhibit })
		if i < 0 || decode[avatar.Exhibit](t, rest[i]).Title != "Le ding Houmuwu" {
			t.Fatalf("after lang fr: %s, want the exhibit again in French", summary(rest))
		}
		if sp := decode[avatar.Speech](t, evs[len(evs)-1]); sp.Lang != "fr" || !strings.HasPrefix(sp.Text, "Pour savoir") {
			t.Errorf("next line %+v, want its French text", sp)
		}
		if st := r.sink.snapshot(); st.Exhibit == nil || st.Exhibit.Title != "Le ding Houmuwu" || st.Lang != "fr" {
			t.Errorf("state %+v, want the French exhibit", st)
		}
	})
}

// TestStaleDirectorIsFenced: a player that lost the room (another one took
// it over from the stored event) is refused its next publish and stops
// with bus.ErrFenced; the room's seq stays gap-free.
func TestStaleDirectorIsFenced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		prog := loadShow(t, "demo-live.yaml")
		sink := &memSink{}
		stale := &heldSink{memSink: sink}
		old := startSink(t, prog, liveRoom("r", "livestream"), stale, sink)
		old.untilSpeech(time.Minute, "greet-hello")
		// A second player takes the room while the first still runs. Both
		// let greet-hello end before the next line, at the same instant: the
		// first's publishes wait until the second has published, as a
		// director that lost its lease while stalled would.
		stale.hold()
		taker := start(t, prog, liveRoom("r", "livestream"), sink)
		evs := taker.untilSpeech(time.Minute, "greet-coupon")
		stale.letGo()
		synctest.Wait()
		err := old.stop()
		if !errors.Is(err, bus.ErrFenced) {
			t.Fatalf("stale player stopped with %v, want bus.ErrFenced", err)
		}
		if err := taker.stop(); err != nil {
			t.Fatal(err)
		}
		checkSeqs(t, sink.all())
		lines := spokenLines(evs)
		for i := 1; i < len(lines); i++ {
			if lines[i] == lines[i-1] {
				t.Errorf("line %s twice in a row across the fencing: %v", lines[i], lines)
			}
		}
	})
}

// TestTakeoverKeepsSale: a flash sale survives a takeover, with its stock
// and its wall-clock end.
func TestTakeoverKeepsSale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		prog := loadShow(t, "demo-live.yaml")
		sink := &memSink{}
		r := start(t, prog, liveRoom("r", "livestream"), sink)
		evs := r.until(2*time.Minute, "sale.start", func(evs []avatar.Envelope) bool {
			return slices.ContainsFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventSaleStart })
		})
		sale := decode[avatar.Sale](t, evs[slices.IndexFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventSaleStart })])
		if rep := r.control(avatar.Control{Type: avatar.CtlOrder, SKU: "tea-01", Qty: 1, OrderID: "o-1"}); !rep.OK {
			t.Fatalf("order: %+v", rep)
		}
		r.until(5*time.Second, "sale.update", func(evs []avatar.Envelope) bool {
			return slices.ContainsFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventSaleUpdate })
		})
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		n := len(sink.all())
		taker := start(t, prog, liveRoom("r", "livestream"), sink)
		evs = taker.until(6*time.Minute, "sale.end", func(evs []avatar.Envelope) bool {
			return slices.ContainsFunc(evs[n:], func(e avatar.Envelope) bool { return e.Type == avatar.EventSaleEnd })
		})
		if err := taker.stop(); err != nil {
			t.Fatal(err)
		}
		checkSeqs(t, evs)
		for _, e := range evs[n:] {
			switch e.Type {
			case avatar.EventSaleStart:
				t.Fatalf("taker started a sale while %s was running: %s", sale.ID, e.Data)
			case avatar.EventSaleEnd:
				end := decode[avatar.Sale](t, e)
				if end.Reason != "time" || !time.Time(e.TS).Equal(time.Time(sale.Ends)) || end.Stock != sale.Stock-1 {
					t.Fatalf("sale.end %+v at %v, want reason time at %v with %d left", end, time.Time(e.TS), time.Time(sale.Ends), sale.Stock-1)
				}
				return
			}
		}
	})
}
