// Package text holds the few helpers for the words keybind shows that the
// pages, the API and the domain all use: counts with the right noun, lists
// kept short enough for a sentence, and untrusted text made safe to show
// where control characters would act instead of being read (a terminal
// printing a CSV export or a log, a page in a browser).
package text

import "fmt"

// Plural is n with the noun that fits it: "1 instance", "3 instances".
// one and many may carry more words: "instance was", "instances were".
func Plural(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, Noun(n, one, many))
}

// Noun is the words that fit n, without the number, for a sentence that
// says the number elsewhere or not at all: Noun(n, "it", "them").
func Noun(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// FirstFew keeps the first n entries of list and says how many more there
// are: ["a", "b", "and 3 more"].
func FirstFew(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	return append(list[:n:n], fmt.Sprintf("and %d more", len(list)-n))
}
