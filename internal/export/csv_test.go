package export

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestCellNeutralisesFormulas(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"web-01", "web-01"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1+1", "'+1+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"a=1", "a=1"},
		{"<script>alert(1)</script>", "<script>alert(1)</script>"},
	}
	for _, tt := range tests {
		if got := Cell(tt.in); got != tt.want {
			t.Errorf("Cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCSVRowsRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewCSV(&buf)
	if err := w.Row("name", "id"); err != nil {
		t.Fatal(err)
	}
	if err := w.Row(`=cmd|' /C calc'!A0`, `a "quoted", value`); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1][0] != `'=cmd|' /C calc'!A0` || rows[1][1] != `a "quoted", value` {
		t.Errorf("rows = %q", rows)
	}
}
