package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
)

// Changes are the database's change counters (migration 00017): Auth
// counts the writes that could change a session, its user, their
// preferences or the cloud accounts they may use; Jobs counts new jobs and
// jobs that finish, pause, resume or are cancelled. Triggers count them in
// the writing transaction, whoever writes, so a value read from the
// database stays right for as long as the counter it was read under has not
// moved (internal/gencache).
type Changes struct {
	Auth, Jobs int64
}

// Changes returns the change counters. PostgreSQL's are read every time:
// other replicas write too. A SQLite console is the only one on its file
// (the file lock), so what it read less than counterMaxAge ago stands,
// unless this process has changed the counters since (watch).
func (s *Store) Changes(ctx context.Context) (Changes, error) {
	if s.watch == nil {
		return s.readChanges(ctx)
	}
	return s.watch.changes(ctx, s.readChanges)
}

// readChanges reads the change counters.
func (q *Queries) readChanges(ctx context.Context) (Changes, error) {
	var c Changes
	if err := q.db.QueryRowContext(ctx, `SELECT auth, jobs FROM change_counters`).Scan(&c.Auth, &c.Jobs); err != nil {
		return Changes{}, fmt.Errorf("store: change counters: %w", err)
	}
	return c, nil
}

type changesKey struct{}

// WithChanges returns ctx carrying the change counters a request read at
// its start; the caches consulted under ctx keep only what was read under
// the same counters.
func WithChanges(ctx context.Context, c Changes) context.Context {
	return context.WithValue(ctx, changesKey{}, c)
}

// ChangesFrom returns the counters WithChanges put on ctx; false when none
// were read (nothing may then be taken from a cache).
func ChangesFrom(ctx context.Context) (Changes, bool) {
	c, ok := ctx.Value(changesKey{}).(Changes)
	return c, ok
}

const (
	// counterMaxAge is how long a SQLite console trusts counters it read:
	// a write by another process on the file (the CLI's "user disable")
	// is seen within this.
	counterMaxAge = 100 * time.Millisecond
	// commitSlack is how long after this process changed the counters
	// every request reads them again: SQLite tells of a change before its
	// transaction commits, and a transaction of keybind's commits well
	// within this.
	commitSlack = time.Second
)

// watch remembers a SQLite console's last reading of the change counters
// and when this process last changed them (SQLite's pre-update hook on
// change_counters, set on each of the file's connections).
type watch struct {
	changed atomic.Int64 // monotonic nanoseconds (since epoch) of the last local change
	mu      sync.Mutex
	last    Changes
	at      int64 // monotonic nanoseconds when last was read; 0: never
}

// epoch is where the watch's monotonic clock starts.
var epoch = time.Now()

func monotonic() int64 { return int64(time.Since(epoch)) }

func (w *watch) changes(ctx context.Context, read func(context.Context) (Changes, error)) (Changes, error) {
	start := monotonic()
	w.mu.Lock()
	last, at := w.last, w.at
	w.mu.Unlock()
	if at != 0 && start-at < int64(counterMaxAge) && start-w.changed.Load() > int64(commitSlack) {
		return last, nil
	}
	c, err := read(ctx)
	if err != nil {
		return Changes{}, err
	}
	w.mu.Lock()
	if start > w.at {
		w.last, w.at = c, start // as of when the read began: the cautious side
	}
	w.mu.Unlock()
	return c, nil
}

// watches maps a SQLite file's data source name to its watch, for the
// connection hook.
var watches sync.Map // string → *watch

func init() {
	sqlite.RegisterConnectionHook(func(conn sqlite.ExecQuerierContext, dsn string) error {
		v, ok := watches.Load(dsn)
		hooks, canHook := conn.(sqlite.HookRegisterer)
		if !ok || !canHook {
			return nil
		}
		w := v.(*watch)
		hooks.RegisterPreUpdateHook(func(d sqlite.SQLitePreUpdateData) {
			if d.TableName == "change_counters" {
				w.changed.Store(monotonic())
			}
		})
		return nil
	})
}
