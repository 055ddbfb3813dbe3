package sshkey

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// testKey is a key pair generated for the test; nothing is committed.
type testKey struct {
	private crypto.Signer
	pub     ssh.PublicKey
}

func (k testKey) line(comment string) string {
	l := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.pub)))
	if comment != "" {
		l += " " + comment
	}
	return l
}

func genRSA(t *testing.T, bits int) testKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return fromSigner(t, k)
}

func genECDSA(t *testing.T, c elliptic.Curve) testKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return fromSigner(t, k)
}

func genEd25519(t *testing.T) testKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return fromSigner(t, k)
}

func fromSigner(t *testing.T, s crypto.Signer) testKey {
	t.Helper()
	pub, err := ssh.NewPublicKey(s.Public())
	if err != nil {
		t.Fatal(err)
	}
	return testKey{private: s, pub: pub}
}

// randInt returns a random integer of exactly bits bits.
func randInt(t *testing.T, bits int) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits-1)))
	if err != nil {
		t.Fatal(err)
	}
	return n.SetBit(n, bits-1, 1)
}

// dsaLine builds an ssh-dss public key line in wire format (the parser does
// not check primality, so random numbers of the right sizes will do).
func dsaLine(t *testing.T) string {
	t.Helper()
	blob := ssh.Marshal(struct {
		Name       string
		P, Q, G, Y *big.Int
	}{"ssh-dss", randInt(t, 1024), randInt(t, 160), big.NewInt(2), randInt(t, 1000)})
	return "ssh-dss " + base64.StdEncoding.EncodeToString(blob) + " old@box"
}

// skLine builds a FIDO security-key ed25519 public key line.
func skLine(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	blob := ssh.Marshal(struct {
		Name        string
		KeyBytes    []byte
		Application string
	}{"sk-ssh-ed25519@openssh.com", pub, "ssh:"})
	return "sk-ssh-ed25519@openssh.com " + base64.StdEncoding.EncodeToString(blob) + " yubi@desk"
}

func rfc4716(k testKey, comment string) string {
	b64 := base64.StdEncoding.EncodeToString(k.pub.Marshal())
	var lines []string
	for len(b64) > 70 {
		lines, b64 = append(lines, b64[:70]), b64[70:]
	}
	lines = append(lines, b64)
	return "---- BEGIN SSH2 PUBLIC KEY ----\r\nComment: \"" + comment + "\"\r\n" + strings.Join(lines, "\r\n") + "\r\n---- END SSH2 PUBLIC KEY ----\r\n"
}

func certLine(t *testing.T, k testKey) string {
	t.Helper()
	ca, err := ssh.NewSignerFromSigner(genEd25519(t).private)
	if err != nil {
		t.Fatal(err)
	}
	cert := &ssh.Certificate{Key: k.pub, CertType: ssh.UserCert, KeyId: "alice", ValidPrincipals: []string{"alice"},
		ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(cert))) + " alice@laptop"
}

