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

// Issue #11: control characters from the cloud (an instance name with ESC
// sequences) reach no cell raw, so `cat export.csv` cannot drive the
// terminal.
func TestCSVMakesControlCharactersVisible(t *testing.T) {
	var buf bytes.Buffer
	w := NewCSV(&buf)
	hostile := "nul\u0000byte\u0007bell\u001b[31mred\u007f\u009b"
	if err := w.Row(hostile, "=\u001b]0;title\u0007"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	for i, c := range buf.Bytes() {
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f {
			t.Fatalf("byte %d of the file is the control %#x: %q", i, c, buf.String())
		}
	}
	if bytes.Contains(buf.Bytes(), []byte("\u009b")) {
		t.Errorf("the file holds the C1 control U+009B: %q", buf.String())
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`nul\u0000byte\u0007bell\u001b[31mred\u007f\u009b`, `'=\u001b]0;title\u0007`}
	if len(rows) != 1 || rows[0][0] != want[0] || rows[0][1] != want[1] {
		t.Errorf("rows = %q, want %q", rows, want)
	}
}
