package handlers

import (
	"crypto/rand"
	"encoding/base64"
)

// CSRFSessionKey is where the session keeps its CSRF token.
const CSRFSessionKey = "csrf"

// NewToken returns 256 random bits, URL-safe.
func NewToken() string { return newToken() }

// newToken returns 256 random bits, URL-safe.
func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