func TestParseGoodKeys(t *testing.T) {
	rsa2048, rsa4096 := genRSA(t, 2048), genRSA(t, 4096)
	p256, p384, p521 := genECDSA(t, elliptic.P256()), genECDSA(t, elliptic.P384()), genECDSA(t, elliptic.P521())
	ed := genEd25519(t)
	tests := []struct {
		name, text string
		key        testKey
		typ        string
		bits       int
		comment    string
		options    bool
		algorithm  string
	}{
		{"rsa 2048 with comment", rsa2048.line("alice@laptop"), rsa2048, "ssh-rsa", 2048, "alice@laptop", false, "RSA"},
		{"rsa 4096 without comment", rsa4096.line(""), rsa4096, "ssh-rsa", 4096, "", false, "RSA"},
		{"ecdsa p256", p256.line("p256 key"), p256, "ecdsa-sha2-nistp256", 256, "p256 key", false, "ECDSA P-256"},
		{"ecdsa p384 without comment", p384.line(""), p384, "ecdsa-sha2-nistp384", 384, "", false, "ECDSA P-384"},
		{"ecdsa p521", p521.line("ops"), p521, "ecdsa-sha2-nistp521", 521, "ops", false, "ECDSA P-521"},
		{"ed25519 with comment", ed.line("bob@desk"), ed, "ssh-ed25519", 256, "bob@desk", false, "Ed25519"},
		{"ed25519 without comment", ed.line(""), ed, "ssh-ed25519", 256, "", false, "Ed25519"},
		{"options prefix", `from="10.0.0.0/8",no-agent-forwarding ` + ed.line("x@y"), ed, "ssh-ed25519", 256, "x@y", true, "Ed25519"},
		{"surrounding blank lines, CRLF and a BOM", "\ufeff\r\n  " + rsa2048.line("win") + "  \r\n\r\n", rsa2048, "ssh-rsa", 2048, "win", false, "RSA"},
		{"authorized_keys comment line", "# laptop key\n" + ed.line("c"), ed, "ssh-ed25519", 256, "c", false, "Ed25519"},
		{"RFC 4716 from PuTTYgen", rfc4716(rsa2048, "rsa-key-20250101"), rsa2048, "ssh-rsa", 2048, "rsa-key-20250101", false, "RSA"},
		{"comment with spaces and unicode", ed.line("Zoë's key (work)"), ed, "ssh-ed25519", 256, "Zoë's key (work)", false, "Ed25519"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse: got error %v, want success", err)
			}
			if k.Type != tt.typ || k.Bits != tt.bits || k.Comment != tt.comment || k.HadOptions != tt.options {
				t.Errorf("got type %q bits %d comment %q options %v, want %q %d %q %v",
					k.Type, k.Bits, k.Comment, k.HadOptions, tt.typ, tt.bits, tt.comment, tt.options)
			}
			if got := k.Algorithm(); got != tt.algorithm {
				t.Errorf("Algorithm() = %q, want %q", got, tt.algorithm)
			}
			if want := ssh.FingerprintLegacyMD5(tt.key.pub); k.MD5 != want {
				t.Errorf("MD5 = %q, want %q", k.MD5, want)
			}
			if want := ssh.FingerprintSHA256(tt.key.pub); k.SHA256 != want || !strings.HasPrefix(k.SHA256, "SHA256:") {
				t.Errorf("SHA256 = %q, want %q", k.SHA256, want)
			}
			if want := tt.key.line(tt.comment); k.AuthorizedKey != want {
				t.Errorf("AuthorizedKey = %q, want %q", k.AuthorizedKey, want)
			}
		})
	}
}

func TestParseCertificate(t *testing.T) {
	k := genRSA(t, 2048)
	got, err := Parse(certLine(t, k))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got.Type != ssh.CertAlgoRSAv01 || got.Bits != 2048 || got.Algorithm() != "RSA certificate" {
		t.Errorf("got %q %d %q, want the certificate type, 2048 bits, \"RSA certificate\"", got.Type, got.Bits, got.Algorithm())
	}
}

func TestParseRefusesWeakKeys(t *testing.T) {
	weakRSA := genRSA(t, 1024)
	tests := []struct{ name, text, inMsg string }{
		{"rsa 1024", weakRSA.line("old@box"), "only 1024 bits"},
		{"dsa", dsaLine(t), "DSA keys are no longer safe"},
		{"dsa with options", `no-pty ` + dsaLine(t), "DSA keys are no longer safe"},
		{"dsa RFC 4716", "---- BEGIN SSH2 PUBLIC KEY ----\n" + strings.Fields(dsaLine(t))[1] + "\n---- END SSH2 PUBLIC KEY ----", "DSA keys are no longer safe"},
		{"rsa 1024 certificate", certLine(t, weakRSA), "only 1024 bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.text)
			var e *Error
			if !errors.Is(err, ErrWeak) || !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error of kind ErrWeak", err)
			}
			if !strings.Contains(e.Message, tt.inMsg) {
				t.Errorf("message %q does not say %q", e.Message, tt.inMsg)
			}
		})
	}
}

