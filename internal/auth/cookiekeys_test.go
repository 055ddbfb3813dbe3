package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestCookieKeysAreGeneratedOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	keys, err := LoadOrCreateCookieKeys(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || len(keys[0]) != 32 || len(keys[1]) != 32 || bytes.Equal(keys[0], keys[1]) {
		t.Fatalf("keys = %d of lengths %d, %d; want a hash key and a block key of 32 distinct bytes", len(keys), len(keys[0]), len(keys[1]))
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(filepath.Join(dir, CookieKeysFile))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode = %v, %v; want 600", fi.Mode().Perm(), err)
		}
	}
	again, err := LoadOrCreateCookieKeys(dir, nil)
	if err != nil || !bytes.Equal(again[0], keys[0]) || !bytes.Equal(again[1], keys[1]) {
		t.Error("second start produced other keys; existing sessions would be lost")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestCookieKeysConcurrentFirstStart(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	got := make([][][]byte, 4)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := LoadOrCreateCookieKeys(dir, nil)
			if err != nil {
				t.Error(err)
			}
			got[i] = k
		}()
	}
	wg.Wait()
	for i := 1; i < len(got); i++ {
		if len(got[i]) != 2 || !bytes.Equal(got[i][0], got[0][0]) {
			t.Fatal("processes starting together disagree on the cookie keys")
		}
	}
}

func TestConfiguredCookieKeys(t *testing.T) {
	pair := func() ([]byte, string) {
		b := make([]byte, 64)
		rand.Read(b)
		return b, base64.StdEncoding.EncodeToString(b)
	}
	newest, newestText := pair()
	older, _ := pair()
	dir := t.TempDir()
	keys, err := LoadOrCreateCookieKeys(dir, []string{newestText, base64.RawURLEncoding.EncodeToString(older)})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{newest[:32], newest[32:], older[:32], older[32:]}
	if len(keys) != len(want) {
		t.Fatalf("%d keys, want %d", len(keys), len(want))
	}
	for i := range want {
		if !bytes.Equal(keys[i], want[i]) {
			t.Errorf("key %d differs: want hash/block pairs, newest first", i)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, CookieKeysFile)); !os.IsNotExist(err) {
		t.Error("a key file was written although keys are configured")
	}
	for _, bad := range [][]string{{"not base64!"}, {base64.StdEncoding.EncodeToString(make([]byte, 32))}, {newestText, ""}} {
		if _, err := LoadOrCreateCookieKeys(dir, bad); err == nil {
			t.Errorf("configured keys %q accepted", bad)
		}
	}
}

func TestCookieKeyFileReadableByOthersIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix permissions")
	}
	dir := t.TempDir()
	if _, err := LoadOrCreateCookieKeys(dir, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, CookieKeysFile)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateCookieKeys(dir, nil); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key file: err = %v, want a refusal", err)
	}
}
