package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

const (
	// pgConnectTimeout bounds one attempt to reach the server, when the
	// URL does not set connect_timeout itself.
	pgConnectTimeout = 5 * time.Second
	// pgOpenTimeout bounds OpenPostgres's first contact with the server, so
	// that a console pointed at a server that does not answer says so
	// within seconds instead of hanging.
	pgOpenTimeout = 10 * time.Second
	// pgMaxOpenConns bounds each replica's pool; a managed database allows
	// a few hundred connections shared by every replica.
	pgMaxOpenConns = 16
)

// IsPostgresURL reports whether u names a PostgreSQL database
// (postgres:// or postgresql://).
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// OpenPostgres connects to the PostgreSQL database at url (postgres://…) and
// applies pending migrations; any number of processes may share it. It fails
// within pgOpenTimeout when the server does not answer. The error never
// holds the URL's password.
func OpenPostgres(ctx context.Context, url string) (*Store, error) {
	if !IsPostgresURL(url) {
		return nil, errors.New("store: open: a PostgreSQL URL starts with postgres:// or postgresql://")
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's parse error quotes the URL (its password masked) before what
		// is wrong with it; say only what is wrong when it says that apart.
		why := errors.Unwrap(err)
		if why == nil {
			why = err
		}
		return nil, fmt.Errorf("store: open: the database URL is not valid: %w", why)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(pgMaxOpenConns)
	db.SetMaxIdleConns(pgMaxOpenConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute) // after a failover, connections find the new primary soon

	pingCtx, cancel := context.WithTimeout(ctx, pgOpenTimeout)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: cannot reach the database at %s: %w", where(cfg), err)
	}
	if err := migrate(ctx, db, Postgres); err != nil {
		db.Close()
		return nil, err
	}
	return &Store{Queries: &Queries{db: db, dialect: Postgres}, db: db, dialect: Postgres}, nil
}

// where names the server and database of cfg for an error message.
func where(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
}

// pgCode returns the SQLSTATE of a PostgreSQL error in err's chain, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// pgUnavailable reports whether PostgreSQL refused work for a reason outside
// the request: insufficient resources (class 53: disk full, out of memory,
// too many connections), a read-only transaction or server (25006), a lock
// not available (55P03), operator intervention (class 57: shutting down,
// the connection terminated) or a connection exception (class 08).
func pgUnavailable(err error) bool {
	code := pgCode(err)
	switch code {
	case "":
		return false
	case "25006", "55P03":
		return true
	}
	switch code[:2] {
	case "53", "57", "08":
		return true
	}
	return false
}

// Unreachable reports whether err says the database server could not be
// reached or the connection to it was lost (PostgreSQL): a connection
// refused or not accepted, the server shutting down or ending the
// connection, the network failing under a connection of pgx's. Only the
// database's errors count: a cloud call's network error is not one.
// database/sql opens new connections as requests come, so the console
// recovers by itself when the server is back.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.Is(err, driver.ErrBadConn) {
		return true
	}
	if code := pgCode(err); strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03" {
		return true
	}
	var pe interface{ SafeToRetry() bool } // pgconn's own errors, wrapping what the network said
	if !errors.As(err, &pe) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
