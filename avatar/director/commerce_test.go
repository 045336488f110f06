package director

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// auditSink is a memSink that also keeps the audit records a player
// writes (the Auditor a BusSink is).
type auditSink struct {
	memSink
	amu  sync.Mutex
	recs []auditEntry
}

type auditEntry struct {
	action string
	detail map[string]any
}

func (s *auditSink) Audit(ctx context.Context, room avatar.Room, action string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	s.amu.Lock()
	defer s.amu.Unlock()
	s.recs = append(s.recs, auditEntry{action: action, detail: m})
	return nil
}

func (s *auditSink) entries() []auditEntry {
	s.amu.Lock()
	defer s.amu.Unlock()
	return slices.Clone(s.recs)
}

// startAudited is start with a sink that also records audit records.
func startAudited(t *testing.T, prog *Program, sink *auditSink) *rig {
	t.Helper()
	return startSink(t, prog, liveRoom("r", "livestream"), sink, &sink.memSink)
}

func intPtr(n int) *int { return &n }

// TestCartIntentsNeverChangeStock: 40 viewers sending add-to-cart intents
// during a 30-unit flash sale are counted as interest; the sale keeps its
// 30 units and the product its stock (issue 9 item 2: before, the sale
// ended sold_out and 30 units left the stock).
func TestCartIntentsNeverChangeStock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.untilSpeech(time.Minute, "greet-hello")
		if rep := r.control(avatar.Control{Type: avatar.CtlSale, SKU: "tea-01", Price: "79", Stock: intPtr(30), Duration: time.Minute}); !rep.OK {
			t.Fatalf("sale: %+v", rep)
		}
		r.until(time.Minute, "sale.start", func(evs []avatar.Envelope) bool {
			return slices.ContainsFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventSaleStart })
		})
		for i := range 40 {
			r.p.Input(avatar.Input{Viewer: fmt.Sprintf("v%d", i), Type: avatar.MsgCart, Data: avatar.MessageData{SKU: "tea-01"}})
			r.p.Input(avatar.Input{Viewer: fmt.Sprintf("v%d", i), Type: avatar.MsgCart, Data: avatar.MessageData{SKU: "tea-01"}})
			synctest.Wait()
		}
		// An intent for a product not in the catalog counts for nothing.
		r.p.Input(avatar.Input{Viewer: "x", Type: avatar.MsgCart, Data: avatar.MessageData{SKU: "no-such-sku"}})
		evs := r.until(5*time.Second, "sale.update with wanted", func(evs []avatar.Envelope) bool {
			return slices.ContainsFunc(evs, func(e avatar.Envelope) bool {
				return e.Type == avatar.EventSaleUpdate && decode[avatar.Sale](t, e).Wanted == 40
			})
		})
		for _, e := range evs {
			if e.Type == avatar.EventSaleEnd {
				t.Fatalf("cart intents ended the sale: %s", e.Data)
			}
			if e.Type == avatar.EventSaleUpdate {
				if s := decode[avatar.Sale](t, e); s.Stock != 30 {
					t.Errorf("sale.update stock %d after intents, want 30", s.Stock)
				}
			}
		}
		// The card shows the interest too, re-shown at most once a second.
		r.until(5*time.Second, "product.show with wanted", func(evs []avatar.Envelope) bool {
			return slices.ContainsFunc(evs, func(e avatar.Envelope) bool {
				return e.Type == avatar.EventProductShow && decode[avatar.Product](t, e).Wanted == 40
			})
		})
		st := r.sink.snapshot()
		if st.Sale == nil || st.Sale.Stock != 30 || st.Sale.Wanted != 40 {
			t.Errorf("state sale %+v, want 30 units and 40 wanted", st.Sale)
		}
		if st.Product == nil || st.Product.Stock != 500 {
			t.Errorf("state card %+v, want tea-01 with its 500 units", st.Product)
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestOrdersTakeStockOnce: an order from the commerce platform lowers the
// stock (and the running sale's units) once; the same order again answers
// with the stock it left and changes nothing; an order beyond the stock
// is refused.
func TestOrdersTakeStockOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &memSink{}
		prog := loadShow(t, "demo-live.yaml")
		r := start(t, prog, liveRoom("r", "livestream"), sink)
		r.untilSpeech(time.Minute, "greet-hello")
		if rep := r.control(avatar.Control{Type: avatar.CtlSale, SKU: "tea-01", Price: "79", Stock: intPtr(3), Duration: time.Minute}); !rep.OK {
			t.Fatalf("sale: %+v", rep)
		}
		r.until(time.Minute, "sale.start", func(evs []avatar.Envelope) bool {
			return slices.ContainsFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventSaleStart })
		})
		order := avatar.Control{Type: avatar.CtlOrder, SKU: "tea-01", Qty: 2, OrderID: "o-1"}
		rep := r.control(order)
		if !rep.OK || rep.Stock == nil || *rep.Stock != 498 || rep.Replayed {
			t.Fatalf("order o-1: %+v, want ok with 498 left", rep)
		}
		n := len(r.sink.all())
		again := r.control(order)
		if !again.OK || again.Stock == nil || *again.Stock != 498 || !again.Replayed {
			t.Fatalf("order o-1 again: %+v, want ok, replayed, 498", again)
		}
		if m := len(r.sink.all()); m != n {
			t.Errorf("a replayed order published %s", summary(r.sink.all()[n:]))
		}
		if rep := r.control(avatar.Control{Type: avatar.CtlOrder, SKU: "tea-01", Qty: 499, OrderID: "o-2"}); rep.OK || rep.Code != avatar.RefuseOutOfStock {
			t.Errorf("order beyond stock: %+v, want refused out_of_stock", rep)
		}
		evs := r.sink.all()
		if i := slices.IndexFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventStock }); i < 0 || decode[avatar.StockLevel](t, evs[i]).Stock != 498 {
			t.Errorf("no stock event of 498 left: %s", summary(evs))
		}
		if st := r.sink.snapshot(); st.Sale == nil || st.Sale.Stock != 1 || st.Product == nil || st.Product.Stock != 498 {
			t.Errorf("state after the order: sale %+v card %+v, want 1 on sale and 498 left", st.Sale, st.Product)
		}
		// The last sale unit goes with the next order: the sale ends sold out.
		if rep := r.control(avatar.Control{Type: avatar.CtlOrder, SKU: "tea-01", Qty: 1, OrderID: "o-3"}); !rep.OK {
			t.Fatalf("order o-3: %+v", rep)
		}
		evs = r.untilSpeech(time.Minute, "sale-sold-out-tea-01")
		if !slices.ContainsFunc(evs, func(e avatar.Envelope) bool {
			return e.Type == avatar.EventSaleEnd && decode[avatar.Sale](t, e).Reason == "sold_out"
		}) {
			t.Errorf("no sale.end sold_out after the last unit was ordered")
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		// A director taking the room over knows the order: a replay changes nothing.
		taker := start(t, prog, liveRoom("r", "livestream"), sink)
		if rep := taker.control(order); !rep.OK || !rep.Replayed || *rep.Stock != 498 {
			t.Errorf("order o-1 replayed to the next director: %+v, want replayed with 498", rep)
		}
		if rep := taker.control(avatar.Control{Type: avatar.CtlOrder, SKU: "tea-01", Qty: 1, OrderID: "o-4"}); !rep.OK || *rep.Stock != 496 {
			t.Errorf("order o-4 on the next director: %+v, want 496 left", rep)
		}
		if err := taker.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestNoOpControlsRefused: a control that would change nothing is refused
// with a code, never answered ok (issue 9 item 8).
func TestNoOpControlsRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.untilSpeech(time.Minute, "greet-hello")
		steps := []struct {
			name string
			c    avatar.Control
			code string // "" = must be ok
		}{
			{"ad-hoc sale", avatar.Control{Type: avatar.CtlSale, SKU: "cup-02", Price: "49", Stock: intPtr(5), Duration: time.Minute}, ""},
			{"same sale again before it starts", avatar.Control{Type: avatar.CtlSale, SKU: "cup-02", Price: "49", Stock: intPtr(5), Duration: time.Minute}, avatar.RefusePending},
			{"skip", avatar.Control{Type: avatar.CtlSkip}, ""},
			{"skip again before the boundary", avatar.Control{Type: avatar.CtlSkip}, avatar.RefusePending},
			{"pitch", avatar.Control{Type: avatar.CtlPitch, SKU: "tea-01"}, ""},
			{"same pitch again", avatar.Control{Type: avatar.CtlPitch, SKU: "tea-01"}, avatar.RefusePending},
			{"stock to its value", avatar.Control{Type: avatar.CtlStock, SKU: "tea-01", Stock: intPtr(500)}, avatar.RefuseNoChange},
			{"price to its value", avatar.Control{Type: avatar.CtlPrice, SKU: "tea-01", Price: "99.00"}, avatar.RefuseNoChange},
			{"price above list", avatar.Control{Type: avatar.CtlPrice, SKU: "cup-02", Price: "139.00"}, avatar.RefuseAboveList},
			{"sale price above list", avatar.Control{Type: avatar.CtlSale, SKU: "tea-01", Price: "139", Stock: intPtr(5), Duration: time.Minute}, avatar.RefuseAboveList},
		}
		for _, s := range steps {
			rep := r.control(s.c)
			if s.code == "" && !rep.OK {
				t.Errorf("%s: %+v, want ok", s.name, rep)
			}
			if s.code != "" && (rep.OK || rep.Code != s.code || rep.Error == "") {
				t.Errorf("%s: %+v, want refused %s with a reason", s.name, rep, s.code)
			}
		}
		// Once the sale runs, the same sale again changes nothing.
		r.until(time.Minute, "sale.start", func(evs []avatar.Envelope) bool {
			return slices.ContainsFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventSaleStart })
		})
		for _, s := range []struct {
			name string
			c    avatar.Control
			code string
		}{
			{"second ad-hoc sale of a SKU on sale", avatar.Control{Type: avatar.CtlSale, SKU: "cup-02", Price: "45", Stock: intPtr(9), Duration: time.Minute}, avatar.RefuseAlreadyOn},
			{"pitch a sold-out product", avatar.Control{Type: avatar.CtlStock, SKU: "tea-01", Stock: intPtr(0)}, ""},
			{"", avatar.Control{Type: avatar.CtlPitch, SKU: "tea-01"}, avatar.RefuseSoldOut},
			{"sale of a sold-out product", avatar.Control{Type: avatar.CtlSale, SaleID: "flash-tea"}, avatar.RefuseSoldOut},
			{"unknown control", avatar.Control{Type: "dance"}, avatar.RefuseUnknown},
		} {
			rep := r.control(s.c)
			if s.code == "" && !rep.OK {
				t.Errorf("%s: %+v, want ok", s.name, rep)
			}
			if s.code != "" && (rep.OK || rep.Code != s.code || rep.Error == "") {
				t.Errorf("%s %+v: %+v, want refused %s with a reason", s.name, s.c, rep, s.code)
			}
		}
		// Typed lines queue up to a bound, then are refused.
		var last avatar.ControlReply
		for range maxSays + 1 {
			last = r.control(avatar.Control{Type: avatar.CtlSay, Text: "谢谢大家", Lang: "zh-CN"})
		}
		if last.OK || last.Code != avatar.RefuseQueueFull {
			t.Errorf("say %d times at once: last %+v, want queue_full", maxSays+1, last)
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// literalShow is demo-live with the cup's price line written as the issue
// found it, with a literal amount: "两只装只要64.5元".
func literalShow(t *testing.T) *Program {
	t.Helper()
	path := filepath.Join("..", "..", "scripts", "demo-live.yaml")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(src), "两只装今天五折，只要{price:cup-02}元。", "两只装只要64.5元。", 1)
	text = strings.Replace(text, "Today the pair is half price, just {price:cup-02} yuan.", "The pair is just 64.50 yuan.", 1)
	if text == string(src) {
		t.Fatal("demo-live's cup-price line changed; update literalShow")
	}
	show, probs := script.Parse(path, []byte(text))
	if show == nil || probs.HasErrors() {
		t.Fatalf("literal demo: %v", probs)
	}
	return Compile(show, 1)
}

