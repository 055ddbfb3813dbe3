package apperr

import (
	"fmt"
	"strings"
	"testing"

	"keybind/internal/i18n"
)

// Every word the edge has for a domain code is in the catalogue in every
// language: by its ID when it names a subject, else by its English words.
func TestWordsAreInTheCatalogue(t *testing.T) {
	en, zh := i18n.New(i18n.English), i18n.New(i18n.Chinese)
	for code, msg := range words {
		if strings.Contains(msg, "%s") {
			id := "fault." + code
			if got, want := en.T(id, "Subject", "X"), fmt.Sprintf(msg, "X"); got != want {
				t.Errorf("%s: catalogue %q, edge %q", id, got, want)
			}
			continue
		}
		if zh.English(msg) == msg {
			t.Errorf("%s: %q has no Chinese words", code, msg)
		}
	}
}
