package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// orderRequest is the body of POST /api/v1/rooms/{room}/orders, the shape
// a commerce platform's order webhook sends.
type orderRequest struct {
	OrderID string `json:"order_id"`
	SKU     string `json:"sku"`
	Qty     int    `json:"qty"`
}

// Limits on orders.
const (
	maxOrderKey = 255
	maxOrderQty = 100000
)

// postOrder applies one order from the merchant's commerce platform: qty
// units of sku leave the room's live stock, once per idempotency key (the
// Idempotency-Key header, else order_id). A replay of an applied order
// answers 200 with the original result and "replayed": true; an order
// beyond the stock is refused 409 out_of_stock and not kept, so it may be
// retried after a restock.
//
// The record goes in the orders bucket as pending before the director is
// asked, and is completed after; a replay that finds it pending for longer
// than the control timeout (the first request died midway) asks the
// director again with the same key, and the director, which remembers the
// last orders in its cursor across takeovers, answers with the stock the
// order left instead of applying it twice.
func (a *API) postOrder(w http.ResponseWriter, r *http.Request) {
	var req orderRequest
	if !a.decodeJSON(w, r, &req) {
		return
	}
	rm, _, ok := a.ownRoom(w, r)
	if !ok {
		return
	}
	key := r.Header.Get("Idempotency-Key")
	var ps []Problem
	switch {
	case key != "" && req.OrderID != "" && key != req.OrderID:
		ps = append(ps, fieldProblem("order_id", "key-mismatch", "the Idempotency-Key header %q and order_id %q differ; send one, or the same in both", key, req.OrderID))
	case key == "":
		key = req.OrderID
	}
	switch {
	case key == "":
		ps = append(ps, fieldProblem("order_id", "required", "an order needs an idempotency key: the Idempotency-Key header or order_id"))
	case len(key) > maxOrderKey || slices.ContainsFunc([]rune(key), unicode.IsControl):
		ps = append(ps, fieldProblem("order_id", "bad-key", "the idempotency key must be 1-%d bytes without control characters", maxOrderKey))
	}
	if req.Qty < 1 || req.Qty > maxOrderQty {
		ps = append(ps, fieldProblem("qty", "bad-qty", "qty must be a whole number from 1 to %d", maxOrderQty))
	}
	show, _, err := a.loadShow(r, rm.Merchant, rm.Show, rm.Version)
	if err != nil && !errors.Is(err, errStale) {
		a.internal(w, r, err)
		return
	}
	switch {
	case req.SKU == "":
		ps = append(ps, fieldProblem("sku", "required", "sku is required"))
	case show == nil || !slices.ContainsFunc(show.Catalog, func(p script.Product) bool { return p.SKU == req.SKU }):
		ps = append(ps, fieldProblem("sku", "unknown-sku", "sku %q is not in the catalog of the room's script", req.SKU))
	}
	if len(ps) > 0 {
		a.fail(w, r, http.StatusBadRequest, "bad_request", ps[0].Message, ps...)
		return
	}
	sum := sha256.Sum256([]byte(key))
	digest := hex.EncodeToString(sum[:16])
	rec := avatar.Order{OrderID: key, SKU: req.SKU, Qty: req.Qty, At: a.cfg.Now().UTC(), RequestID: requestID(r)}
	rev, prev, err := a.claimOrder(r.Context(), rm.ID, digest, rec)
	switch {
	case err != nil:
		a.internal(w, r, err)
		return
	case prev != nil && (prev.SKU != req.SKU || prev.Qty != req.Qty):
		a.fail(w, r, http.StatusUnprocessableEntity, "idempotency_conflict",
			fmt.Sprintf("order %q was already sent as %d of %s; an idempotency key names one order", key, prev.Qty, prev.SKU))
		return
	case prev != nil && prev.Done:
		a.writeJSON(w, http.StatusOK, orderResult(rm.ID, *prev, true))
		return
	case prev != nil:
		w.Header().Set("Retry-After", strconv.Itoa(int(a.cfg.ControlTimeout/time.Second)+1))
		a.fail(w, r, http.StatusConflict, "order_in_progress", fmt.Sprintf("order %q is being applied; retry shortly with the same key", key))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.cfg.ControlTimeout)
	defer cancel()
	c := avatar.Control{Type: avatar.CtlOrder, Room: rm.ID, By: rm.Merchant, SKU: req.SKU, Qty: req.Qty, OrderID: digest, TS: rec.At}
	reply, err := a.bus.Control(ctx, c)
	forget := func() {
		// Nothing was applied: the key is free for a retry.
		if err := a.bus.DeleteOrder(context.WithoutCancel(r.Context()), rm.ID, digest, rev); err != nil {
			a.log.Warn("forget unapplied order", zap.String("request_id", requestID(r)), zap.Error(err))
		}
	}
	switch {
	case errors.Is(err, bus.ErrNoDirector):
		forget()
		a.fail(w, r, http.StatusServiceUnavailable, "no_director", fmt.Sprintf("no director is playing room %s right now; retry with the same key", rm.ID))
		return
	case err != nil:
		// The director may or may not have applied it: keep the pending
		// record; a retry with the same key finds out without applying twice.
		a.log.Warn("order not confirmed", zap.String("request_id", requestID(r)), zap.Error(err))
		a.fail(w, r, http.StatusServiceUnavailable, "order_unconfirmed", "the order could not be confirmed; retry with the same key")
		return
	case !reply.OK:
		forget()
		code := reply.Code
		if code == "" {
			code = "refused"
		}
		a.record(r, "order", string(rm.ID), map[string]any{"order_id": key, "sku": req.SKU, "qty": req.Qty, "result": "refused", "code": code, "error": reply.Error})
		a.fail(w, r, http.StatusConflict, code, "the director refused: "+reply.Error)
		return
	}
	rec.Done, rec.Seq = true, reply.Seq
	if reply.Stock != nil {
		rec.Stock = *reply.Stock
	}
	if _, err := a.bus.UpdateOrder(context.WithoutCancel(r.Context()), rm.ID, digest, rec, rev); err != nil {
		// Applied, but the record stays pending: a replay asks the director,
		// which remembers the order.
		a.log.Warn("store order result", zap.String("request_id", requestID(r)), zap.Error(err))
	}
	a.record(r, "order", string(rm.ID), map[string]any{"order_id": key, "sku": req.SKU, "qty": req.Qty, "result": "applied",
		"stock": rec.Stock, "seq": rec.Seq, "replayed": reply.Replayed})
	a.writeJSON(w, http.StatusOK, orderResult(rm.ID, rec, reply.Replayed))
}

