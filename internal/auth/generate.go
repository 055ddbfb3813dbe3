package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// passwordAlphabet leaves out look-alikes: 0 O o 1 l I.
const passwordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"

// GeneratedPasswordLen is the length of generated passwords: 24 characters
// from 56 symbols, about 139 bits.
const GeneratedPasswordLen = 24

// GeneratePassword returns a random password from crypto/rand that passes
// the password policy.
func GeneratePassword() (string, error) {
	for {
		pw, err := randomString(GeneratedPasswordLen, passwordAlphabet)
		if err != nil {
			return "", err
		}
		if ValidatePassword(pw) == nil {
			return pw, nil
		}
	}
}

// randomString returns n symbols drawn uniformly from alphabet (at most 256
// symbols), by rejection sampling over random bytes.
func randomString(n int, alphabet string) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// sessionIDBytes is the session token size: 256 bits.
const sessionIDBytes = 32

var tokenEncoding = base64.RawURLEncoding.Strict()

// newSessionID returns a fresh session token for the cookie and the SHA-256
// (hex) that the database keeps instead.
func newSessionID() (raw, idHash string, err error) {
	b := make([]byte, sessionIDBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	return tokenEncoding.EncodeToString(b), hashID(b), nil
}

// sessionIDHash returns the database key of a session token; ok is false if
// raw is not a well-formed token.
func sessionIDHash(raw string) (idHash string, ok bool) {
	if len(raw) != tokenEncoding.EncodedLen(sessionIDBytes) {
		return "", false
	}
	b, err := tokenEncoding.DecodeString(raw)
	if err != nil || len(b) != sessionIDBytes {
		return "", false
	}
	return hashID(b), true
}

func hashID(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
