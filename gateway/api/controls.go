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
	"unicode"
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
	// Reason acknowledges the advertising-law findings in Text: the line
	// is sent anyway and the reason is kept in the audit trail.
	Reason string `json:"reason"`
}

// Limits on what a merchant types live.
const (
	maxSayBytes    = 500 // as the director takes: about 166 Chinese characters
	maxNoticeBytes = 840 // 280 Chinese characters
	maxRefLen      = 128
	maxSale        = 24 * time.Hour
)

func (a *API) controlHandler(t avatar.ControlType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req controlRequest
		if t != avatar.CtlSkip || r.ContentLength != 0 {
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
		status, ps, claims := a.checkControl(&c, req, show)
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
			a.fail(w, r, http.StatusConflict, "refused", "the director refused: "+reply.Error)
			return
		}
		detail := map[string]any{"control": c, "seq": reply.Seq}
		if len(claims) > 0 {
			detail["claims"], detail["reason"] = claims, req.Reason
		}
		a.record(r, "control."+string(t), string(rm.ID), detail)
		a.writeJSON(w, http.StatusOK, map[string]any{"ok": true, "room": rm.ID, "type": t, "seq": reply.Seq})
	}
}

// checkControl fills c from req and checks it against the room's show. It
// returns the status and problems to refuse with, and any acknowledged
// advertising claims to record.
func (a *API) checkControl(c *avatar.Control, req controlRequest, show *script.Show) (int, []Problem, []script.Claim) {
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
	needText := func(max int) {
		n := len(strings.TrimSpace(req.Text))
		switch {
		case n == 0:
			bad("text", "required", "text is required")
		case n > max:
			bad("text", "too-long", "text may be at most %d bytes of UTF-8 (a Chinese character takes 3), not %d", max, n)
		case !utf8.ValidString(req.Text):
			bad("text", "bad-text", "text is not valid UTF-8")
		case strings.ContainsFunc(req.Text, unicode.IsControl):
			bad("text", "bad-text", "text may not hold control characters such as line breaks")
		}
		c.Text = strings.TrimSpace(req.Text)
		claims = script.FindClaims(c.Text)
	}
	switch c.Type {
	case avatar.CtlSkip:
	case avatar.CtlPitch:
		needSKU()
	case avatar.CtlStock:
		needSKU()
		if req.Stock == nil || *req.Stock < 0 {
			bad("stock", "bad-stock", "stock must be a whole number from 0")
		}
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
		if req.Stock == nil || *req.Stock <= 0 {
			bad("stock", "bad-stock", "stock must be a whole number from 1")
		}
		c.Stock = req.Stock
		d, err := parseDuration(req.Duration)
		if err != nil {
			bad("duration", "bad-duration", "%v", err)
		}
		c.Duration = d
	case avatar.CtlSay:
		needText(maxSayBytes)
		c.Lang = req.Lang
		if c.Lang != "" && show != nil && !slices.Contains(show.Languages, c.Lang) {
			bad("lang", "unknown-lang", "lang %q is not one of the script's languages %v", c.Lang, show.Languages)
		}
	case avatar.CtlLang:
		c.Lang = req.Lang
		switch {
		case c.Lang == "":
			bad("lang", "required", "lang is required, one of the script's languages")
		case show != nil && !slices.Contains(show.Languages, c.Lang):
			bad("lang", "unknown-lang", "lang %q is not one of the script's languages %v", c.Lang, show.Languages)
		}
	case avatar.CtlNotice:
		needText(maxNoticeBytes)
		if len(req.Ref) > maxRefLen {
			bad("ref", "too-long", "ref may be at most %d bytes", maxRefLen)
		}
		c.Ref = req.Ref
	}
	if len(ps) > 0 {
		return http.StatusBadRequest, ps, nil
	}
	if len(claims) > 0 && strings.TrimSpace(req.Reason) == "" {
		for _, cl := range claims {
			ps = append(ps, Problem{Line: 1, Col: utf8.RuneCountInString(c.Text[:cl.At]) + 1, Field: "text", Severity: "error",
				Code: cl.Code, Message: fmt.Sprintf("%q %s; rephrase, or send a reason to acknowledge it", cl.Phrase, cl.Reason), Rule: cl.Rule})
		}
		return http.StatusUnprocessableEntity, ps, nil
	}
	return 0, nil, claims
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
	if d <= 0 || d > maxSale {
		return 0, fmt.Errorf("duration %s must be above 0 and at most %s", d, maxSale)
	}
	return d, nil
}
