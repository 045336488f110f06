package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestServeCartIntentsAndOrders runs issue 9 item 2 end to end through
// `serve` (gateway, director and embedded NATS): during a 30-unit flash
// sale, 1,000 add-to-cart frames from fresh WebSockets are each answered
// cart.ok and counted as wanted, but take no stock and do not end the sale;
// an order through the API takes stock once, its replay answers the
// original result, and an order beyond the stock is refused 409.
func TestServeCartIntentsAndOrders(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 sockets")
	}
	const tok = "demo-token-for-tests-0123456789"
	s := startServeEnv(t, filepath.Join(t.TempDir(), "data"), map[string]string{"AVATARCAST_DEMO_TOKEN": tok}, &syncBuffer{}, "-log-level", "warn")
	watch := dial(t, s, "room=demo-live")
	watch.hello()
	var code int
	var m map[string]any
	for range 50 {
		code, m = apiCall(t, s, tok, "POST", "/api/v1/rooms/demo-live/sale", "application/json", `{"sku":"tea-01","price":"79","stock":30,"duration":"10m"}`)
		if code != http.StatusServiceUnavailable {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code != 200 {
		t.Fatalf("sale: HTTP %d %v", code, m)
	}
	for {
		if e := watch.next(30 * time.Second); e.Type == avatar.EventSaleStart {
			break
		}
	}

	// 1,000 fresh sockets, 8 at a time, each sending one cart intent.
	const carts = 1000
	var okN atomic.Int64
	var failed atomic.Bool // stop at the first socket that goes wrong
	var wg sync.WaitGroup
	work := make(chan int)
	url := "ws" + strings.TrimPrefix(s.base, "http") + "/ws?room=demo-live"
	for range 8 {
		wg.Go(func() {
			for range work {
				if failed.Load() {
					continue
				}
				conn, _, err := websocket.DefaultDialer.Dial(url, nil)
				if err != nil {
					failed.Store(true)
					t.Errorf("dial: %v", err)
					continue
				}
				if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"cart","data":{"sku":"tea-01"}}`)); err != nil {
					t.Errorf("send cart: %v", err)
				}
				_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
				for {
					_, data, err := conn.ReadMessage()
					if err != nil {
						failed.Store(true)
						t.Errorf("no cart.ok: %v", err)
						break
					}
					if strings.Contains(string(data), `"type":"cart.ok"`) {
						okN.Add(1)
						break
					}
				}
				conn.Close()
			}
		})
	}
	for i := range carts {
		work <- i
	}
	close(work)
	wg.Wait()
	if n := okN.Load(); n != carts {
		t.Fatalf("%d of %d cart frames answered cart.ok", n, carts)
	}

	// The watcher sees the sale's wanted count grow, never a sell-out.
	wanted := 0
	deadline := time.Now().Add(10 * time.Second)
	for wanted < carts*95/100 && time.Now().Before(deadline) {
		e := watch.next(10 * time.Second)
		switch e.Type {
		case avatar.EventSaleUpdate:
			var sl avatar.Sale
			_ = json.Unmarshal(e.Data, &sl)
			if sl.Stock != 30 {
				t.Fatalf("sale.update after cart intents: %s, want 30 units left", e.Data)
			}
			wanted = sl.Wanted
		case avatar.EventSaleEnd:
			t.Fatalf("sale ended after cart intents: %s", e.Data)
		}
	}
	// About: the count is exact to 256 then a HyperLogLog (~3%), and a
	// director far behind drops viewer input rather than queue it.
	if wanted < carts/2 || wanted > carts*11/10 {
		t.Errorf("sale wanted %d after %d viewers' intents, want about %d", wanted, carts, carts)
	}
	t.Logf("wanted after %d intents: %d", carts, wanted)

	// Orders: stock 500 untouched by intents, taken once per order.
	order := func(body string) (int, map[string]any) {
		return apiCall(t, s, tok, "POST", "/api/v1/rooms/demo-live/orders", "application/json", body)
	}
	code, first := order(`{"order_id":"shop-1","sku":"tea-01","qty":1}`)
	if code != 200 || first["stock"] != 499.0 {
		t.Fatalf("order: HTTP %d %v, want 499 left (500 less 1; the intents took none)", code, first)
	}
	code, again := order(`{"order_id":"shop-1","sku":"tea-01","qty":1}`)
	if code != 200 || again["stock"] != 499.0 || again["replayed"] != true || again["seq"] != first["seq"] {
		t.Errorf("same order again: HTTP %d %v, want 200 with the original result", code, again)
	}
	if code, m := order(`{"order_id":"shop-2","sku":"tea-01","qty":500}`); code != http.StatusConflict || !strings.Contains(toJSON(m), "out_of_stock") {
		t.Errorf("order beyond stock: HTTP %d %v, want 409 out_of_stock", code, m)
	}
	if code, m := order(`{"order_id":"shop-3","sku":"tea-01","qty":1}`); code != 200 || m["stock"] != 498.0 {
		t.Errorf("next order: HTTP %d %v, want 498 left", code, m)
	}

	// Items 6, 7, 8 through the same serve: no silent no-ops, no price above
	// list, no made-up price in a typed line.
	for _, c := range []struct {
		path, body string
		status     int
		code       string
	}{
		{"price", `{"sku":"cup-02","price":"139.00"}`, 409, "above_list"},
		{"sale", `{"sku":"tea-01","price":"69","stock":5,"duration":"1m"}`, 409, "already_on_sale"},
		{"stock", `{"sku":"tea-01","stock":498}`, 409, "no_change"},
		{"say", `{"text":"龙井只要9元"}`, 422, "unprocessable"},
		{"notice", `{"text":"今天半价"}`, 422, "unprocessable"},
		{"price", `{"sku":"cup-02","price":"59.00"}`, 200, ""},
	} {
		code, m := apiCall(t, s, tok, "POST", "/api/v1/rooms/demo-live/"+c.path, "application/json", c.body)
		got, _ := m["error"].(map[string]any)
		if code != c.status || (c.code != "" && got["code"] != c.code) {
			t.Errorf("%s %s: HTTP %d %v, want %d %s", c.path, c.body, code, m, c.status, c.code)
		}
	}
	_, audit := apiCall(t, s, tok, "GET", "/api/v1/audit?limit=50", "", "")
	refused := 0
	for _, x := range audit["records"].([]any) {
		rec := x.(map[string]any)
		if d, _ := rec["detail"].(map[string]any); d["result"] == "refused" && strings.HasPrefix(rec["action"].(string), "control.") {
			refused++
		}
	}
	if refused != 3 {
		t.Errorf("%d refused controls in the audit trail, want 3", refused)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
