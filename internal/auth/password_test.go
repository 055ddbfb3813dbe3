package auth

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestHashPasswordPHCFormat(t *testing.T) {
	h, err := hashPassword("correct horse battery staple", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(h) {
		t.Errorf("hash %q is not PHC argon2id with m=19456,t=2,p=1, 16-byte salt, 32-byte key", h)
	}
	ok, p, err := verifyPassword("correct horse battery staple", h)
	if err != nil || !ok || p != DefaultParams {
		t.Errorf("verify(right password) = %v, %+v, %v; want true, DefaultParams", ok, p, err)
	}
	if ok, _, _ := verifyPassword("correct horse battery staplE", h); ok {
		t.Error("verify(wrong password) = true")
	}
	h2, _ := hashPassword("correct horse battery staple", DefaultParams)
	if h2 == h {
		t.Error("two hashes of one password are equal: salt is not random")
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	good, _ := hashPassword("some long password", fastParams)
	parts := strings.Split(good, "$")
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuu"},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"old version", strings.Replace(good, "v=19", "v=16", 1)},
		{"unknown parameter", strings.Replace(good, "p=1", "x=1", 1)},
		{"huge memory", "$argon2id$v=19$m=4194304,t=2,p=1$" + parts[4] + "$" + parts[5]},
		{"huge time", "$argon2id$v=19$m=64,t=1000,p=1$" + parts[4] + "$" + parts[5]},
		{"zero threads", "$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5]},
		{"bad salt", "$argon2id$v=19$m=64,t=1,p=1$!!!$" + parts[5]},
		{"short key", "$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$AAAA"},
		{"extra field", good + "$x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, _, err := verifyPassword("some long password", tt.hash)
			if ok || !errors.Is(err, errBadHash) {
				t.Errorf("verify = %v, %v; want false, errBadHash", ok, err)
			}
		})
	}
}

func TestLoginRehashesWhenParametersChange(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.user(t, "alice", RoleAdmin, pwAlice)
	before, _ := f.st.UserByName(ctx, "alice")

	newer := Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	f.s.dummy() // the start-up hash has read the old parameters
	f.s.params = newer
	f.login(t, "alice", pwAlice)
	after, _ := f.st.UserByName(ctx, "alice")
	if after.PasswordHash == before.PasswordHash {
		t.Fatal("hash unchanged after sign-in with new parameters")
	}
	p, _, _, err := parseHash(after.PasswordHash)
	if err != nil || p != newer {
		t.Errorf("new hash parameters = %+v, %v; want %+v", p, err, newer)
	}
	if !after.PasswordChangedAt.Equal(before.PasswordChangedAt) {
		t.Error("a rehash changed PasswordChangedAt; the password did not change")
	}
	f.login(t, "alice", pwAlice) // still the same password

	// Same parameters: no rehash.
	f.login(t, "alice", pwAlice)
	again, _ := f.st.UserByName(ctx, "alice")
	if again.PasswordHash != after.PasswordHash {
		t.Error("hash rewritten although parameters did not change")
	}
}

func TestHashConcurrencyIsBounded(t *testing.T) {
	f := newFixture(t)
	if got := cap(f.s.hashSem); got < 1 {
		t.Fatalf("default HashConcurrency = %d", got)
	}
	s := New(f.st, Config{HashConcurrency: 1, Clock: f.clock, Params: fastParams})
	s.hashSem <- struct{}{} // the only slot is taken
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.hash(ctx, "whatever password"); !errors.Is(err, context.Canceled) {
		t.Errorf("hash with no free slot = %v, want it to wait (and give up on ctx)", err)
	}
	<-s.hashSem
	if _, err := s.hash(context.Background(), "whatever password"); err != nil {
		t.Errorf("hash with a free slot: %v", err)
	}
}
