package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// controlRequest is the body of every live control; which fields a control
// needs depends on its type.
type controlRequest struct {
	SKU      string          `json:"sku"`
	SaleID   string          `json:"sale_id"`
	Price    json.RawMessage `json:"price"` // "79.00" or 79
	Stock    *int            `json:"stock"`
	Duration json.RawMessage `json:"duration"` // "5m" or seconds
	Text     string          `json:"text"`
	Lang     string          `json:"lang"`
	Ref      string          `json:"ref"`
	// Placement is where a say's line goes: next (default), queue, now.
	Placement avatar.Placement `json:"placement"`
	// Reason acknowledges the advertising-law findings in Text: the line
	// is sent anyway and the reason is kept in the audit trail.
	Reason string `json:"reason"`
}

func (a *API) controlHandler(t avatar.ControlType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req controlRequest
		if t != avatar.CtlSkip && t != avatar.CtlClear || r.ContentLength != 0 {
			if !a.decodeJSON(w, r, &req) {
				return
			}
		}
		rm, _, ok := a.ownRoom(w, r)
		if !ok {
			return
		}
		if rm.Status == avatar.RoomStopped {
			a.fail(w, r, http.StatusConflict, "room_stopped", fmt.Sprintf("room %s is stopped; start it first", rm.ID))
			return
		}
		show, _, err := a.loadShow(r, rm.Merchant, rm.Show, rm.Version)
		if errors.Is(err, errStale) {
			a.fail(w, r, http.StatusConflict, "invalid_script", "the room's script cannot be played: "+err.Error())
			return
		}
		if err != nil {
			a.internal(w, r, err)
			return
		}
		c := avatar.Control{Type: t, Room: rm.ID, By: rm.Merchant, TS: a.cfg.Now().UTC()}
		var live *avatar.State
		if t == avatar.CtlSay || t == avatar.CtlNotice {
			// Typed lines are checked against the live prices the director
			// keeps in the room's state snapshot.
			st, ok, err := a.bus.LoadState(r.Context(), rm.ID)
			if err != nil {
				a.internal(w, r, err)
				return
			}
			if ok {
				live = &st
			}
		}
		status, ps, claims, prices := a.checkControl(&c, req, show, live)
		if len(ps) > 0 {
			code := "bad_request"
			if status == http.StatusUnprocessableEntity {
				code = "unprocessable"
			}
			a.fail(w, r, status, code, ps[0].Message, ps...)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), a.cfg.ControlTimeout)
		defer cancel()
		reply, err := a.bus.Control(ctx, c)
		switch {
		case errors.Is(err, bus.ErrNoDirector):
			a.fail(w, r, http.StatusServiceUnavailable, "no_director", fmt.Sprintf("no director is playing room %s right now; try again shortly", rm.ID))
			return
		case errors.Is(err, bus.ErrBadReply):
			a.fail(w, r, http.StatusBadGateway, "bad_director_reply", "the director's answer could not be read")
			return
		case err != nil:
			a.internal(w, r, err)
			return
		case !reply.OK:
			code := reply.Code
			if code == "" {
				code = "refused"
			}
			// Refused controls are audited too: the record says which.
			a.record(r, "control."+string(t), string(rm.ID), map[string]any{"control": c, "result": "refused", "code": code, "error": reply.Error})
			a.fail(w, r, http.StatusConflict, code, "the director refused: "+reply.Error)
			return
		}
		detail := map[string]any{"control": c, "seq": reply.Seq, "result": "applied"}
		if len(claims) > 0 || len(prices) > 0 {
			detail["reason"] = req.Reason
		}
		if len(claims) > 0 {
			detail["claims"] = claims
		}
		if len(prices) > 0 {
			detail["price_claims"] = prices
		}
		a.record(r, "control."+string(t), string(rm.ID), detail)
		a.writeJSON(w, http.StatusOK, map[string]any{"ok": true, "room": rm.ID, "type": t, "seq": reply.Seq})
	}
}

