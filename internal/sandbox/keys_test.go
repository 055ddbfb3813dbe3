package sandbox

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestParsePublicKey(t *testing.T) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	ed, _ := ssh.NewPublicKey(edPub)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec, _ := ssh.NewPublicKey(&ecKey.PublicKey)
	line := func(k ssh.PublicKey) string { return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) }
	tests := []struct {
		name, body, wantFP string
		ok                 bool
	}{
		{"ed25519 with comment", line(ed) + " me@host", ssh.FingerprintLegacyMD5(ed), true},
		{"ecdsa, surrounding space", "  " + line(ec) + "\n", ssh.FingerprintLegacyMD5(ec), true},
		{"with options", `from="10.0.0.1" ` + line(ed), ssh.FingerprintLegacyMD5(ed), true},
		{"bare base64", strings.Fields(line(ed))[1], "", false},
		{"two keys", line(ed) + "\n" + line(ec), "", false},
		{"garbage", "ssh-rsa AAAAnotakey", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fp, err := parsePublicKey(tt.body)
			if (err == nil) != tt.ok || fp != tt.wantFP {
				t.Errorf("got fp %q err %v, want fp %q ok=%v", fp, err, tt.wantFP, tt.ok)
			}
			if tt.ok && len(strings.Split(fp, ":")) != 16 {
				t.Errorf("got fingerprint %q, want aa:bb:… MD5 form", fp)
			}
		})
	}
}

func TestValidKeyPairName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"ab", true},
		{"a", false},
		{"Key_1:x-y", true},
		{"1key", false},
		{"_key", false},
		{"key pair", false},
		{"key.pair", false},
		{"http://x", false},
		{"密钥", true},
		{"k" + strings.Repeat("x", 127), true},
		{"k" + strings.Repeat("x", 128), false},
	}
	for _, tt := range tests {
		if got := validKeyPairName(tt.name); got != tt.want {
			t.Errorf("validKeyPairName(%q): got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNewRSAKeyPair(t *testing.T) {
	priv, pub, fp, err := newRSAKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey([]byte(priv))
	if err != nil {
		t.Fatalf("private key does not parse: %v", err)
	}
	if !strings.HasPrefix(priv, "-----BEGIN PRIVATE KEY-----") {
		t.Errorf("got %.30q, want PKCS#8 PEM", priv)
	}
	if got := line(signer.PublicKey()); got != pub || ssh.FingerprintLegacyMD5(signer.PublicKey()) != fp {
		t.Errorf("public half %q / %s does not match the private key", pub, fp)
	}
}

func line(k ssh.PublicKey) string { return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) }
