package sshkey

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidName applies ECS's rules for a new key pair's name: 2–128
// characters, starting with a letter, only letters, digits, ':', '_' and
// '-', not starting with http:// or https://. It returns an *Error of kind
// ErrName whose message says which rule the name breaks.
func ValidName(name string) error {
	bad := func(msg string) error { return &Error{Kind: ErrName, Message: msg} }
	n := utf8.RuneCountInString(name)
	lower := strings.ToLower(name)
	switch {
	case name == "":
		return bad("Enter a name for the key pair.")
	case !utf8.ValidString(name):
		return bad("The name can contain only letters, digits, ':', '_' and '-'.")
	case n < 2:
		return bad("The name needs at least 2 characters.")
	case n > 128:
		return bad(fmt.Sprintf("The name can have at most 128 characters; this one has %d.", n))
	case strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://"):
		return bad("The name cannot start with http:// or https://.")
	}
	first, _ := utf8.DecodeRuneInString(name)
	if !unicode.IsLetter(first) {
		return bad("The name must start with a letter.")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ':' && r != '_' && r != '-' {
			return bad("The name can contain only letters, digits, ':', '_' and '-', not " + describeRune(r) + ".")
		}
	}
	return nil
}

// describeRune names a refused character so the message stays readable.
func describeRune(r rune) string {
	switch {
	case r == ' ':
		return "spaces"
	case unicode.IsSpace(r):
		return "spaces or tabs"
	case unicode.IsPrint(r):
		return fmt.Sprintf("%q", string(r))
	}
	return fmt.Sprintf("the invisible character %U", r)
}

// ValidExistingName is the looser check for the name of a key pair that
// exists already, made under ECS rules that may have changed since: not
// empty, at most 128 characters, no wildcard, quote, backslash or control
// character.
func ValidExistingName(name string) bool {
	return name != "" && len(name) <= 512 && utf8.RuneCountInString(name) <= 128 &&
		!strings.ContainsAny(name, `*"\`) && !strings.ContainsFunc(name, unicode.IsControl)
}