// checkControl fills c from req and checks it: the contract's rules
// (avatar.Control.Check, which the director applies too), then against the
// room's show and, for typed lines, the live prices in the room's state
// live (nil if none yet). It returns the status and problems to refuse with, and any
// acknowledged advertising and price claims to record.
func (a *API) checkControl(c *avatar.Control, req controlRequest, show *script.Show, live *avatar.State) (int, []Problem, []script.Claim, []script.PriceFinding) {
	var ps []Problem
	bad := func(field, code, format string, args ...any) {
		ps = append(ps, fieldProblem(field, code, format, args...))
	}
	hasSKU := func() bool {
		return show != nil && slices.ContainsFunc(show.Catalog, func(p script.Product) bool { return p.SKU == req.SKU })
	}
	needSKU := func() {
		switch {
		case req.SKU == "":
			bad("sku", "required", "sku is required")
		case !hasSKU():
			bad("sku", "unknown-sku", "sku %q is not in the catalog of the room's script", req.SKU)
		}
		c.SKU = req.SKU
	}
	needPrice := func() {
		p, err := parsePrice(req.Price)
		if err != nil {
			bad("price", "bad-price", "%v", err)
		}
		c.Price = p
	}
	var claims []script.Claim
	var prices []script.PriceFinding
	needText := func() {
		c.Text = strings.TrimSpace(req.Text)
		claims = script.FindClaims(c.Text)
		if show != nil && show.Kind == script.KindLivestream {
			for _, f := range script.CheckPrices(c.Text, livePrices(show, live)) {
				if f.Severity == script.SevError {
					prices = append(prices, f)
				}
			}
		}
	}
	switch c.Type {
	case avatar.CtlSkip, avatar.CtlClear:
	case avatar.CtlPitch:
		needSKU()
	case avatar.CtlStock:
		needSKU()
		c.Stock = req.Stock
	case avatar.CtlPrice:
		needSKU()
		needPrice()
	case avatar.CtlSale:
		if req.SaleID != "" {
			if req.SKU != "" || len(req.Price) > 0 || req.Stock != nil || len(req.Duration) > 0 {
				bad("sale_id", "sale-conflict", "give sale_id for a sale of the script, or sku, price, stock and duration for a new one, not both")
			}
			if show == nil || !slices.ContainsFunc(show.Sales, func(s script.Sale) bool { return s.ID == req.SaleID }) {
				bad("sale_id", "unknown-sale", "sale %q is not in the script", req.SaleID)
			}
			c.SaleID = req.SaleID
			break
		}
		needSKU()
		needPrice()
		c.Stock = req.Stock
		d, err := parseDuration(req.Duration)
		if err != nil {
			bad("duration", "bad-duration", "%v", err)
		}
		c.Duration = d
	case avatar.CtlSay:
		needText()
		c.Lang = req.Lang
		c.Placement = req.Placement
		if c.Lang != "" && show != nil && !slices.Contains(show.Languages, c.Lang) {
			bad("lang", "unknown-lang", "lang %q is not one of the script's languages %v", c.Lang, show.Languages)
		}
	case avatar.CtlLang:
		c.Lang = req.Lang
		if c.Lang != "" && show != nil && !slices.Contains(show.Languages, c.Lang) {
			bad("lang", "unknown-lang", "lang %q is not one of the script's languages %v", c.Lang, show.Languages)
		}
	case avatar.CtlNotice:
		needText()
		c.Ref = req.Ref
	}
	// The contract's rules, for the fields not already found wrong above.
	for _, p := range c.Check() {
		if !slices.ContainsFunc(ps, func(q Problem) bool { return q.Field == p.Field }) {
			bad(p.Field, p.Code, "%s", p.Msg)
		}
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return fieldOrder(a.Field) - fieldOrder(b.Field) })
	if len(ps) > 0 {
		return http.StatusBadRequest, ps, nil, nil
	}
	if (len(claims) > 0 || len(prices) > 0) && !script.AckReasonOK(req.Reason) {
		// The same bar as a script's acks: a written reason, not "ok".
		ack := fmt.Sprintf("send a reason of at least %d characters to acknowledge it", script.MinAckReason)
		if strings.TrimSpace(req.Reason) != "" {
			ack = fmt.Sprintf("the reason given is shorter than %d characters", script.MinAckReason)
		}
		for _, cl := range claims {
			ps = append(ps, Problem{Line: 1, Col: utf8.RuneCountInString(c.Text[:cl.At]) + 1, Field: "text", Severity: "error",
				Code: cl.Code, Message: fmt.Sprintf("%q %s; rephrase, or %s", cl.Phrase, cl.Reason, ack), Rule: cl.Rule})
		}
		for _, f := range prices {
			ps = append(ps, Problem{Line: 1, Col: utf8.RuneCountInString(c.Text[:f.At]) + 1, Field: "text", Severity: "error",
				Code: f.Code, Message: "the text " + f.Msg + "; use {price:SKU}, rephrase, or " + ack, Rule: f.Rule})
		}
		slices.SortStableFunc(ps, func(a, b Problem) int { return a.Col - b.Col })
		return http.StatusUnprocessableEntity, ps, nil, nil
	}
	return 0, nil, claims, prices
}

