package text

import "testing"

func TestPluralAndNoun(t *testing.T) {
	for _, tc := range []struct {
		n      int
		plural string
		noun   string
	}{
		{0, "0 instances were", "them"},
		{1, "1 instance was", "it"},
		{2, "2 instances were", "them"},
	} {
		if got := Plural(tc.n, "instance was", "instances were"); got != tc.plural {
			t.Errorf("Plural(%d) = %q, want %q", tc.n, got, tc.plural)
		}
		if got := Noun(tc.n, "it", "them"); got != tc.noun {
			t.Errorf("Noun(%d) = %q, want %q", tc.n, got, tc.noun)
		}
	}
}
