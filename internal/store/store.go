// Package store is keybind's persistence: database/sql over SQLite in WAL
// mode (Open) or over PostgreSQL through pgx (OpenPostgres), with goose
// migrations embedded in the binary and applied when the database is opened.
// The SQL is the same for both; what differs is in dialect.go.
//
// Queries live on *Queries, one file per table (users.go, sessions.go,
// audit.go, throttle.go, prefs.go). A *Store embeds a *Queries bound to the
// pool, so st.CreateUser(ctx, …) runs on its own; inside WithTx, st.With(tx)
// binds the same queries to the transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

var (
	// ErrNotFound is returned when the row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when an insert would duplicate a unique key.
	ErrConflict = errors.New("store: already exists")
)

// DBTX is what queries need; *sql.DB, *sql.Tx and *sql.Conn provide it.
type DBTX interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Queries runs keybind's queries on a pool or a transaction.
type Queries struct {
	db      DBTX
	dialect Dialect
}

// Store is an open keybind database.
type Store struct {
	*Queries
	db      *sql.DB
	path    string // SQLite only
	dialect Dialect
	stmts   *StmtCache // SQLite only: pgx keeps its own statement cache per connection
	watch   *watch     // SQLite only: when the change counters must be read again
}

// Open opens (creating if needed) the database file at path, creating its
// directory with mode 0700 and the file with mode 0600, and applies pending
// migrations. Several processes may open the same file at once.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: open: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %q: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	// Create the file before SQLite does so that it is not world-readable
	// (it holds password hashes); SQLite gives the -wal and -shm files the
	// same mode as the database file.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}

	// Before the first connection, whose hook looks for it; stores of one
	// file in one process share it (they see each other's changes).
	v, _ := watches.LoadOrStore(dsn(abs), &watch{})
	w := v.(*watch)
	db, err := sql.Open(driverName, dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("store: open %q: %w", abs, err)
	}
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	if err := enableWAL(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %q: %w", abs, err)
	}
	if err := migrate(ctx, db, SQLite); err != nil {
		db.Close()
		return nil, err
	}
	stmts := NewStmtCache(db)
	return &Store{Queries: &Queries{db: preparedPool{DB: db, stmts: stmts}, dialect: SQLite}, db: db, path: abs,
		dialect: SQLite, stmts: stmts, watch: w}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the underlying pool.
func (s *Store) DB() *sql.DB { return s.db }

// Stmts is the store's cache of prepared statements, for the read side of
// other packages (see PreparedTx); nil on PostgreSQL, where pgx prepares and
// caches statements per connection itself.
func (s *Store) Stmts() *StmtCache { return s.stmts }

// Path returns the absolute path of the database file ("" for PostgreSQL).
func (s *Store) Path() string { return s.path }

// Dialect says which database engine s is.
func (s *Store) Dialect() Dialect { return s.dialect }

// With returns the queries bound to tx.
func (s *Store) With(tx *sql.Tx) *Queries { return &Queries{db: tx, dialect: s.dialect} }

// WithTx runs fn in a read-write transaction, committing if fn returns nil
// and rolling back otherwise (also when fn panics). The transaction takes the
// database write lock when it begins, so keep fn short and free of slow work
// such as password hashing.
func (s *Store) WithTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// readTx runs fn in a read-only transaction so that its queries see one
// snapshot (a page and its total, for instance).
func (s *Store) readTx(ctx context.Context, fn func(q *Queries) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	return fn(&Queries{db: tx, dialect: s.dialect})
}

// rowsAffected turns "no row changed" into ErrNotFound.
func rowsAffected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Serialize makes the transaction q is bound to wait for any other
// transaction that serialized on the same name, until it ends: a check and
// the write it allows (no active job already holds these instances; no
// administrator exists yet) then cannot interleave with another's, on any
// replica. SQLite needs nothing: its write transactions take the database's
// one write lock when they begin. PostgreSQL takes a transaction-level
// advisory lock.
func (q *Queries) Serialize(ctx context.Context, name string) error {
	if q.dialect != Postgres {
		return nil
	}
	if _, err := q.db.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, name); err != nil {
		return fmt.Errorf("store: serialize %s: %w", name, err)
	}
	return nil
}
