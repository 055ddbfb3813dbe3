package selection

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"keybind/internal/cloud"
)

// Max is the most instances one user may have selected in one region.
const Max = 5000

// FullError says the selection would grow beyond Max.
type FullError struct{ Have, Adding int }

func (e *FullError) Error() string {
	return fmt.Sprintf("a selection holds at most %d instances (%d selected, %d more asked for)", Max, e.Have, e.Adding)
}

// Store keeps each user's selection per region in the database, so it
// survives paging, searching and reloads.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// NewStore returns a Store over db (the table comes from the store's migrations).
func NewStore(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

// Add selects ids; it returns how many were not selected before.
func (s *Store) Add(ctx context.Context, userID int64, region string, ids []string) (int, error) {
	region = scoped(ctx, region)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("selection: add: %w", err)
	}
	defer tx.Rollback()
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM selections WHERE user_id = $1 AND region = $2`, userID, region).Scan(&have); err != nil {
		return 0, fmt.Errorf("selection: add: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO selections (user_id, region, instance_id, added_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("selection: add: %w", err)
	}
	defer stmt.Close()
	now := s.now().UTC().UnixMicro()
	added := 0
	for _, id := range ids {
		res, err := stmt.ExecContext(ctx, userID, region, id, now)
		if err != nil {
			return 0, fmt.Errorf("selection: add %s: %w", id, err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	if have+added > Max {
		return 0, &FullError{Have: have, Adding: added}
	}
	return added, tx.Commit()
}

// Remove unselects ids; it returns how many were selected.
func (s *Store) Remove(ctx context.Context, userID int64, region string, ids []string) (int, error) {
	region = scoped(ctx, region)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("selection: remove: %w", err)
	}
	defer tx.Rollback()
	removed := 0
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `DELETE FROM selections WHERE user_id = $1 AND region = $2 AND instance_id = $3`, userID, region, id)
		if err != nil {
			return 0, fmt.Errorf("selection: remove %s: %w", id, err)
		}
		n, _ := res.RowsAffected()
		removed += int(n)
	}
	return removed, tx.Commit()
}

// Clear empties the selection.
func (s *Store) Clear(ctx context.Context, userID int64, region string) error {
	region = scoped(ctx, region)
	if _, err := s.db.ExecContext(ctx, `DELETE FROM selections WHERE user_id = $1 AND region = $2`, userID, region); err != nil {
		return fmt.Errorf("selection: clear: %w", err)
	}
	return nil
}

// IDs lists the selection in the order it was made.
func (s *Store) IDs(ctx context.Context, userID int64, region string) ([]string, error) {
	region = scoped(ctx, region)
	rows, err := s.db.QueryContext(ctx, `SELECT instance_id FROM selections WHERE user_id = $1 AND region = $2 ORDER BY added_at, instance_id`, userID, region)
	if err != nil {
		return nil, fmt.Errorf("selection: list: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("selection: list: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Count is the size of the selection.
func (s *Store) Count(ctx context.Context, userID int64, region string) (int, error) {
	region = scoped(ctx, region)
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM selections WHERE user_id = $1 AND region = $2`, userID, region).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("selection: count: %w", err)
	}
	return n, nil
}

// Selected reports which of ids (a page of them) are selected.
func (s *Store) Selected(ctx context.Context, userID int64, region string, ids []string) (map[string]bool, error) {
	region = scoped(ctx, region)
	out := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{userID, region}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+3)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT instance_id FROM selections WHERE user_id = $1 AND region = $2 AND instance_id IN (`+
		strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("selection: selected: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("selection: selected: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// scoped keeps the selections of each cloud account apart: the same region
// of another account holds other instances. The default account keeps the
// bare region, as selections were kept before there were accounts.
func scoped(ctx context.Context, region string) string {
	if n, ok := cloud.AccountIn(ctx); ok && n != cloud.DefaultAccount {
		return n + "|" + region
	}
	return region
}
