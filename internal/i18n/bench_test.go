package i18n_test

import (
	"testing"

	"keybind/internal/i18n"
)

// The result grid words every row: a message without placeholders and one
// with a count are what a row costs.
func BenchmarkT(b *testing.B) {
	l := i18n.New(i18n.Chinese)
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			_ = l.T("result.bound")
		}
	})
	b.Run("count", func(b *testing.B) {
		for b.Loop() {
			_ = l.T("jobpage.reboot_all", "Count", 1234)
		}
	})
}
