package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"go.uber.org/zap"
	"go.yaml.in/yaml/v4"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// loadPersonas reads the personas file: YAML with a top-level "personas"
// list whose fields are those of avatar.Persona. Unknown fields are errors.
func loadPersonas(path string) (map[string]avatar.Persona, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("personas: %w", err)
	}
	var doc any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("personas: %s: %w", path, err)
	}
	// Go through JSON so avatar.Persona needs only its wire tags.
	js, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("personas: %s: %w", path, err)
	}
	var file struct {
		Personas []avatar.Persona `json:"personas"`
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("personas: %s: %w", path, err)
	}
	out := make(map[string]avatar.Persona, len(file.Personas))
	for _, p := range file.Personas {
		if _, dup := out[p.ID]; dup {
			return nil, fmt.Errorf("personas: %s: persona %q defined twice", path, p.ID)
		}
		// Every look is checked, used by a show or not yet.
		if err := p.Look.Check(); err != nil {
			return nil, fmt.Errorf("personas: %s: persona %s: %w", path, p.ID, err)
		}
		out[p.ID] = p
	}
	return out, nil
}

// assignment is a demo room and the show it plays.
type assignment struct {
	Room avatar.Room
	Show *script.Show
}

// demoMerchant owns the rooms that serve and director make from -scripts.
const demoMerchant = "demo"

// loadShows reads the personas file and the show scripts of dir, and
// returns the personas and the rooms to play with their scripts' sources.
func loadShows(personasPath, dir string, log *zap.Logger) (map[string]avatar.Persona, []assignment, map[string][]byte, error) {
	ps, err := loadPersonas(personasPath)
	if err != nil {
		return nil, nil, nil, err
	}
	rooms, sources, err := loadRooms(dir, ps, time.Now(), log)
	return ps, rooms, sources, err
}

// loadRooms parses the show scripts in dir (script.LoadFiles) and makes one
// room per valid show, named after it, whose persona is known and licensed
// for it. A script with problems (one that cannot be read, or reuses
// another's show id) is reported and left out; the others still play.
func loadRooms(dir string, personas map[string]avatar.Persona, now time.Time, log *zap.Logger) ([]assignment, map[string][]byte, error) {
	var cfg script.Config
	files, problems := cfg.LoadFiles(dir)
	var bad []string // files with errors, in order
	for _, p := range problems {
		if p.Severity != script.SevError {
			continue
		}
		log.Error("script problem", zap.String("script", p.File), zap.String("problem", p.String()))
		if !slices.Contains(bad, p.File) {
			bad = append(bad, p.File)
		}
	}
	for _, f := range bad {
		log.Error("script has errors; not played (avatarcast lint "+f+")", zap.String("script", f))
	}
	var out []assignment
	sources := map[string][]byte{}
	for _, f := range files {
		s := f.Show
		id, err := avatar.ParseRoomID(s.ID)
		if err != nil {
			log.Error("show id is not a room id; not played", zap.String("script", s.ID), zap.Error(err))
			continue
		}
		p, ok := personas[s.Persona]
		if !ok {
			log.Error("unknown persona; not played", zap.String("script", s.ID), zap.String("persona", s.Persona))
			continue
		}
		if err := p.Check(string(s.Kind), now); err != nil {
			log.Error("persona may not present this show; not played", zap.String("script", s.ID), zap.Error(err))
			continue
		}
		sources[s.ID] = f.Src
		out = append(out, assignment{
			Room: avatar.Room{
				ID: id, Kind: string(s.Kind), Title: s.Title.Get(firstLang(s), ""),
				Merchant: demoMerchant, Show: s.ID, Status: avatar.RoomPlaying, Persona: p,
			},
			Show: s,
		})
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("no playable show scripts in %s", dir)
	}
	return out, sources, nil
}

func firstLang(s *script.Show) string {
	if len(s.Languages) > 0 {
		return s.Languages[0]
	}
	return ""
}

// publishRooms stores each room's script as a version in the scripts bucket
// and records the room in the rooms bucket. A room recorded before keeps
// its status (a merchant may have paused or stopped it) and a version it was
// pinned to; it follows the file only if it was playing the file's previous
// version. A room of the same id that another merchant owns is theirs: it is
// left alone, with a warning, and not returned; the rooms published are.
func publishRooms(ctx context.Context, b *bus.Bus, rooms []assignment, sources map[string][]byte, log *zap.Logger) ([]assignment, error) {
	out := make([]assignment, 0, len(rooms))
	for i := range rooms {
		a := rooms[i]
		old, rev, err := b.RoomRecord(ctx, a.Room.ID)
		found := err == nil
		switch {
		case errors.Is(err, bus.ErrNotFound):
		case err != nil:
			return nil, err
		case old.Merchant != a.Room.Merchant:
			log.Warn("a room of another merchant has the id of a demo script; left alone, the script is not played",
				zap.String("room", string(a.Room.ID)), zap.String("merchant", old.Merchant))
			continue
		}
		_, prev, err := b.GetScript(ctx, a.Room.Merchant, a.Room.Show, 0)
		if err != nil && !errors.Is(err, bus.ErrNotFound) {
			return nil, err
		}
		v, err := b.PutScript(ctx, a.Room.Merchant, a.Room.Show, sources[a.Room.Show])
		if err != nil {
			return nil, err
		}
		if !found {
			a.Room.Version = v
			if _, err := b.CreateRoomRecord(ctx, a.Room); err != nil {
				return nil, fmt.Errorf("record room %s: %w", a.Room.ID, err)
			}
			out = append(out, a)
			continue
		}
		a.Room.Status = old.Status
		a.Room.Version = old.Version
		if old.Version == 0 || old.Version == prev {
			a.Room.Version = v
		}
		if _, err := b.UpdateRoomRecord(ctx, a.Room, rev); err != nil {
			return nil, fmt.Errorf("record room %s: %w", a.Room.ID, err)
		}
		out = append(out, a)
	}
	return out, nil
}
