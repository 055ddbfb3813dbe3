package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// Migrations are numbered 00001_name.sql, 00002_name.sql, …; each runs in its
// own transaction. There are no Down sections: nothing in keybind rolls the
// schema back, and a down migration would be a way to drop the audit trail.
//
//go:embed migrations/*.sql
var migrations embed.FS

func newProvider(db *sql.DB) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gooseDialect, db, fsys, goose.WithDisableGlobalRegistry(true))
}

// migrate applies pending migrations. Two processes starting together (the
// CLI next to a server) can both see a migration as pending; the loser's
// transaction fails on the tables the winner created and rolls back, so on
// error migrate looks again and succeeds if nothing is pending any more.
func migrate(ctx context.Context, db *sql.DB) error {
	p, err := newProvider(db)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	const attempts = 3
	for range attempts {
		if _, err = p.Up(ctx); err == nil {
			return nil
		}
		if pending, perr := p.HasPending(ctx); perr == nil && !pending {
			return nil
		}
	}
	return fmt.Errorf("store: migrate: %w", err)
}

// SchemaVersion returns the version of the newest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := newProvider(s.db)
	if err != nil {
		return 0, fmt.Errorf("store: migrations: %w", err)
	}
	return p.GetDBVersion(ctx)
}
