// Package export writes what a page shows as CSV or JSON files, with text
// that came from the cloud or from users made safe for spreadsheets.
package export

import (
	"encoding/csv"
	"io"
	"strings"

	"keybind/internal/text"
)

// Cell neutralises a value for spreadsheets and terminals: control
// characters are made visible (an ESC would act when the file is printed
// with cat), and text starting with =, +, -, @, a tab or a carriage return
// would be read as a formula, so it gets a leading apostrophe (OWASP "CSV
// injection").
func Cell(s string) string {
	s = text.Visible(s)
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// CSV writes rows of neutralised cells.
type CSV struct{ w *csv.Writer }

// NewCSV starts a CSV file on w.
func NewCSV(w io.Writer) *CSV { return &CSV{w: csv.NewWriter(w)} }

// Row writes one row.
func (c *CSV) Row(cells ...string) error {
	safe := make([]string, len(cells))
	for i, s := range cells {
		safe[i] = Cell(s)
	}
	return c.w.Write(safe)
}

// Flush finishes the file and reports any write error.
func (c *CSV) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// Join lists values in one cell.
func Join(values []string) string { return strings.Join(values, " ") }
