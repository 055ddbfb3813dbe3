package store_test

import (
	"context"
	"testing"

	"keybind/internal/store/storetest"
)

// BenchmarkChanges is what every signed-in request pays to know whether
// what it keeps in memory is still right.
func BenchmarkChanges(b *testing.B) {
	st := storetest.Open(b)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := st.Changes(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
