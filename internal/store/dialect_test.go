package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The same SQL is meant to run on PostgreSQL, so queries use $N placeholders.
// This checks that modernc.org/sqlite binds $N to the Nth argument even when
// the placeholders appear out of order or repeat.
func TestDollarPlaceholdersBindPositionally(t *testing.T) {
	st := openTest(t)
	tests := []struct {
		query string
		args  []any
		want  string
	}{
		{`SELECT $1 || '-' || $2`, []any{"a", "b"}, "a-b"},
		{`SELECT $2 || '-' || $1`, []any{"a", "b"}, "b-a"},
		{`SELECT $1 || $2 || $1`, []any{"x", "y"}, "xyx"},
		{`SELECT $3 || $1 || $2`, []any{"1", "2", "3"}, "312"},
	}
	for _, tt := range tests {
		var got string
		if err := st.DB().QueryRowContext(context.Background(), tt.query, tt.args...).Scan(&got); err != nil {
			t.Errorf("%s: %v", tt.query, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s with %v = %q, want %q", tt.query, tt.args, got, tt.want)
		}
	}
}

func TestConnectionPragmas(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	tests := []struct {
		pragma, want string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	}
	// Every pooled connection must have them, not only the first one.
	conns := make([]interface{ Close() error }, 0, 3)
	for range 3 {
		c, err := st.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for _, tt := range tests {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
			}
			if !strings.EqualFold(got, tt.want) {
				t.Errorf("PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
			}
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

func TestTimesRoundTripAsUTCMicroseconds(t *testing.T) {
	loc := time.FixedZone("UTC+8", 8*3600)
	in := time.Date(2026, 3, 1, 17, 30, 0, 123456789, loc)
	got := fromMicros(micros(in))
	if got.Location() != time.UTC {
		t.Errorf("location = %v, want UTC", got.Location())
	}
	if want := in.Truncate(time.Microsecond); !got.Equal(want) {
		t.Errorf("round trip = %v, want %v", got, want)
	}
}
