package auth

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// CookieKeysFile is the name of the generated key file in the data directory.
const CookieKeysFile = "cookie-keys"

// cookieKeyPairLen is one configured or stored key: a 32-byte HMAC-SHA256
// hash key followed by a 32-byte AES-256 block key.
const cookieKeyPairLen = 64

// LoadOrCreateCookieKeys returns securecookie key pairs, flattened as
// gorilla/sessions wants them: hash key 1, block key 1, hash key 2, …
//
// If configured is not empty, each entry is the base64 (standard or URL,
// padding optional) of 64 random bytes, newest first; older ones still
// decode cookies during a rotation. Otherwise the keys come from
// dataDir/cookie-keys, which is generated on first start (mode 0600,
// written to a temporary file and linked into place so that two processes
// starting together agree on one key).
func LoadOrCreateCookieKeys(dataDir string, configured []string) ([][]byte, error) {
	if len(configured) > 0 {
		keys, err := decodeCookieKeys(configured)
		if err != nil {
			return nil, fmt.Errorf("auth: configured cookie keys: %w", err)
		}
		return keys, nil
	}
	path := filepath.Join(dataDir, CookieKeysFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createCookieKeys(dataDir, path); err != nil {
			return nil, fmt.Errorf("auth: create %s: %w", path, err)
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: cookie keys: %w", err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("auth: cookie keys: %w", err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			return nil, fmt.Errorf("auth: %s is readable by others (mode %o); chmod 600 it", path, perm)
		}
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	keys, err := decodeCookieKeys(lines)
	if err != nil {
		return nil, fmt.Errorf("auth: %s: %w", path, err)
	}
	return keys, nil
}

func decodeCookieKeys(entries []string) ([][]byte, error) {
	if len(entries) == 0 {
		return nil, errors.New("no keys")
	}
	var keys [][]byte
	for i, e := range entries {
		e = strings.TrimRight(strings.TrimSpace(e), "=")
		b, err := base64.RawStdEncoding.DecodeString(e)
		if err != nil {
			b, err = base64.RawURLEncoding.DecodeString(e)
		}
		if err != nil || len(b) != cookieKeyPairLen {
			return nil, fmt.Errorf("key %d: want the base64 of %d bytes", i+1, cookieKeyPairLen)
		}
		keys = append(keys, b[:32], b[32:])
	}
	return keys, nil
}

func createCookieKeys(dir, path string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	pair := make([]byte, cookieKeyPairLen)
	if _, err := rand.Read(pair); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, CookieKeysFile+".tmp-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // gone once linked; on failure, never left behind
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		_ = tmp.Close() // the write failed already
		return err
	}
	content := "# keybind session cookie keys: base64 of a 32-byte hash key and a 32-byte block key, newest first.\n" +
		base64.RawURLEncoding.EncodeToString(pair) + "\n"
	if _, err := tmp.WriteString(content); err != nil {
		_ = tmp.Close() // the write failed already
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close() // the write failed already
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// Link fails if the file exists: another process won, and its keys stand.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: the key file itself is synced and linked
		_ = d.Close()
	}
	return nil
}