// TestSkipInAttractLoopRefused: after a museum tour, skip has no segment
// to leave; it is refused, not answered ok.
func TestSkipInAttractLoopRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-museum.yaml"), liveRoom("m", "museum"), &memSink{})
		r.untilSpeech(5*time.Minute, "idle-ask")
		if rep := r.control(avatar.Control{Type: avatar.CtlSkip}); rep.OK || rep.Code != avatar.RefuseNoChange {
			t.Errorf("skip in the attract loop: %+v, want refused no_change", rep)
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFalseLineSkipped: after the merchant changes the cup's price from
// 64.50 to 59.00 (list 129), a scripted line whose price or discount is no
// longer true is not spoken; the skip is audited once per change, with
// what is false (issue 9 item 6).
func TestFalseLineSkipped(t *testing.T) {
	for _, tc := range []struct {
		name string
		prog func(*testing.T) *Program
		want []string // in the audited problems
	}{
		{"literal price 只要64.5元", literalShow, []string{"price-claim", "64.50", "59.00"}},
		{"discount 五折 with {price:cup-02}", func(t *testing.T) *Program { return loadShow(t, "demo-live.yaml") }, []string{"discount-claim", "五折", "59.00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sink := &auditSink{}
				r := startAudited(t, tc.prog(t), sink)
				r.untilSpeech(time.Minute, "greet-hello")
				if rep := r.control(avatar.Control{Type: avatar.CtlPrice, SKU: "cup-02", Price: "59.00"}); !rep.OK {
					t.Fatalf("price: %+v", rep)
				}
				// The state carries the live price, for the API's check of typed lines.
				if st := r.sink.snapshot(); st.Prices["cup-02"] != "59.00" {
					t.Errorf("state prices %v after the price control, want cup-02 at 59.00", st.Prices)
				}
				evs := r.until(5*time.Minute, "two passes of pitch-cup", func(evs []avatar.Envelope) bool {
					n := 0
					for _, l := range spokenLines(evs) {
						if l == "cup-show" {
							n++
						}
					}
					return n >= 2
				})
				if err := r.stop(); err != nil {
					t.Fatal(err)
				}
				for _, e := range evs {
					if e.Type == avatar.EventSpeech && lineOf(e) == "cup-price" {
						t.Fatalf("false line spoken after the price change: %s", e.Data)
					}
				}
				recs := sink.entries()
				n := 0
				for _, rec := range recs {
					if rec.action == "line.skipped" && rec.detail["line"] == "cup-price" {
						n++
						s := fmt.Sprint(rec.detail["problems"])
						for _, w := range tc.want {
							if !strings.Contains(s, w) {
								t.Errorf("audit of the skip says %s, want %q in it", s, w)
							}
						}
					}
				}
				if n != 1 {
					t.Errorf("%d audit records of the skipped line over two passes, want 1 (once per change): %+v", n, recs)
				}
			})
		})
	}
}

