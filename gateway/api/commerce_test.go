package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/gateway/api"
)

// listedTea is the tea script with a list price, so discount claims can
// be checked: tea-01 costs 99, lists at 129, sells at 79 in flash-tea.
func listedTea(t testing.TB) []byte {
	return []byte(strings.Replace(string(teaScript(t)), "    price: 99\n", "    price: 99\n    list_price: 129\n", 1))
}

// startRoom stores the listed tea script and a playing livestream room id.
func (e *env) startRoom(id string) {
	e.t.Helper()
	e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", listedTea(e.t)), 201, "script")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"`+id+`","kind":"livestream","script":"tea"}`)), 201, "room")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/"+id+"/start", "", nil), 200, "start")
}

func (e *env) auditDetails(action string) []map[string]any {
	e.t.Helper()
	recs := e.want(e.do(tokenA, "GET", "/api/v1/audit?limit=500", "", nil), 200, "audit").json(e.t)["records"].([]any)
	var out []map[string]any
	for _, x := range recs {
		m := x.(map[string]any)
		if m["action"] == action {
			d, _ := m["detail"].(map[string]any)
			out = append(out, d)
		}
	}
	return out
}

// TestTypedLinesCheckLivePrices: a merchant's typed say and notice are
// checked for prices and discounts against the live catalog in the room's
// state, as a scripted line is (issue 9 item 7: "龙井只要9元" and "今天半价"
// went on air).
func TestTypedLinesCheckLivePrices(t *testing.T) {
	e := newEnv(t)
	e.startRoom("live1")
	d := startDirector(t, e.b, "live1")
	// The director has changed tea-01's price to 89 and shows its card.
	if err := e.b.SaveState(t.Context(), "live1", avatar.State{Seq: 7, Status: "playing", Prices: map[string]string{"tea-01": "89.00"},
		Product: &avatar.Product{SKU: "tea-01", Price: "89.00", ListPrice: "129.00"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, body string
		want       int
		code       string
	}{
		{"say", `{"text":"龙井只要9元"}`, 422, "price-claim"},
		{"notice", `{"text":"今天半价"}`, 422, "discount-claim"},
		{"say", `{"text":"今天只要99元"}`, 422, "price-claim"}, // the catalog's price, no longer true
		{"say", `{"text":"今天只要89元，原价129元"}`, 200, ""},
		{"notice", `{"text":"秒杀价79元"}`, 200, ""},
		{"say", `{"text":"全网最低，只要9元"}`, 422, "absolute-claim"},
		{"say", `{"text":"龙井只要9元","reason":"quoting a viewer's question to correct it"}`, 200, ""},
	} {
		r := e.do(tokenA, "POST", "/api/v1/rooms/live1/"+tc.path, "application/json", []byte(tc.body))
		if r.status != tc.want {
			t.Errorf("POST %s %s: HTTP %d, want %d: %s", tc.path, tc.body, r.status, tc.want, r.body)
			continue
		}
		if tc.code == "" {
			continue
		}
		var eb struct{ Problems []api.Problem }
		_ = json.Unmarshal(r.body, &eb)
		if len(eb.Problems) == 0 || eb.Problems[0].Code != tc.code || eb.Problems[0].Field != "text" || eb.Problems[0].Col < 1 {
			t.Errorf("POST %s %s: problems %+v, want %s first, on text with a column", tc.path, tc.body, eb.Problems, tc.code)
		}
	}
	if n := len(d.controls()); n != 3 {
		t.Errorf("director got %d controls, want the 3 accepted", n)
	}
	says := e.auditDetails("control.say")
	if len(says) == 0 || says[0]["price_claims"] == nil || says[0]["reason"] == "" {
		t.Errorf("acknowledged price claim audited as %v, want its findings and reason", says)
	}
}

// TestRefusedControlsAudited: a control the director refuses answers 409
// with the director's code, and the audit says it was refused (issue 9
// item 8: a no-op answered ok and was audited as applied).
func TestRefusedControlsAudited(t *testing.T) {
	e := newEnv(t)
	e.startRoom("live1")
	serveControls(t, e.b, "live1", func(avatar.Control) avatar.ControlReply {
		return avatar.ControlReply{Code: avatar.RefuseAlreadyOn, Error: "sale: flash sale ctl-tea-01 of tea-01 is running"}
	})
	r := e.do(tokenA, "POST", "/api/v1/rooms/live1/sale", "application/json", []byte(`{"sku":"tea-01","price":"69.00","stock":20,"duration":"2m"}`))
	if r.status != http.StatusConflict || r.errCode(t) != avatar.RefuseAlreadyOn || !strings.Contains(string(r.body), "running") {
		t.Errorf("refused sale: HTTP %d %s, want 409 already_on_sale with the reason", r.status, r.body)
	}
	recs := e.auditDetails("control.sale")
	if len(recs) != 1 || recs[0]["result"] != "refused" || recs[0]["code"] != avatar.RefuseAlreadyOn {
		t.Errorf("audit of the refused sale: %v, want result refused with its code", recs)
	}
}

// orderDirector answers orders as the director does: stock goes down once
// per order id, an order beyond the stock is refused.
type orderDirector struct {
	mu     sync.Mutex
	stock  int
	done   map[string]int
	orders int // order controls received
}

func startOrderDirector(t *testing.T, b *bus.Bus, room avatar.RoomID, stock int) *orderDirector {
	d := &orderDirector{stock: stock, done: map[string]int{}}
	serveControls(t, b, room, func(c avatar.Control) avatar.ControlReply {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.orders++
		var r avatar.ControlReply
		switch n, ok := d.done[c.OrderID]; {
		case c.Type != avatar.CtlOrder || c.Qty < 1 || len(c.OrderID) != 32:
			r = avatar.ControlReply{Code: avatar.RefuseInvalid, Error: "bad order control"}
		case ok:
			r = avatar.ControlReply{OK: true, Stock: &n, Replayed: true, Seq: 9}
		case c.Qty > d.stock:
			r = avatar.ControlReply{Code: avatar.RefuseOutOfStock, Error: "order: too many"}
		default:
			d.stock -= c.Qty
			n := d.stock
			d.done[c.OrderID] = n
			r = avatar.ControlReply{OK: true, Stock: &n, Seq: 9}
		}
		return r
	})
	return d
}

func (d *orderDirector) count() (orders, stock int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.orders, d.stock
}

// TestOrdersIdempotent: the order feed takes stock once per idempotency
// key; a replay answers 200 with the original result without asking the
// director; a key reused for another order, a bad order and one beyond the
// stock are refused.
func TestOrdersIdempotent(t *testing.T) {
	e := newEnv(t)
	e.startRoom("live1")
	order := func(key, body string) resp {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/rooms/live1/orders", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokenA)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		res, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := res.Body.Read(buf)
			b.WriteString(string(buf[:n]))
			if err != nil {
				break
			}
		}
		return resp{status: res.StatusCode, header: res.Header, body: []byte(b.String())}
	}
	// No director: 503, and the key stays free.
	if r := order("", `{"order_id":"shop-1","sku":"tea-01","qty":2}`); r.status != 503 {
		t.Fatalf("order with no director: HTTP %d %s, want 503", r.status, r.body)
	}
	d := startOrderDirector(t, e.b, "live1", 10)
	first := e.want(order("", `{"order_id":"shop-1","sku":"tea-01","qty":2}`), 200, "order").json(t)
	if first["stock"] != 8.0 || first["replayed"] != nil {
		t.Errorf("first order: %v, want stock 8", first)
	}
	again := e.want(order("shop-1", `{"sku":"tea-01","qty":2}`), 200, "same order by header").json(t)
	if again["stock"] != 8.0 || again["replayed"] != true || again["seq"] != first["seq"] {
		t.Errorf("replayed order: %v, want the original result, replayed", again)
	}
	if n, stock := d.count(); n != 1 || stock != 8 {
		t.Errorf("director got %d orders, stock %d; want 1 order, 8 left", n, stock)
	}
	if r := order("shop-1", `{"sku":"tea-01","qty":3}`); r.status != 422 || r.errCode(t) != "idempotency_conflict" {
		t.Errorf("key reused for another order: HTTP %d %s, want 422 idempotency_conflict", r.status, r.body)
	}
	if r := order("shop-2", `{"order_id":"shop-3","sku":"tea-01","qty":1}`); r.status != 400 {
		t.Errorf("header and order_id differ: HTTP %d, want 400", r.status)
	}
	for _, body := range []string{`{"sku":"tea-01","qty":1}`, `{"order_id":"x","sku":"tea-99","qty":1}`, `{"order_id":"x","sku":"tea-01","qty":0}`} {
		if r := order("", body); r.status != 400 {
			t.Errorf("order %s: HTTP %d, want 400", body, r.status)
		}
	}
	if r := order("", `{"order_id":"shop-4","sku":"tea-01","qty":9}`); r.status != 409 || r.errCode(t) != avatar.RefuseOutOfStock {
		t.Errorf("order beyond stock: HTTP %d %s, want 409 out_of_stock", r.status, r.body)
	}
	// A refused order is not kept: after a restock the same key goes through.
	d.mu.Lock()
	d.stock = 20
	d.mu.Unlock()
	if r := e.want(order("", `{"order_id":"shop-4","sku":"tea-01","qty":9}`), 200, "order after restock").json(t); r["stock"] != 11.0 {
		t.Errorf("order after restock: %v, want 11 left", r)
	}
	// Another merchant cannot order in the room.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/rooms/live1/orders", strings.NewReader(`{"order_id":"b-1","sku":"tea-01","qty":1}`))
	req.Header.Set("Authorization", "Bearer "+tokenB)
	req.Header.Set("Content-Type", "application/json")
	if res, err := e.srv.Client().Do(req); err != nil || res.StatusCode != 404 {
		t.Errorf("order by another merchant: %v %v, want 404", res.StatusCode, err)
	} else {
		res.Body.Close()
	}
	// A request died after the director applied its order but before the
	// result was stored: the record is pending. A replay after the control
	// timeout asks the director, which remembers the order: nothing is
	// taken twice.
	sum := sha256.Sum256([]byte("shop-5"))
	digest := hex.EncodeToString(sum[:16])
	d.mu.Lock()
	d.stock -= 1
	d.done[digest] = d.stock
	d.mu.Unlock()
	pending := avatar.Order{OrderID: "shop-5", SKU: "tea-01", Qty: 1, Done: false, At: time.Now().Add(-time.Minute)}
	if _, err := e.b.CreateOrder(t.Context(), "live1", digest, pending); err != nil {
		t.Fatal(err)
	}
	if r := e.want(order("shop-5", `{"sku":"tea-01","qty":1}`), 200, "replay of a pending order").json(t); r["stock"] != 10.0 || r["replayed"] != true {
		t.Errorf("replay of an order applied but not recorded: %v, want replayed with 10 left", r)
	}
	if _, stock := d.count(); stock != 10 {
		t.Errorf("stock %d after the replay, want 10 (taken once)", stock)
	}
	recs := e.auditDetails("order")
	if len(recs) != 4 {
		t.Errorf("audit has %d order records, want 4 (applied, refused, applied, replayed): %v", len(recs), recs)
	}
}
