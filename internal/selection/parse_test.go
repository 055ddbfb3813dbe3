package selection

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseIDs(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		invalid int
	}{
		{"empty", "  \n ", nil, 0},
		{"newlines", "i-abc\ni-def\r\ni-ghi\n", []string{"i-abc", "i-def", "i-ghi"}, 0},
		{"commas and spaces", "i-abc, i-def ,i-ghi  i-jkl", []string{"i-abc", "i-def", "i-ghi", "i-jkl"}, 0},
		{"semicolons and tabs", "i-abc;\ti-def", []string{"i-abc", "i-def"}, 0},
		{"json array", `["i-abc","i-def"]`, []string{"i-abc", "i-def"}, 0},
		{"json array with spaces", "[ \"i-abc\" ,\n \"i-def\" ]", []string{"i-abc", "i-def"}, 0},
		{"quoted tokens", `"i-abc", 'i-def'`, []string{"i-abc", "i-def"}, 0},
		{"duplicates keep first order", "i-b i-a i-b i-a", []string{"i-b", "i-a"}, 0},
		{"byte order mark", "\ufeffi-abc", []string{"i-abc"}, 0},
		{"uppercase refused", "i-ABC", nil, 1},
		{"missing prefix", "abc123 i-ok", nil, 1},
		{"html refused", "<script>alert(1)</script>", nil, 1},
		{"bad json", `["i-abc", 5]`, nil, 1},
		{"several invalid", "x y z i-ok", nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIDs(tt.in)
			var perr *ParseError
			if tt.invalid > 0 {
				if !errors.As(err, &perr) || perr.Count != tt.invalid {
					t.Fatalf("ParseIDs(%q) error = %v, want %d invalid tokens", tt.in, err, tt.invalid)
				}
				if got != nil {
					t.Errorf("ParseIDs(%q) = %v with an error, want nothing selected", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseIDs(%q) error = %v", tt.in, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseIDs(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseIDsLimits(t *testing.T) {
	var b strings.Builder
	for i := range MaxPaste {
		fmt.Fprintf(&b, "i-%d\n", i)
	}
	ids, err := ParseIDs(b.String())
	if err != nil || len(ids) != MaxPaste {
		t.Fatalf("ParseIDs(%d IDs) = %d IDs, %v; want all of them", MaxPaste, len(ids), err)
	}
	fmt.Fprintf(&b, "i-%d\n", MaxPaste)
	_, err = ParseIDs(b.String())
	var perr *ParseError
	if !errors.As(err, &perr) || !perr.TooMany {
		t.Fatalf("ParseIDs(%d IDs) error = %v, want TooMany", MaxPaste+1, err)
	}
}

func TestParseErrorListsAtMostTen(t *testing.T) {
	_, err := ParseIDs(strings.Repeat("bad ", 25))
	var perr *ParseError
	if !errors.As(err, &perr) {
		t.Fatalf("error = %v, want *ParseError", err)
	}
	if perr.Count != 25 || len(perr.Invalid) != 10 {
		t.Errorf("Count = %d, listed %d; want 25 counted and 10 listed", perr.Count, len(perr.Invalid))
	}
}

// TestParsePasteKeepsIDsAndListsIgnoredLines: a spreadsheet column with its
// header, a CSV with more columns, a stray note: the IDs are kept, and the
// lines without one are listed.
func TestParsePasteKeepsIDsAndListsIgnoredLines(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		ids     []string
		ignored []string
	}{
		{"header line", "Instance ID\ni-abc\ni-def\n", []string{"i-abc", "i-def"}, []string{"Instance ID"}},
		{"csv columns", "id,name,status\ni-abc,web-1,Running\r\ni-def,\"db, primary\",Stopped", []string{"i-abc", "i-def"}, []string{"id,name,status"}},
		{"one line, many IDs", "i-abc i-def, i-abc", []string{"i-abc", "i-def"}, nil},
		{"nothing but noise", "<script>alert(1)</script>\nI-ABC", nil, []string{"<script>alert(1)</script>", "I-ABC"}},
		{"json with a stray entry", `["i-abc", "web-1", ""]`, []string{"i-abc"}, []string{"web-1"}},
		{"text that starts with [ but is not json", "[ids]\ni-abc", []string{"i-abc"}, []string{"[ids]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePaste(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.IDs, tt.ids) || !slices.Equal(p.Ignored, tt.ignored) || p.IgnoredCount != len(tt.ignored) {
				t.Errorf("ParsePaste(%q) = %q, ignored %q (%d); want %q, ignored %q", tt.in, p.IDs, p.Ignored, p.IgnoredCount, tt.ids, tt.ignored)
			}
		})
	}
	var b strings.Builder
	for i := range MaxPaste + 1 {
		fmt.Fprintf(&b, "i-%d\n", i)
	}
	var perr *ParseError
	if _, err := ParsePaste(b.String()); !errors.As(err, &perr) || !perr.TooMany {
		t.Errorf("%d IDs: err = %v, want TooMany", MaxPaste+1, err)
	}
}
