package selection_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/selection"
	"keybind/internal/store"
	"keybind/internal/store/storetest"
)

func newStore(t *testing.T) (*selection.Store, int64, int64) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Now()
	var ids []int64
	for _, name := range []string{"alice", "bob"} {
		id, err := st.CreateUser(ctx, store.UserRow{Name: name, Role: "helpdesk", PasswordHash: "x", CreatedAt: now, PasswordChangedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return selection.NewStore(st.DB()), ids[0], ids[1]
}

func TestSelectionAddRemoveCount(t *testing.T) {
	ctx := context.Background()
	s, alice, bob := newStore(t)
	added, err := s.Add(ctx, alice, "cn-hangzhou", []string{"i-a", "i-b", "i-c"})
	if err != nil || added != 3 {
		t.Fatalf("Add = %d, %v; want 3", added, err)
	}
	if added, _ := s.Add(ctx, alice, "cn-hangzhou", []string{"i-b", "i-d"}); added != 1 {
		t.Errorf("Add with one already selected = %d, want 1", added)
	}
	if removed, _ := s.Remove(ctx, alice, "cn-hangzhou", []string{"i-a", "i-zz"}); removed != 1 {
		t.Errorf("Remove = %d, want 1", removed)
	}
	got, err := s.IDs(ctx, alice, "cn-hangzhou")
	if err != nil || !slices.Equal(got, []string{"i-b", "i-c", "i-d"}) {
		t.Errorf("IDs = %v, %v; want [i-b i-c i-d]", got, err)
	}
	// Selections are per user and per region.
	if n, _ := s.Count(ctx, bob, "cn-hangzhou"); n != 0 {
		t.Errorf("bob's count = %d, want 0", n)
	}
	if n, _ := s.Count(ctx, alice, "cn-shanghai"); n != 0 {
		t.Errorf("another region's count = %d, want 0", n)
	}
	sel, _ := s.Selected(ctx, alice, "cn-hangzhou", []string{"i-a", "i-b", "i-x"})
	if !sel["i-b"] || sel["i-a"] || sel["i-x"] {
		t.Errorf("Selected = %v, want only i-b", sel)
	}
	if err := s.Clear(ctx, alice, "cn-hangzhou"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx, alice, "cn-hangzhou"); n != 0 {
		t.Errorf("count after Clear = %d, want 0", n)
	}
}

func TestSelectionHoldsThousandsAndStopsAtMax(t *testing.T) {
	ctx := context.Background()
	s, alice, _ := newStore(t)
	ids := make([]string, selection.Max)
	for i := range ids {
		ids[i] = fmt.Sprintf("i-%05d", i)
	}
	if added, err := s.Add(ctx, alice, "cn-hangzhou", ids); err != nil || added != selection.Max {
		t.Fatalf("Add(%d) = %d, %v", selection.Max, added, err)
	}
	_, err := s.Add(ctx, alice, "cn-hangzhou", []string{"i-one-more"})
	var full *selection.FullError
	if !errors.As(err, &full) {
		t.Fatalf("Add beyond Max error = %v, want *FullError", err)
	}
	// The refused add changed nothing.
	if n, _ := s.Count(ctx, alice, "cn-hangzhou"); n != selection.Max {
		t.Errorf("count after refused add = %d, want %d", n, selection.Max)
	}
}

// Each cloud account keeps its own selection of a region; the default
// account's is the one kept before there were accounts.
func TestSelectionPerAccount(t *testing.T) {
	ctx := context.Background()
	s, alice, _ := newStore(t)
	prod := cloud.WithAccount(ctx, "prod")
	if _, err := s.Add(ctx, alice, "cn-hangzhou", []string{"i-default1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(prod, alice, "cn-hangzhou", []string{"i-prod1", "i-prod2"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ctx  context.Context
		want int
	}{{ctx, 1}, {cloud.WithAccount(ctx, cloud.DefaultAccount), 1}, {prod, 2}, {cloud.WithAccount(ctx, "staging"), 0}} {
		if n, err := s.Count(tc.ctx, alice, "cn-hangzhou"); err != nil || n != tc.want {
			t.Errorf("account %q: %d selected (%v), want %d", cloud.AccountOf(tc.ctx), n, err, tc.want)
		}
	}
	if err := s.Clear(prod, alice, "cn-hangzhou"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx, alice, "cn-hangzhou"); n != 1 {
		t.Errorf("clearing prod's selection changed the default account's: %d left", n)
	}
}