// TestFalseAnswerSkipped: an FAQ answer whose literal price a live change
// made false is not spoken either.
func TestFalseAnswerSkipped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join("..", "..", "scripts", "demo-live.yaml")
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Replace(string(src), "龙井现在{price:tea-01}元一罐，茶杯{price:cup-02}元一套。", "茶杯只要64.5元一套。", 1)
		show, probs := script.Parse(path, []byte(text))
		if text == string(src) || show == nil || probs.HasErrors() {
			t.Fatalf("demo with a literal FAQ price: %v", probs)
		}
		sink := &auditSink{}
		r := startAudited(t, Compile(show, 1), sink)
		r.untilSpeech(time.Minute, "greet-hello")
		if rep := r.control(avatar.Control{Type: avatar.CtlPrice, SKU: "cup-02", Price: "59.00"}); !rep.OK {
			t.Fatalf("price: %+v", rep)
		}
		r.p.Input(avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "茶杯多少钱", Name: "小明"}})
		evs := r.untilSpeech(time.Minute, "greet-coupon")
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventReply }) {
			t.Errorf("false answer spoken: %s", summary(evs))
		}
		if !slices.ContainsFunc(sink.entries(), func(e auditEntry) bool { return e.action == "line.skipped" && e.detail["faq"] == "faq-price" }) {
			t.Errorf("no line.skipped audit for the answer: %+v", sink.entries())
		}
	})
}