// livePrices are the facts a typed line is checked against: the product on
// screen (else every product of the catalog) at its live price, the
// script's flash sales and the running one, and the coupons. Live prices
// come from the state snapshot: the card on screen and Prices, which the
// director keeps for every price the merchant changed.
func livePrices(show *script.Show, st *avatar.State) script.PriceFacts {
	f := script.PriceFacts{Sales: slices.Clip(show.Sales), Coupons: show.Coupons}
	onScreen := ""
	if st != nil && st.Product != nil {
		onScreen = st.Product.SKU
	}
	for _, pr := range show.Catalog {
		if onScreen != "" && pr.SKU != onScreen && slices.ContainsFunc(show.Catalog, func(p script.Product) bool { return p.SKU == onScreen }) {
			continue
		}
		if st != nil {
			if s, ok := st.Prices[pr.SKU]; ok {
				if m, err := script.ParseMoney(s); err == nil {
					pr.Price = m
				}
			}
			if st.Product != nil && st.Product.SKU == pr.SKU {
				if m, err := script.ParseMoney(st.Product.Price); err == nil {
					pr.Price = m
				}
			}
		}
		f.Products = append(f.Products, pr)
	}
	if st != nil && st.Sale != nil {
		if m, err := script.ParseMoney(st.Sale.Price); err == nil {
			f.Sales = append(f.Sales, script.Sale{ID: st.Sale.ID, SKU: st.Sale.SKU, Price: m})
		}
	}
	return f
}

// parsePrice reads a price given as a decimal string or a number.
func parsePrice(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", errors.New(`price is required, as a decimal such as "79.00"`)
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
	}
	m, err := script.ParseMoney(s)
	if err != nil || m <= 0 {
		return "", fmt.Errorf(`price %s is not a positive amount such as "79.00"`, s)
	}
	return m.String(), nil
}

// parseDuration reads a duration given as "5m" or as seconds.
func parseDuration(raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, errors.New(`duration is required, as "5m" or seconds`)
	}
	var d time.Duration
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("duration %q: %v", s, err)
		}
	} else {
		sec, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return 0, fmt.Errorf("duration %s is not a number of seconds", raw)
		}
		d = time.Duration(sec * float64(time.Second))
	}
	return d, nil // its range is avatar.Control.Check's
}

// fieldOrder is the order of a control's fields in a list of problems.
func fieldOrder(field string) int {
	return slices.Index([]string{"sale_id", "sku", "price", "stock", "duration", "text", "lang", "ref", "placement"}, field)
}
