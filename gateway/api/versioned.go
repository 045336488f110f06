package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/avatarcast/avatarcast/avatar/bus"
)

// versionedStore is what the API reads and deletes of a merchant's
// versioned records: bus.Licences and bus.Personas.
type versionedStore[V any] interface {
	Get(ctx context.Context, merchant, id string) (V, error)
	List(ctx context.Context, merchant string) ([]V, error)
	Versions(ctx context.Context, merchant, id string) ([]V, error)
	Delete(ctx context.Context, merchant, id string) error
}

// records serves one kind of a merchant's versioned records under
// /api/v1/{plural}: get, list, versions (newest first) and delete, all
// scoped to the caller's merchant.
type records[V any] struct {
	a        *API
	what     string // "licence": in messages, and the audit action what.delete
	plural   string // "licences": the list's key in the answer, and in messages
	path     string // "/api/v1/licences": where they are served
	notFound string // the 404 message after the id: " of yours", or ""
	most     int    // how many one merchant may keep (PUT of a new one refused beyond)
	open     func(context.Context) (versionedStore[V], error)
	// listExtra adds fields to the list's answer (may be nil).
	listExtra func(vs []V, answer map[string]any)
	// afterDelete runs once the record is deleted and audited; it answers
	// the request and reports whether it did (else 204 No Content).
	afterDelete func(w http.ResponseWriter, r *http.Request) bool
}

func (k records[V]) missing(w http.ResponseWriter, r *http.Request, id string) {
	k.a.fail(w, r, http.StatusNotFound, "not_found", "no "+k.what+" "+id+k.notFound)
}

// target reads the record's id from the path and opens the bucket,
// answering 404 or 500 itself when it cannot.
func (k records[V]) target(w http.ResponseWriter, r *http.Request) (string, versionedStore[V], bool) {
	id, ok := k.a.pathID(w, r, "id")
	if !ok {
		return "", nil, false
	}
	s, err := k.open(r.Context())
	if err != nil {
		k.a.internal(w, r, err)
		return "", nil, false
	}
	return id, s, true
}

// byID answers what find returns for the record named in the path: 404
// when there is no such record of the caller's, 200 with the value else.
func (k records[V]) byID(find func(ctx context.Context, s versionedStore[V], merchant, id string) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, s, ok := k.target(w, r)
		if !ok {
			return
		}
		v, err := find(r.Context(), s, merchantOf(r), id)
		switch {
		case errors.Is(err, bus.ErrNotFound):
			k.missing(w, r, id)
		case err != nil:
			k.a.internal(w, r, err)
		default:
			k.a.writeJSON(w, http.StatusOK, v)
		}
	}
}

func getOne[V any](ctx context.Context, s versionedStore[V], merchant, id string) (any, error) {
	return s.Get(ctx, merchant, id)
}

// allVersions lists a record's versions, newest first (as script versions).
func allVersions[V any](ctx context.Context, s versionedStore[V], merchant, id string) (any, error) {
	vs, err := s.Versions(ctx, merchant, id)
	slices.Reverse(vs)
	return map[string]any{"versions": vs}, err
}

func (k records[V]) list(w http.ResponseWriter, r *http.Request) {
	s, err := k.open(r.Context())
	if err != nil {
		k.a.internal(w, r, err)
		return
	}
	vs, err := s.List(r.Context(), merchantOf(r))
	if err != nil {
		k.a.internal(w, r, err)
		return
	}
	if vs == nil {
		vs = []V{}
	}
	answer := map[string]any{k.plural: vs}
	if k.listExtra != nil {
		k.listExtra(vs, answer)
	}
	k.a.writeJSON(w, http.StatusOK, answer)
}

func (k records[V]) delete(w http.ResponseWriter, r *http.Request) {
	id, s, ok := k.target(w, r)
	if !ok {
		return
	}
	err := s.Delete(r.Context(), merchantOf(r), id)
	switch {
	case errors.Is(err, bus.ErrNotFound):
		k.missing(w, r, id)
		return
	case err != nil:
		k.a.internal(w, r, err)
		return
	}
	k.a.record(r, k.what+".delete", id, nil)
	if k.afterDelete == nil || !k.afterDelete(w, r) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// routes registers the four handlers under k.path (/api/v1/licences).
func (k records[V]) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+k.path, k.list)
	mux.HandleFunc("GET "+k.path+"/{id}", k.byID(getOne[V]))
	mux.HandleFunc("GET "+k.path+"/{id}/versions", k.byID(allVersions[V]))
	mux.HandleFunc("DELETE "+k.path+"/{id}", k.delete)
}

// The kinds' PUT handlers validate and store in their own ways; these are
// the steps they share, in their order: existing, roomForOne (only when
// there is no existing record), putDone.

// existing reads the caller's record id that a PUT replaces: found is
// false when there is none. It answers 500 itself (ok false) when it
// cannot read it.
func (k records[V]) existing(w http.ResponseWriter, r *http.Request, s versionedStore[V], id string) (old V, found, ok bool) {
	old, err := s.Get(r.Context(), merchantOf(r), id)
	switch {
	case err == nil:
		return old, true, true
	case errors.Is(err, bus.ErrNotFound):
		return old, false, true
	default:
		k.a.internal(w, r, err)
		return old, false, false
	}
}

// roomForOne reports whether the caller may keep one more record: every
// start, licence check or script upload reads all of a merchant's records
// of a kind, so a merchant keeps at most k.most. It answers 409 Conflict
// (or 500 when it cannot count) itself when not.
func (k records[V]) roomForOne(w http.ResponseWriter, r *http.Request, s versionedStore[V]) bool {
	all, err := s.List(r.Context(), merchantOf(r))
	if err != nil {
		k.a.internal(w, r, err)
		return false
	}
	if len(all) >= k.most {
		k.a.fail(w, r, http.StatusConflict, "too_many", fmt.Sprintf("you have %d %s, the most one merchant may keep; delete one first", len(all), k.plural))
		return false
	}
	return true
}

// putDone answers a PUT of record id with body: 201 Created and its
// Location when there was no such record before, 200 else.
func (k records[V]) putDone(w http.ResponseWriter, id string, found bool, body any) {
	status := http.StatusOK
	if !found {
		status = http.StatusCreated
		w.Header().Set("Location", k.path+"/"+id)
	}
	k.a.writeJSON(w, status, body)
}