// TestSoldOutPitchSkipped: once the cup is sold out its segment is not
// pitched, until it is restocked; the skip is audited once per sell-out.
func TestSoldOutPitchSkipped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &auditSink{}
		r := startAudited(t, loadShow(t, "demo-live.yaml"), sink)
		r.untilSpeech(time.Minute, "greet-hello")
		if rep := r.control(avatar.Control{Type: avatar.CtlStock, SKU: "cup-02", Stock: intPtr(0)}); !rep.OK {
			t.Fatalf("stock: %+v", rep)
		}
		evs := r.until(5*time.Minute, "two more greetings", func(evs []avatar.Envelope) bool {
			n := 0
			for _, l := range spokenLines(evs) {
				if l == "greet-hello" {
					n++
				}
			}
			return n >= 3
		})
		for _, l := range spokenLines(evs) {
			if strings.HasPrefix(l, "cup-") {
				t.Fatalf("sold-out cup pitched: %v", spokenLines(evs))
			}
		}
		if !slices.Contains(spokenLines(evs), "sold-out-cup-02") {
			t.Errorf("no sold-out line: %v", spokenLines(evs))
		}
		if rep := r.control(avatar.Control{Type: avatar.CtlStock, SKU: "cup-02", Stock: intPtr(10)}); !rep.OK {
			t.Fatalf("restock: %+v", rep)
		}
		r.untilSpeech(5*time.Minute, "cup-intro")
		// Sold out again: audited again.
		if rep := r.control(avatar.Control{Type: avatar.CtlStock, SKU: "cup-02", Stock: intPtr(0)}); !rep.OK {
			t.Fatalf("stock: %+v", rep)
		}
		r.until(5*time.Minute, "a second pitch.skipped", func([]avatar.Envelope) bool {
			n := 0
			for _, rec := range sink.entries() {
				if rec.action == "pitch.skipped" && rec.detail["sku"] == "cup-02" {
					n++
				}
			}
			return n == 2
		})
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, rec := range sink.entries() {
			if rec.action == "pitch.skipped" {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d pitch.skipped records over two sell-outs and several passes, want 2", n)
		}
	})
}

