package accounts

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SecretKeyFile is the name of the generated secret key in the data directory.
const SecretKeyFile = "secret.key"

// sealPrefix marks the sealing scheme of a stored secret, so a later key
// rotation can tell old from new.
const sealPrefix = "v1:"

// Sealer encrypts AccessKey secrets at rest with AES-256-GCM; the account
// name is the additional data, so a sealed secret moved to another account
// does not open.
type Sealer struct{ aead cipher.AEAD }

// NewSealer builds a Sealer over a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("accounts: the secret key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts secret for the account name.
func (s *Sealer) Seal(name, secret string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := s.aead.Seal(nonce, nonce, []byte(secret), []byte(name))
	return sealPrefix + base64.StdEncoding.EncodeToString(ct), nil
}

// errUnseal is a sealed secret that does not open with this key.
var errUnseal = errors.New("accounts: the sealed secret does not open with this secret key")

// Open decrypts what Seal made for the account name.
func (s *Sealer) Open(name, sealed string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, sealPrefix))
	if err != nil || !strings.HasPrefix(sealed, sealPrefix) || len(raw) < s.aead.NonceSize() {
		return "", errUnseal
	}
	n := s.aead.NonceSize()
	pt, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(name))
	if err != nil {
		return "", errUnseal
	}
	return string(pt), nil
}

// ErrSecretKeyRequired means a secret key is required (a shared database such as
// PostgreSQL) and none was given.
var ErrSecretKeyRequired = errors.New("accounts: a secret key is required: give --secret-key-file or KEYBIND_SECRET_KEY (32 random bytes, base64)")

// LoadSecretKey finds the key that seals AccessKey secrets: the base64 in
// the environment variable's value env, else the file (base64, or 32 raw
// bytes), else, when generate is true (SQLite: the key lives beside the
// database file), the file SecretKeyFile in dataDir, created with a new
// random key (mode 0600) if absent. With generate false and neither given
// it returns ErrSecretKeyRequired: a PostgreSQL database is shared, a key beside
// one process is not.
func LoadSecretKey(env, file, dataDir string, generate bool) ([]byte, error) {
	if env != "" {
		return decodeKey(env, "KEYBIND_SECRET_KEY")
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("accounts: secret key: %w", err)
		}
		if len(b) == 32 {
			return b, nil
		}
		return decodeKey(strings.TrimSpace(string(b)), file)
	}
	if !generate {
		return nil, ErrSecretKeyRequired
	}
	path := filepath.Join(dataDir, SecretKeyFile)
	if b, err := os.ReadFile(path); err == nil {
		return decodeKey(strings.TrimSpace(string(b)), path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("accounts: secret key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("accounts: secret key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("accounts: secret key: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: secret key: %w", err)
	}
	return key, nil
}

func decodeKey(s, from string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("accounts: the secret key in %s is not 32 bytes in base64", from)
	}
	return b, nil
}
