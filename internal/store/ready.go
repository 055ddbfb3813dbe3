package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"time"
)

// MinRoom is how much room to grow the database needs for Ready: below it,
// writes that add pages (a new session, a job, an audit entry) are about to
// fail with "database or disk is full".
const MinRoom = 16 << 20

// NotReadyError says why the database cannot serve: Reason is safe to show
// (a readiness probe's answer), Err holds the detail for the log.
type NotReadyError struct {
	Reason string
	Err    error
}

func (e *NotReadyError) Error() string {
	if e.Err == nil {
		return "store: not ready: " + e.Reason
	}
	return "store: not ready: " + e.Reason + ": " + e.Err.Error()
}

func (e *NotReadyError) Unwrap() error { return e.Err }

// Ready reports, with a *NotReadyError, whether the database can serve the
// console: every embedded migration is applied, a write commits (the probe
// row is rewritten with now), and there is at least MinRoom to grow into.
//
// A write that commits is not proof enough on its own: SQLite rewrites pages
// it already has, and reuses its write-ahead log, without asking the file
// system for space, so on a full disk small updates still succeed while any
// insert that needs a new page fails. Hence the room check, on the file
// system and against the database's own page limit. On PostgreSQL the
// migrations and the write are checked.
func (s *Store) Ready(ctx context.Context, now time.Time) error {
	if err := s.schemaCurrent(ctx); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `
		INSERT INTO readiness_probe (id, checked_at) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, micros(now)); err != nil {
		if Unreachable(err) {
			return &NotReadyError{Reason: "cannot reach the database", Err: err}
		}
		return &NotReadyError{Reason: "the database cannot be written", Err: err}
	}
	if s.dialect == Postgres {
		// Room to grow is the database service's to watch (RDS alerts on
		// storage); PostgreSQL fails a write that finds no room at once.
		return nil
	}
	room, err := s.room(ctx)
	if err != nil {
		return &NotReadyError{Reason: "the database's free space cannot be read", Err: err}
	}
	if room < MinRoom {
		return &NotReadyError{Reason: "the database is (almost) full",
			Err: fmt.Errorf("%d bytes of room, want at least %d", room, MinRoom)}
	}
	return nil
}

// schemaCurrent fails unless the newest embedded migration is applied.
func (s *Store) schemaCurrent(ctx context.Context) error {
	p, err := newProvider(s.db, s.dialect)
	if err != nil {
		return &NotReadyError{Reason: "migrations cannot be read", Err: err}
	}
	var latest int64
	for _, src := range p.ListSources() {
		latest = max(latest, src.Version)
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		if Unreachable(err) {
			return &NotReadyError{Reason: "cannot reach the database", Err: err}
		}
		return &NotReadyError{Reason: "the schema version cannot be read", Err: err}
	}
	if current < latest {
		return &NotReadyError{Reason: "migrations are not applied",
			Err: fmt.Errorf("schema version %d, want %d", current, latest)}
	}
	return nil
}

// room is how many bytes the database can still grow by: its free pages,
// plus what both the file system and SQLite's page limit allow.
func (s *Store) room(ctx context.Context) (int64, error) {
	var pageSize, pages, maxPages, free int64
	for _, p := range []struct {
		pragma string
		dst    *int64
	}{{"page_size", &pageSize}, {"page_count", &pages}, {"max_page_count", &maxPages}, {"freelist_count", &free}} {
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(p.dst); err != nil {
			return 0, fmt.Errorf("PRAGMA %s: %w", p.pragma, err)
		}
	}
	grow := int64(math.MaxInt64)
	if maxPages > pages && maxPages-pages < math.MaxInt64/pageSize {
		grow = (maxPages - pages) * pageSize
	} else if maxPages <= pages {
		grow = 0
	}
	fsFree, err := diskFree(filepath.Dir(s.path))
	if err != nil && !errors.Is(err, errNoDiskFree) {
		return 0, err
	}
	if err == nil {
		grow = min(grow, fsFree)
	}
	return free*pageSize + grow, nil
}

// errNoDiskFree means the platform does not report free space.
var errNoDiskFree = errors.New("store: free space is not measured on this platform")
