package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // iterations
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are OWASP's argon2id minimum: m=19 MiB, t=2, p=1.
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

var b64 = base64.RawStdEncoding

var errBadHash = errors.New("auth: malformed password hash")

// hashPassword returns the PHC string of pw under p:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, unpadded standard base64.
func hashPassword(pw string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// parseHash parses a PHC argon2id string, refusing parameters outside sane
// bounds (a tampered row must not make a sign-in allocate gigabytes).
func parseHash(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, errBadHash
	}
	var m, t, th uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, perr := strconv.ParseUint(v, 10, 32)
		if !ok || perr != nil {
			return Params{}, nil, nil, errBadHash
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			th = n
		default:
			return Params{}, nil, nil, errBadHash
		}
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return Params{}, nil, nil, errBadHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return Params{}, nil, nil, errBadHash
	}
	if th < 1 || th > 16 || t < 1 || t > 16 || m < 8*th || m > 1<<20 ||
		len(salt) < 8 || len(salt) > 64 || len(key) < 16 || len(key) > 64 {
		return Params{}, nil, nil, errBadHash
	}
	p = Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(th), SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	return p, salt, key, nil
}

// verifyPassword reports whether pw matches encoded, comparing in constant
// time, and returns the parameters encoded was made with.
func verifyPassword(pw, encoded string) (bool, Params, error) {
	p, salt, want, err := parseHash(encoded)
	if err != nil {
		return false, Params{}, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, want) == 1, p, nil
}

// acquireHash waits for a hashing slot; release it with releaseHash.
func (s *Service) acquireHash(ctx context.Context) error {
	select {
	case s.hashSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) releaseHash() {
	<-s.hashSem
	s.afterHash()
}

// hash hashes pw with the service's parameters, within the concurrency bound.
func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	if err := s.acquireHash(ctx); err != nil {
		return "", err
	}
	defer s.releaseHash()
	return hashPassword(pw, s.params)
}

// verify checks pw against encoded within the concurrency bound; rehash is
// true when encoded was made with other parameters than the service's.
func (s *Service) verify(ctx context.Context, pw, encoded string) (ok, rehash bool, err error) {
	if err := s.acquireHash(ctx); err != nil {
		return false, false, err
	}
	defer s.releaseHash()
	s.verifies.Add(1)
	ok, p, err := verifyPassword(pw, encoded)
	return ok, ok && p != s.params, err
}

// dummy returns a hash of a random password, made once, that unknown users
// are checked against so that their sign-in costs the same as a real one.
func (s *Service) dummy() string {
	s.dummyOnce.Do(func() {
		pw := rand.Text()
		h, err := hashPassword(pw, s.params)
		if err != nil {
			panic(err) // crypto/rand does not fail
		}
		s.dummyHash = h
		s.afterHash()
	})
	return s.dummyHash
}
