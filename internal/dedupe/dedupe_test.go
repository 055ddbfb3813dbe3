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
