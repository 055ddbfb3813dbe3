package cloud

import (
	"testing"

	"keybind/internal/i18n"
)

// Every code the gateway explains is explained in every language of the
// console, with the same English words (the catalogue's ecs section).
func TestCloudMessagesExplained(t *testing.T) {
	en, zh := i18n.New(i18n.English), i18n.New(i18n.Chinese)
	for code, msg := range codeMessage {
		id := "ecs." + code
		if !i18n.Has(id) {
			t.Errorf("%s is not in the catalogue", id)
			continue
		}
		if got := en.T(id); got != msg {
			t.Errorf("%s: catalogue says %q, the gateway %q", id, got, msg)
		}
		if zh.T(id) == msg {
			t.Errorf("%s has no Chinese words", id)
		}
	}
	for _, words := range kindMessage {
		if zh.English(words) == words {
			t.Errorf("%q has no Chinese words", words)
		}
	}
	for _, p := range prefixMessage {
		if zh.English(p.msg) == p.msg {
			t.Errorf("%q has no Chinese words", p.msg)
		}
	}
}
