package dedupe

import (
	"slices"
	"testing"
)

func TestSlice(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{nil, []string{}},
		{[]string{"a"}, []string{"a"}},
		{[]string{"b", "a", "b", "c", "a"}, []string{"b", "a", "c"}},
		{[]string{"", "x", ""}, []string{"", "x"}},
	} {
		in := slices.Clone(tc.in)
		if got := Slice(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Slice(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !slices.Equal(in, tc.in) {
			t.Errorf("Slice changed its input: %q, was %q", tc.in, in)
		}
	}
}

func TestByKey(t *testing.T) {
	type kv struct{ k, v string }
	got := ByKey([]kv{{"a", "1"}, {"b", "2"}, {"a", "3"}}, func(x kv) string { return x.k })
	if len(got) != 2 || got["a"].v != "3" || got["b"].v != "2" {
		t.Errorf("ByKey = %v, want a→3 (the last wins) and b→2", got)
	}
}
