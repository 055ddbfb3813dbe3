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
		tokens = strings.FieldsFunc(text, func(r rune) bool {
			switch r {
			case ',', ';', ' ', '\t', '\n', '\r':
				return true
			}
			return false
		})
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

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
