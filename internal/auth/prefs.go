package auth

import (
	"context"
	"maps"
	"unicode/utf8"

	"keybind/internal/store"
)

const maxPrefValue = 1024

func validPrefName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !nameRune(r) {
			return false
		}
	}
	return true
}

// Pref returns the user's preference name (say "region"), or "" if unset.
func (s *Service) Pref(ctx context.Context, u *User, name string) (string, error) {
	if u == nil || !validPrefName(name) {
		return "", nil
	}
	v, _, err := s.st.Pref(ctx, u.ID, name)
	return v, err
}

// SetPref sets the user's preference name: lower-case letters, digits,
// '.', '_', '-', at most 64; the value at most 1 KiB of text.
func (s *Service) SetPref(ctx context.Context, u *User, name, value string) error {
	if u == nil {
		return ErrForbidden
	}
	if !validPrefName(name) {
		return &ValidationError{Field: "name", Message: "must be 1 to 64 lower-case letters, digits, '.', '_' or '-'"}
	}
	if len(value) > maxPrefValue || !utf8.ValidString(value) {
		return &ValidationError{Field: "value", Message: "must be text of at most 1 KiB"}
	}
	return s.st.SetPref(ctx, u.ID, name, value, s.now())
}

// Prefs returns every preference of the user (empty when signed out).
func (s *Service) Prefs(ctx context.Context, u *User) (map[string]string, error) {
	if u == nil {
		return map[string]string{}, nil
	}
	changes, counted := store.ChangesFrom(ctx)
	if counted {
		if p, ok := s.prefs.Get(changes.Auth, u.ID); ok {
			return maps.Clone(p), nil
		}
	}
	p, err := s.st.Prefs(ctx, u.ID)
	if err == nil && counted {
		s.prefs.Put(changes.Auth, u.ID, maps.Clone(p))
	}
	return p, err
}