// claimOrder stores rec as the pending record of room's order with digest and returns its
// revision, or returns the record already there (prev) for the caller to
// answer from. A pending record older than the control timeout is taken
// over: its request died before it knew what the director did.
func (a *API) claimOrder(ctx context.Context, room avatar.RoomID, digest string, rec avatar.Order) (uint64, *avatar.Order, error) {
	for range 3 {
		rev, err := a.bus.CreateOrder(ctx, room, digest, rec)
		if err == nil {
			return rev, nil, nil
		}
		if !errors.Is(err, bus.ErrExists) {
			return 0, nil, fmt.Errorf("api: %w", err)
		}
		prev, prevRev, err := a.bus.Order(ctx, room, digest)
		if errors.Is(err, bus.ErrNotFound) {
			continue // forgotten meanwhile
		}
		if err != nil {
			return 0, nil, fmt.Errorf("api: %w", err)
		}
		stale := !prev.Done && rec.At.Sub(prev.At) > 2*a.cfg.ControlTimeout
		if !stale || prev.SKU != rec.SKU || prev.Qty != rec.Qty {
			return 0, &prev, nil
		}
		if rev, err := a.bus.UpdateOrder(ctx, room, digest, rec, prevRev); err == nil {
			return rev, nil, nil
		}
	}
	return 0, nil, fmt.Errorf("api: order %s: contended", avatar.OrderKey(room, digest))
}

func orderResult(room avatar.RoomID, rec avatar.Order, replayed bool) map[string]any {
	out := map[string]any{"ok": true, "room": room, "order_id": rec.OrderID, "sku": rec.SKU, "qty": rec.Qty, "stock": rec.Stock, "seq": rec.Seq}
	if replayed {
		out["replayed"] = true
	}
	return out
}
