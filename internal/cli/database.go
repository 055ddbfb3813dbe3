package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"keybind/internal/store"
)

// databaseFlagHelp describes --database-url for every command that opens the database.
const databaseFlagHelp = "postgres:// URL of a PostgreSQL database shared by every replica (default: SQLite in the data directory)"

// checkDatabaseURL refuses a --database-url that is not a PostgreSQL URL.
func checkDatabaseURL(cmd, u string) error {
	if u != "" && !store.IsPostgresURL(u) {
		return &UsageError{Msg: cmd + ": --database-url must be a postgres:// or postgresql:// URL"}
	}
	return nil
}

// openStore opens PostgreSQL when databaseURL is set, otherwise SQLite in
// dataDir. Its error is one line and never holds the URL's password.
func openStore(ctx context.Context, databaseURL, dataDir string) (*store.Store, error) {
	if databaseURL == "" {
		st, err := store.Open(ctx, filepath.Join(dataDir, "keybind.db"))
		if err != nil {
			return nil, fmt.Errorf("open the database in %s: %w", dataDir, err)
		}
		return st, nil
	}
	st, err := store.OpenPostgres(ctx, databaseURL)
	if err != nil {
		return nil, fmt.Errorf("open the PostgreSQL database: %s", oneLine(err.Error()))
	}
	return st, nil
}

// oneLine joins a multi-line message (pgx lists each attempt it made, often
// the same twice: with TLS and without) into one line.
func oneLine(s string) string {
	var parts []string
	for _, p := range strings.Split(s, "\n") {
		p = strings.TrimSuffix(strings.TrimSpace(p), ":")
		if p != "" && !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ": ")
}
