package gencache_test

import (
	"testing"

	"keybind/internal/gencache"
)

func TestValuesLiveAsLongAsTheirCounter(t *testing.T) {
	c := gencache.New[string, int](2)
	c.Put(5, "a", 1)
	if v, ok := c.Get(5, "a"); !ok || v != 1 {
		t.Fatalf("Get(5, a) = %d, %t; want 1, true", v, ok)
	}
	if _, ok := c.Get(6, "a"); ok {
		t.Error("a value read under counter 5 was handed to a reader of counter 6")
	}
	if _, ok := c.Get(4, "a"); ok {
		t.Error("a value read under counter 5 was handed to a reader of counter 4")
	}
	c.Put(6, "b", 2)
	if _, ok := c.Get(6, "a"); ok {
		t.Error("a newer counter did not empty the cache")
	}
	c.Put(5, "c", 3) // read under an older counter than the cache's: not kept
	if _, ok := c.Get(5, "c"); ok {
		t.Error("a value read under an older counter was kept")
	}
	c.Put(6, "c", 3)
	c.Put(6, "d", 4) // full: starts again
	if _, ok := c.Get(6, "b"); ok {
		t.Error("the cache grew past its bound")
	}
	if v, ok := c.Get(6, "d"); !ok || v != 4 {
		t.Errorf("Get(6, d) = %d, %t; want 4, true", v, ok)
	}
}
