package store

import "context"

// Scanner is one row being read.
type Scanner interface{ Scan(dest ...any) error }

// Strings runs a query of one text column and reads every row, in order.
func Strings(ctx context.Context, q DBTX, query string, args ...any) ([]string, error) {
	return All(ctx, q, func(r Scanner) (string, error) {
		var s string
		err := r.Scan(&s)
		return s, err
	}, query, args...)
}

// All runs query on q and reads every row with scan, in order.
func All[T any](ctx context.Context, q DBTX, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
