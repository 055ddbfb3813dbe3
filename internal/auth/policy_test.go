package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// hangul returns n distinct Hangul syllables: n code points, 3n bytes, and
// nothing the guessability checks would catch.
func hangul(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteRune(rune(0xAC00 + i*7))
	}
	return b.String()
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		{"12 characters", "river-stone7", true},
		{"11 characters", "river-ston7", false},
		{"256 code points (768 bytes)", hangul(256), true},
		{"257 code points", hangul(257), false},
		{"12 code points of emoji", "🦊🐙🦀🐝🦉🐢🦑🐞🦋🐌🦎🐬", true},
		{"11 code points of emoji (44 bytes)", "🦊🐙🦀🐝🦉🐢🦑🐞🦋🐌🦎", false},
		{"spaces allowed", "correct horse battery staple", true},
		{"no composition rules", "abacusmeadowlarkpond", true},
		{"invalid UTF-8", "valid-prefix\xff\xfe-then", false},
		{"listed, exact", "unbelievable", false},
		{"listed, other case", "UnBelievable", false},
		{"listed, 13 characters, upper case", "MASTERBAITING", false},
		{"listed word with digits added", "monkey12345678", false},
		{"listed word with symbols around", "!!!Password2024!!!", false},
		{"listed word upper case with digits", "SUMMER2024!!", false},
		{"context word with digits", "Keybind2026!!", false},
		{"one character repeated", "aaaaaaaaaaaaaa", false},
		{"short unit repeated", "abcabcabcabc", false},
		{"listed word repeated", "dragondragondragon", false},
		{"digit sequence", "123456789012", false},
		{"reverse sequence", "zyxwvutsrqpon", false},
		{"keyboard row", "QWERTYUIOPASDF", false},
		{"keyboard columns", "1qaz2wsx3edc4rfv", false},
		{"alternating walk", "1q2w3e4r5t6y", false},
		{"random digits are fine", "839201746352", true},
		{"long word not in the list", "dragonfly-meadow", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePassword(tt.pw)
			if tt.ok && err != nil {
				t.Errorf("ValidatePassword(%q) = %v, want nil", tt.pw, err)
			}
			var ve *ValidationError
			if !tt.ok && (!errors.As(err, &ve) || ve.Field != "password") {
				t.Errorf("ValidatePassword(%q) = %v, want a *ValidationError on password", tt.pw, err)
			}
		})
	}
}

func TestPasswordMayNotBeBuiltOnTheUsername(t *testing.T) {
	if err := validatePassword("margaret", "margaret-rocks-99"); err == nil {
		t.Error("password containing the username accepted")
	}
	if err := validatePassword("margaret", "Margaret1234567"); err == nil {
		t.Error("username plus digits accepted")
	}
	if err := validatePassword("bob", "bobsleigh-champion"); err != nil {
		t.Errorf("a 3-letter username inside a word refused: %v", err)
	}
}

func TestCommonListIsTheEmbeddedSecListsFile(t *testing.T) {
	m := commonPasswords()
	if len(m) < 9900 {
		t.Errorf("common password list has %d entries, want about 10000", len(m))
	}
	for _, w := range []string{"password", "123456", "qwerty", "contortionist"} {
		if _, ok := m[w]; !ok {
			t.Errorf("%q missing from the list", w)
		}
	}
	for w := range m {
		if strings.ContainsAny(w, "\r\n") || w != strings.ToLower(w) {
			t.Fatalf("entry %q is not normalized", w)
		}
	}
}

// Long passwords are used whole: the 256th character matters.
func TestLongPasswordIsNotTruncated(t *testing.T) {
	f := newFixture(t)
	pw := hangul(256)
	if n := utf8.RuneCountInString(pw); n != 256 {
		t.Fatalf("test password has %d code points", n)
	}
	f.user(t, "alice", RoleAdmin, pw)
	f.login(t, "alice", pw)
	r := []rune(pw)
	r[255]++
	if _, err := f.s.Login(context.Background(), "", "alice", string(r), "", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("login with the last character changed: err = %v, want ErrInvalidCredentials", err)
	}
	if _, err := f.s.CreateUser(context.Background(), LocalActor(), "bob", RoleAdmin, hangul(257)); err == nil {
		t.Error("CreateUser with a 257-character password accepted")
	}
}

func TestValidateUsername(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"Alice", true}, // normalized to alice
		{"  bob  ", true},
		{"a", true},
		{"j.doe_2-x", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{"1alice", false},
		{"_alice", false},
		{"al ice", false},
		{"alice@example", false},
		{"\u212Aate", false}, // Kelvin sign would lower-case to k
		{"élise", false},
	}
	for _, tt := range tests {
		err := ValidateUsername(tt.name)
		if tt.ok != (err == nil) {
			t.Errorf("ValidateUsername(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		var ve *ValidationError
		if err != nil && (!errors.As(err, &ve) || ve.Field != "username") {
			t.Errorf("ValidateUsername(%q) error %v is not a *ValidationError on username", tt.name, err)
		}
	}
	if got := NormalizeUsername(" Alice.B "); got != "alice.b" {
		t.Errorf("NormalizeUsername = %q, want alice.b", got)
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		pw, err := GeneratePassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != GeneratedPasswordLen || GeneratedPasswordLen < 20 {
			t.Errorf("generated %q: %d characters, want %d (at least 20)", pw, len(pw), GeneratedPasswordLen)
		}
		if strings.ContainsAny(pw, "0Oo1lI") {
			t.Errorf("generated %q contains an ambiguous character", pw)
		}
		for _, r := range pw {
			if !strings.ContainsRune(passwordAlphabet, r) {
				t.Errorf("generated %q contains %q outside the alphabet", pw, r)
			}
		}
		if err := ValidatePassword(pw); err != nil {
			t.Errorf("generated %q fails the policy: %v", pw, err)
		}
		if seen[pw] {
			t.Errorf("generated %q twice", pw)
		}
		seen[pw] = true
	}
}
