package auth

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Password and username limits. Lengths count Unicode code points.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
	MaxUsernameLen = 64
)

// commonPasswordsText is SecLists Passwords/Common-Credentials/
// 10k-most-common.txt (MIT licence), verbatim.
//
//go:embed common-passwords.txt
var commonPasswordsText string

// commonPasswords is the embedded list, lower-cased.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 10000)
	for line := range strings.Lines(commonPasswordsText) {
		if w := strings.ToLower(strings.TrimRight(line, "\r\n")); w != "" {
			m[w] = struct{}{}
		}
	}
	return m
})

// contextWords are easy guesses specific to keybind (ASVS 6.2.11).
var contextWords = []string{"keybind", "alibaba", "aliyun", "alibabacloud", "helpdesk", "admin", "administrator"}

// keyboardWalks are sequences people type as passwords; a password that is a
// stretch of one, forwards or backwards, is refused.
var keyboardWalks = []string{
	"abcdefghijklmnopqrstuvwxyz",
	"01234567890123456789012345678901234567890",
	"qwertyuiopasdfghjklzxcvbnm",
	"qwertzuiopasdfghjklyxcvbnm",
	"azertyuiopqsdfghjklmwxcvbn",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
	"zaq1xsw2cde3vfr4bgt5nhy6mju7ki8lo9p0",
	"qazwsxedcrfvtgbyhnujmikolp",
	"1q2w3e4r5t6y7u8i9o0p",
	"q1w2e3r4t5y6u7i8o9p0",
	"1234567890qwertyuiopasdfghjklzxcvbnm",
	"!@#$%^&*()_+",
	"1!2@3#4$5%6^7&8*9(0)",
}

// ValidatePassword checks a new password against the policy: 12 to 256
// characters, any characters, and not a common or easily guessed one. The
// check is case-insensitive; the password itself is used exactly as given.
func ValidatePassword(pw string) error { return validatePassword("", pw) }

// validatePassword is ValidatePassword that also refuses passwords built on
// the account's own name.
func validatePassword(username, pw string) error {
	if !utf8.ValidString(pw) {
		return &ValidationError{Field: "password", Message: "must be valid text (UTF-8)"}
	}
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLen:
		return &ValidationError{Field: "password", Message: fmt.Sprintf("must be at least %d characters", MinPasswordLen)}
	case n > MaxPasswordLen:
		return &ValidationError{Field: "password", Message: fmt.Sprintf("must be at most %d characters", MaxPasswordLen)}
	}
	if guessable(username, pw) {
		return &ValidationError{Field: "password", Message: "is too common or too easy to guess; choose another"}
	}
	return nil
}

// guessable reports whether pw is, ignoring case, a listed password or
// context word, one with digits or symbols added around it, a short unit or
// listed word repeated, a keyboard walk, or built on the username. The list
// alone holds few passwords of 12 characters or more; these variants are
// what makes it bite on long ones.
func guessable(username, pw string) bool {
	lower := strings.ToLower(pw)
	username = strings.ToLower(username)
	listed := func(w string) bool {
		if _, ok := commonPasswords()[w]; ok {
			return true
		}
		for _, c := range contextWords {
			if w == c {
				return true
			}
		}
		return username != "" && w == username
	}
	if listed(lower) {
		return true
	}
	if username != "" && utf8.RuneCountInString(username) >= 4 && strings.Contains(lower, username) {
		return true
	}
	core := strings.TrimFunc(lower, func(r rune) bool {
		return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)
	})
	if core != lower && utf8.RuneCountInString(core) >= 4 && listed(core) {
		return true
	}
	for _, c := range []string{lower, core} {
		if c == "" {
			continue
		}
		if u := repeatedUnit(c); u != "" && (utf8.RuneCountInString(u) <= 4 || listed(u)) {
			return true
		}
		if isWalk(c) {
			return true
		}
	}
	return false
}

// repeatedUnit returns u if s is u repeated twice or more, else "".
func repeatedUnit(s string) string {
	for l := 1; l <= len(s)/2; l++ {
		if len(s)%l == 0 && strings.Repeat(s[:l], len(s)/l) == s {
			return s[:l]
		}
	}
	return ""
}

func isWalk(s string) bool {
	if utf8.RuneCountInString(s) < 4 {
		return false
	}
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	rev := string(r)
	for _, w := range keyboardWalks {
		if strings.Contains(w, s) || strings.Contains(w, rev) {
			return true
		}
	}
	return false
}

// NormalizeUsername trims surrounding space and lower-cases ASCII letters.
// Other characters are kept, so that look-alikes (the Kelvin sign for k)
// fail validation instead of folding onto an existing name.
func NormalizeUsername(name string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, strings.TrimSpace(name))
}

// ValidateUsername checks NormalizeUsername(name): 1 to 64 characters,
// lower-case letters, digits, '.', '_' and '-', starting with a letter.
func ValidateUsername(name string) error {
	name = NormalizeUsername(name)
	if name == "" {
		return &ValidationError{Field: "username", Message: "is required"}
	}
	if len(name) > MaxUsernameLen {
		return &ValidationError{Field: "username", Message: fmt.Sprintf("must be at most %d characters", MaxUsernameLen)}
	}
	if name[0] < 'a' || name[0] > 'z' {
		return &ValidationError{Field: "username", Message: "must start with a letter"}
	}
	for _, r := range name {
		if !nameRune(r) {
			return &ValidationError{Field: "username", Message: "may only contain letters, digits, '.', '_' and '-'"}
		}
	}
	return nil
}

// nameRune reports whether r may appear in a user or preference name:
// a lowercase letter, a digit, '.', '_' or '-'.
func nameRune(r rune) bool {
	return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-'
}