func TestParseRefusesMalformed(t *testing.T) {
	ed, ed2 := genEd25519(t), genEd25519(t)
	line := ed.line("a@b")
	body := strings.Fields(line)[1]
	pkix, err := x509.MarshalPKIXPublicKey(ed.private.Public())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text string
		kind       error
		inMsg      string
	}{
		{"empty", "", ErrMalformed, "Paste a public key"},
		{"blank lines only", " \r\n\t\n", ErrMalformed, "Paste a public key"},
		{"a sentence", "please add my key", ErrMalformed, "not an OpenSSH public key"},
		{"bad base64", "ssh-ed25519 not-base64!! a@b", ErrMalformed, "not an OpenSSH public key"},
		{"truncated", "ssh-ed25519 " + body[:len(body)-12], ErrMalformed, "not an OpenSSH public key"},
		{"type without body", "ssh-rsa", ErrMalformed, "not an OpenSSH public key"},
		{"two keys", line + "\n" + ed2.line("c@d"), ErrMalformed, "more than one key"},
		{"wrapped across lines", "ssh-ed25519 " + body[:30] + "\n" + body[30:] + " a@b", ErrMalformed, "single line"},
		{"key then chatter", line + "\nthanks!", ErrMalformed, "single line"},
		{"PKIX PEM public key", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})), ErrMalformed, "single line"},
		{"RFC 4716 without end", strings.Replace(rfc4716(ed, "c"), "---- END SSH2 PUBLIC KEY ----", "", 1), ErrMalformed, "not an OpenSSH public key"},
		{"too long", line + " " + strings.Repeat("x", MaxLen), ErrMalformed, "too long"},
		{"security key", skLine(t), ErrUnsupported, "sk-ssh-ed25519@openssh.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.text)
			var e *Error
			if !errors.Is(err, tt.kind) || !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error of kind %v", err, tt.kind)
			}
			if !strings.Contains(e.Message, tt.inMsg) {
				t.Errorf("message %q does not say %q", e.Message, tt.inMsg)
			}
			if len(body) > 20 && strings.Contains(err.Error(), body[:20]) {
				t.Errorf("error %q repeats the pasted key", err)
			}
		})
	}
}

// privateForms returns every way a private key gets pasted, generated now.
func privateForms(t *testing.T) map[string]string {
	t.Helper()
	rsaKey := genRSA(t, 2048).private.(*rsa.PrivateKey)
	ecKey := genECDSA(t, elliptic.P256()).private.(*ecdsa.PrivateKey)
	ed := genEd25519(t)
	pemOf := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	openssh, err := ssh.MarshalPrivateKey(ed.private, "me@laptop")
	if err != nil {
		t.Fatal(err)
	}
	encrypted, err := ssh.MarshalPrivateKeyWithPassphrase(ed.private, "me@laptop", []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	opensshText := string(pem.EncodeToMemory(openssh))
	bodyOnly := strings.Join(strings.Split(strings.TrimSpace(opensshText), "\n")[1:4], "\n")
	random := make([]byte, 600)
	_, _ = rand.Read(random)
	b64 := base64.StdEncoding.EncodeToString(random)
	return map[string]string{
		"PKCS#1 RSA":                   pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)),
		"PKCS#8":                       pemOf("PRIVATE KEY", pkcs8),
		"encrypted PKCS#8":             pemOf("ENCRYPTED PRIVATE KEY", random),
		"SEC 1 EC":                     pemOf("EC PRIVATE KEY", sec1),
		"DSA PEM":                      pemOf("DSA PRIVATE KEY", random),
		"OpenSSH":                      opensshText,
		"OpenSSH with passphrase":      string(pem.EncodeToMemory(encrypted)),
		"OpenSSH body, no headers":     bodyOnly,
		"OpenSSH lower-case, indented": "   " + strings.ToLower(opensshText[:40]) + opensshText[40:],
		"private then public":          opensshText + "\n" + ed.line("me@laptop"),
		"public then private":          ed.line("me@laptop") + "\n" + pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)),
		"SSH2 / ssh.com":               "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"me\"\n" + b64[:64] + "\n---- END SSH2 ENCRYPTED PRIVATE KEY ----\n",
		"PuTTY ppk":                    "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: me\nPublic-Lines: 2\n" + b64[:64] + "\nPrivate-Lines: 1\n" + b64[64:128] + "\nPrivate-MAC: 00\n",
		"PuTTY ppk private lines only": "Private-Lines: 1\n" + b64[:64] + "\n",
	}
}

