package i18n

import (
	"fmt"
	"testing"
)

// Every message filled in without go-i18n reads exactly as go-i18n fills
// it, in both languages, for counts that pick each plural form and for
// placeholders given as text and as numbers.
func TestSimpleMessagesReadAsGoI18n(t *testing.T) {
	fast := 0
	for _, lang := range Languages {
		l := New(lang.Code)
		msgs, err := Messages(lang.Code)
		if err != nil {
			t.Fatal(err)
		}
		for id, m := range msgs {
			var names []string
			for _, form := range []string{m.One, m.Other} {
				for _, match := range placeholder.FindAllStringSubmatch(form, -1) {
					names = append(names, match[1])
				}
			}
			for _, count := range []int{0, 1, 2, 21, 1234567} {
				for _, asText := range []bool{true, false} {
					kv := []any{"Count", count}
					for _, n := range names {
						if n == "Count" {
							continue
						}
						if asText {
							kv = append(kv, n, "<"+n+">")
						} else {
							kv = append(kv, n, count+7)
						}
					}
					got, ok := l.fillSimple(id, kv)
					if !ok {
						continue
					}
					fast++
					if want := l.localize(id, kv); got != want {
						t.Errorf("%s %s %v: %q, go-i18n %q", lang.Code, id, kv, got, want)
					}
				}
			}
		}
	}
	if fast == 0 {
		t.Fatal("no message was filled in without go-i18n")
	}
	// A placeholder without a value is left to go-i18n.
	if _, ok := New(English).fillSimple("nav.current_user", []any{"Name", "x"}); ok {
		t.Error("nav.current_user was filled in without its Role")
	}
}

// Numbers read as x/text formats them, in both languages.
func TestNumber(t *testing.T) {
	for _, lang := range Languages {
		l := New(lang.Code)
		for _, n := range []int{0, 7, -7, 999, 1000, -1000, 12345, 1234567, -1234567890} {
			if got, want := l.Number(n), fmt.Sprint(printerNumber(l, n)); got != want {
				t.Errorf("%s Number(%d) = %q, want %q", lang.Code, n, got, want)
			}
		}
	}
}
