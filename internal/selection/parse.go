// Package selection keeps the instances a user has picked for a binding,
// on the server (a cookie holds 4 KB; a selection holds thousands of IDs),
// and parses pasted lists of instance IDs.
package selection

import (
	"encoding/json"
	"fmt"
	"strings"

	"keybind/internal/cloud"
)

// MaxPaste is the most IDs one paste may carry.
const MaxPaste = 5000

// ParseError lists the pasted tokens that are not instance IDs.
type ParseError struct {
	Invalid []string // the offending tokens, at most 10, as typed
	Count   int      // how many tokens were invalid
	TooMany bool     // more than MaxPaste IDs
}

func (e *ParseError) Error() string {
	if e.TooMany {
		return fmt.Sprintf("a paste may hold at most %d instance IDs", MaxPaste)
	}
	return fmt.Sprintf("%d entries are not instance IDs (i- followed by lowercase letters and digits): %s",
		e.Count, strings.Join(e.Invalid, ", "))
}

// ParseIDs reads instance IDs separated by newlines, commas, semicolons or
// spaces, or given as a JSON array of strings. Duplicates are dropped and
// the first-seen order kept. Any token that is not an instance ID makes the
// whole paste fail, so nothing is selected silently in part.
func ParseIDs(text string) ([]string, error) {
	text = strings.TrimSpace(strings.TrimPrefix(text, "\ufeff"))
	if text == "" {
		return nil, nil
	}
	var tokens []string
	if strings.HasPrefix(text, "[") {
		if err := json.Unmarshal([]byte(text), &tokens); err != nil {
			return nil, &ParseError{Invalid: []string{"the text starts with [ but is not a JSON array of strings"}, Count: 1}
		}
	} else {
		tokens = splitTokens(text)
	}
	seen := make(map[string]bool, len(tokens))
	var ids []string
	perr := &ParseError{}
	for _, t := range tokens {
		id := strings.Trim(strings.TrimSpace(t), `"'`)
		if id == "" {
			continue
		}
		if !cloud.ValidInstanceID(id) {
			perr.Count++
			if len(perr.Invalid) < 10 {
				perr.Invalid = append(perr.Invalid, truncate(id, 40))
			}
			continue
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if perr.Count > 0 {
		return nil, perr
	}
	if len(ids) > MaxPaste {
		return nil, &ParseError{TooMany: true}
	}
	return ids, nil
}

// splitTokens splits text at newlines, commas, semicolons and spaces.
func splitTokens(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool {
		switch r {
		case ',', ';', ' ', '\t', '\n', '\r':
			return true
		}
		return false
	})
}

// Paste is what a pasted list holds: its instance IDs, and the lines that
// hold none.
type Paste struct {
	IDs          []string // in first-seen order, duplicates dropped
	Ignored      []string // the first 10 lines (or JSON entries) without an instance ID, shortened
	IgnoredCount int
}

// ParsePaste reads instance IDs as ParseIDs does, but a paste that also
// holds other text keeps its IDs: a line without any instance ID (a
// spreadsheet's header, a comment) is ignored and listed, and on a line
// with one the other columns (a name, a status) are dropped. Only more
// than MaxPaste IDs fails.
func ParsePaste(text string) (Paste, error) {
	text = strings.TrimSpace(strings.TrimPrefix(text, "\ufeff"))
	var p Paste
	ignore := func(line string) {
		p.IgnoredCount++
		if len(p.Ignored) < 10 {
			p.Ignored = append(p.Ignored, truncate(line, 60))
		}
	}
	seen := map[string]bool{}
	keep := func(tokens []string) bool {
		found := false
		for _, t := range tokens {
			id := strings.Trim(strings.TrimSpace(t), `"'`)
			if !cloud.ValidInstanceID(id) {
				continue
			}
			found = true
			if !seen[id] {
				seen[id] = true
				p.IDs = append(p.IDs, id)
			}
		}
		return found
	}
	var list []string
	if strings.HasPrefix(text, "[") && json.Unmarshal([]byte(text), &list) == nil {
		for _, entry := range list {
			if !keep([]string{entry}) && strings.TrimSpace(entry) != "" {
				ignore(entry)
			}
		}
	} else {
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimSpace(line)
			if line != "" && !keep(splitTokens(line)) {
				ignore(line)
			}
		}
	}
	if len(p.IDs) > MaxPaste {
		return Paste{}, &ParseError{TooMany: true}
	}
	return p, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