func TestParseRefusesPrivateKeys(t *testing.T) {
	for name, text := range privateForms(t) {
		t.Run(name, func(t *testing.T) {
			k, err := Parse(text)
			var e *Error
			if !errors.Is(err, ErrPrivateKey) || !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error of kind ErrPrivateKey", err)
			}
			if e.Message != "This is a private key. Never paste a private key anywhere; paste the .pub file instead." {
				t.Errorf("message = %q", e.Message)
			}
			if k != (Key{}) {
				t.Errorf("got key %+v, want none", k)
			}
			for _, l := range strings.Split(text, "\n") {
				if l = strings.TrimSpace(l); len(l) >= 24 && !strings.HasPrefix(l, "-") && strings.Contains(err.Error(), l) {
					t.Errorf("error %q repeats a line of the private key", err)
				}
			}
		})
	}
}

func TestValidName(t *testing.T) {
	tests := []struct {
		name  string
		ok    bool
		inMsg string
	}{
		{"ab", true, ""},
		{"helpdesk-2025", true, ""},
		{"Ops:key_1-b", true, ""},
		{"k" + strings.Repeat("x", 127), true, ""},
		{"密钥-1", true, ""},
		{"", false, "Enter a name"},
		{"a", false, "at least 2"},
		{"k" + strings.Repeat("x", 128), false, "at most 128"},
		{"1key", false, "start with a letter"},
		{"-key", false, "start with a letter"},
		{"_key", false, "start with a letter"},
		{"my key", false, "not spaces"},
		{"key\tname", false, "not spaces or tabs"},
		{"key/name", false, `not "/"`},
		{"key.pub", false, `not "."`},
		{"key*", false, `not "*"`},
		{"http://evil", false, "http://"},
		{"HTTPS://evil", false, "https://"},
		{"key\x00", false, "invisible character U+0000"},
		{"key\xff", false, "only letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidName(tt.name)
			if tt.ok {
				if err != nil {
					t.Fatalf("ValidName(%q) = %v, want nil", tt.name, err)
				}
				return
			}
			var e *Error
			if !errors.Is(err, ErrName) || !errors.As(err, &e) {
				t.Fatalf("ValidName(%q) = %v, want an *Error of kind ErrName", tt.name, err)
			}
			if !strings.Contains(e.Message, tt.inMsg) {
				t.Errorf("ValidName(%q) message %q does not say %q", tt.name, e.Message, tt.inMsg)
			}
		})
	}
}

func TestInspect(t *testing.T) {
	weak, ed := genRSA(t, 1024), genEd25519(t)
	k, err := Inspect(weak.line("old"))
	if err != nil || k.Bits != 1024 || k.Algorithm() != "RSA" || k.MD5 != ssh.FingerprintLegacyMD5(weak.pub) {
		t.Fatalf("Inspect(rsa 1024) = %+v, %v; want the key described", k, err)
	}
	if err := k.Check(); !errors.Is(err, ErrWeak) {
		t.Errorf("Check() = %v, want ErrWeak", err)
	}
	k, err = Inspect(ed.line(""))
	if err != nil || k.Check() != nil || k.SHA256 != ssh.FingerprintSHA256(ed.pub) {
		t.Errorf("Inspect(ed25519) = %+v, %v (check %v); want an accepted key", k, err, k.Check())
	}
	if _, err := Inspect(dsaLine(t)); !errors.Is(err, ErrWeak) {
		t.Errorf("Inspect(dsa) = %v, want ErrWeak", err)
	}
	if _, err := Inspect("garbage"); !errors.Is(err, ErrMalformed) {
		t.Errorf("Inspect(garbage) = %v, want ErrMalformed", err)
	}
}

func TestFromPrivate(t *testing.T) {
	k := genRSA(t, 2048)
	der, err := x509.MarshalPKCS8PrivateKey(k.private)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromPrivate(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	if err != nil || got.Bits != 2048 || got.MD5 != ssh.FingerprintLegacyMD5(k.pub) || got.SHA256 != ssh.FingerprintSHA256(k.pub) {
		t.Errorf("FromPrivate = %+v, %v; want the RSA 2048 key's fingerprints", got, err)
	}
	if _, err := FromPrivate("not a key"); !errors.Is(err, ErrMalformed) || strings.Contains(err.Error(), "not a key") {
		t.Errorf("FromPrivate(garbage) = %v, want ErrMalformed without the text", err)
	}
}