// TestViewerSetCounts: interest counts are exact up to exactViewers and
// about right (HyperLogLog, 2^hllBits registers) beyond, in bounded memory.
func TestViewerSetCounts(t *testing.T) {
	for _, n := range []int{0, 1, 40, exactViewers, exactViewers + 1, 1000, 10000, 100000} {
		var s viewerSet
		for i := range n {
			s.add(fmt.Sprintf("viewer-%d", i))
			s.add(fmt.Sprintf("viewer-%d", i)) // twice counts once
		}
		got := s.count()
		switch {
		case n <= exactViewers && got != n:
			t.Errorf("%d viewers counted %d, want exactly %d", n, got, n)
		case n > exactViewers && (float64(got) < 0.9*float64(n) || float64(got) > 1.1*float64(n)):
			t.Errorf("%d viewers counted %d, want within 10%%", n, got)
		}
		if n > exactViewers && (s.exact != nil || len(s.regs) != 1<<hllBits) {
			t.Errorf("%d viewers: %d exact ids and %d registers, want only the %d registers", n, len(s.exact), len(s.regs), 1<<hllBits)
		}
	}
	s := viewerSet{base: 1203}
	s.add("v")
	if got := s.count(); got != 1204 {
		t.Errorf("count with a base of 1203 and one viewer = %d, want 1204", got)
	}
}

// BenchmarkViewerSetAdd is the cost of counting one cart intent, for a
// crowd past the exact set (HyperLogLog).
func BenchmarkViewerSetAdd(b *testing.B) {
	ids := make([]string, 4096)
	for i := range ids {
		ids[i] = fmt.Sprintf("9a03e9cc-a31e-401f-8133-%012d", i)
	}
	var s viewerSet
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.add(ids[i%len(ids)])
		i++
	}
}
