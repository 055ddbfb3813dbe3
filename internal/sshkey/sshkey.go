// Package sshkey checks what people paste into keybind as an SSH public key,
// and the names they give key pairs, before anything is sent to the cloud.
// Errors carry a plain-language message and never the pasted text: a private
// key pasted by mistake must not end up in a page, a log line or the audit
// trail.
package sshkey

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// MaxLen bounds the text Parse accepts. An RSA 16384-bit public key is
// about 2,800 characters; anything much larger is not a public key.
const MaxLen = 16 << 10

// MinRSABits is the smallest RSA modulus accepted.
const MinRSABits = 2048

// Kinds of refusal; test with errors.Is.
var (
	ErrMalformed   = errors.New("sshkey: not an OpenSSH public key")
	ErrPrivateKey  = errors.New("sshkey: a private key was given instead of a public key")
	ErrWeak        = errors.New("sshkey: key too weak")
	ErrUnsupported = errors.New("sshkey: key type not accepted by ECS")
	ErrName        = errors.New("sshkey: invalid key pair name")
)

// Error is a refused key or name: the kind of refusal and a message safe to
// show. It never contains the text that was refused.
type Error struct {
	Kind    error  // ErrMalformed, ErrPrivateKey, ErrWeak, ErrUnsupported or ErrName
	Message string // plain language, for the person who pasted it
}

func (e *Error) Error() string { return e.Kind.Error() + ": " + e.Message }

// Unwrap lets errors.Is match the kind.
func (e *Error) Unwrap() error { return e.Kind }

// Key is a parsed public key as keybind shows it and sends it to ECS.
type Key struct {
	Type          string // SSH algorithm, e.g. "ssh-ed25519", "ecdsa-sha2-nistp256"
	Bits          int    // key size: RSA modulus, ECDSA curve, 256 for Ed25519
	Comment       string // the text after the key, often user@host
	SHA256        string // "SHA256:…", as ssh-keygen -l shows it
	MD5           string // "aa:bb:…", as ECS shows it
	AuthorizedKey string // one normalised line: type, base64, comment
	HadOptions    bool   // authorized_keys options (from=…) stood before the key and were left out
}

// Algorithm names the key type for people: "RSA", "ECDSA P-256", "Ed25519".
func (k Key) Algorithm() string {
	t := strings.TrimSuffix(k.Type, "-cert-v01@openssh.com")
	name := map[string]string{
		ssh.KeyAlgoRSA: "RSA", ssh.KeyAlgoED25519: "Ed25519", ssh.KeyAlgoECDSA256: "ECDSA P-256",
		ssh.KeyAlgoECDSA384: "ECDSA P-384", ssh.KeyAlgoECDSA521: "ECDSA P-521",
	}[t]
	if name == "" {
		name = t
	}
	if t != k.Type {
		name += " certificate"
	}
	return name
}

// Messages shown for refused keys.
const (
	msgPrivate   = "This is a private key. Never paste a private key anywhere; paste the .pub file instead."
	msgEmpty     = "Paste a public key, or choose a .pub file."
	msgTooLong   = "This is far too long for a public key. Paste the one line from the .pub file."
	msgMalformed = "This is not an OpenSSH public key. Paste the one line from the .pub file: it starts with ssh-ed25519, ssh-rsa or ecdsa-sha2-."
	msgTwoKeys   = "This contains more than one key. Import one key at a time."
	msgLines     = "A public key is a single line. If it was split across lines when it was copied, join it back into one line, or choose the .pub file instead."
	msgDSA       = "DSA keys are no longer safe and OpenSSH no longer accepts them. Ask for a new key, for example made with: ssh-keygen -t ed25519"
)

// privateMarkers find private keys in every form people paste them: PEM
// (PKCS#1, PKCS#8, SEC 1, encrypted), OpenSSH, SSH2/ssh.com, PuTTY, and the
// bare base64 body of an OpenSSH private key ("openssh-key-v1").
var privateMarkers = regexp.MustCompile(`(?i)BEGIN[A-Z0-9 ]*PRIVATE KEY|PuTTY-User-Key-File-|Private-Lines:|b3BlbnNzaC1rZXktdjE`)

// acceptedTypes are the algorithms ECS imports (RSA, ECDSA, Ed25519, and
// their certificates). DSA is refused as weak; security-key (sk-) types are
// not accepted by ECS.
var acceptedTypes = map[string]bool{
	ssh.KeyAlgoRSA: true, ssh.KeyAlgoED25519: true,
	ssh.KeyAlgoECDSA256: true, ssh.KeyAlgoECDSA384: true, ssh.KeyAlgoECDSA521: true,
	ssh.CertAlgoRSAv01: true, ssh.CertAlgoED25519v01: true,
	ssh.CertAlgoECDSA256v01: true, ssh.CertAlgoECDSA384v01: true, ssh.CertAlgoECDSA521v01: true,
}

// Parse reads one public key in OpenSSH authorized_keys form (options before
// the key are allowed and left out) or in RFC 4716 form ("---- BEGIN SSH2
// PUBLIC KEY ----", as PuTTYgen exports it). It refuses private keys, more
// than one key, weak keys (RSA under 2048 bits, DSA) and types ECS does not
// accept, with an *Error.
func Parse(text string) (Key, error) {
	if privateMarkers.MatchString(text) {
		return Key{}, &Error{Kind: ErrPrivateKey, Message: msgPrivate}
	}
	if len(text) > MaxLen {
		return Key{}, &Error{Kind: ErrMalformed, Message: msgTooLong}
	}
	text = strings.TrimPrefix(strings.TrimSpace(text), "\ufeff")
	if text == "" {
		return Key{}, &Error{Kind: ErrMalformed, Message: msgEmpty}
	}
	if strings.HasPrefix(text, "---- BEGIN SSH2 PUBLIC KEY ----") {
		return parseRFC4716(text)
	}
	lines := keyLines(text)
	switch {
	case len(lines) == 0:
		return Key{}, &Error{Kind: ErrMalformed, Message: msgEmpty}
	case len(lines) > 1:
		keys := 0
		for _, l := range lines {
			if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(l)); err == nil {
				keys++
			}
		}
		if keys > 1 {
			return Key{}, &Error{Kind: ErrMalformed, Message: msgTwoKeys}
		}
		return Key{}, &Error{Kind: ErrMalformed, Message: msgLines}
	}
	pub, comment, options, _, err := ssh.ParseAuthorizedKey([]byte(lines[0]))
	if err != nil {
		if slices.ContainsFunc(strings.Fields(lines[0]), isDSA) {
			return Key{}, &Error{Kind: ErrWeak, Message: msgDSA}
		}
		return Key{}, &Error{Kind: ErrMalformed, Message: msgMalformed}
	}
	k, err := accept(pub, comment)
	k.HadOptions = err == nil && len(options) > 0
	return k, err
}

// keyLines returns the lines that are neither blank nor # comments, as
// authorized_keys files allow.
func keyLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// parseRFC4716 reads the SSH2 public key file format: header lines
// ("Comment: …", possibly continued with a trailing backslash), then the
// base64 body, between BEGIN and END lines.
func parseRFC4716(text string) (Key, error) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var body strings.Builder
	var comment string
	ended, continued := false, false
	for _, raw := range lines[1:] {
		line := strings.TrimSpace(raw)
		switch {
		case ended && line != "":
			return Key{}, &Error{Kind: ErrMalformed, Message: msgTwoKeys}
		case line == "---- END SSH2 PUBLIC KEY ----":
			ended = true
		case continued:
			continued = strings.HasSuffix(line, `\`)
		case strings.Contains(line, ":"):
			name, value, _ := strings.Cut(line, ":")
			continued = strings.HasSuffix(value, `\`)
			if strings.EqualFold(strings.TrimSpace(name), "Comment") {
				comment = strings.Trim(strings.TrimSpace(value), `"`)
			}
		default:
			body.WriteString(line)
		}
	}
	blob, err := base64.StdEncoding.DecodeString(body.String())
	if !ended || err != nil {
		return Key{}, &Error{Kind: ErrMalformed, Message: msgMalformed}
	}
	pub, err := ssh.ParsePublicKey(blob)
	if err != nil {
		if len(blob) > 4+len(dsaAlgo) && isDSA(string(blob[4:4+len(dsaAlgo)])) {
			return Key{}, &Error{Kind: ErrWeak, Message: msgDSA}
		}
		return Key{}, &Error{Kind: ErrMalformed, Message: msgMalformed}
	}
	return accept(pub, comment)
}

// describe fills in a Key; it does not judge the key.
func describe(pub ssh.PublicKey, comment string) Key {
	inner := pub
	if cert, ok := pub.(*ssh.Certificate); ok {
		inner = cert.Key
	}
	comment = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(comment))
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	if comment != "" {
		line += " " + comment
	}
	return Key{Type: pub.Type(), Bits: keyBits(inner), Comment: comment, SHA256: ssh.FingerprintSHA256(pub),
		MD5: ssh.FingerprintLegacyMD5(pub), AuthorizedKey: line}
}

// accept describes pub and applies keybind's policy: a type ECS accepts,
// RSA of at least MinRSABits.
func accept(pub ssh.PublicKey, comment string) (Key, error) {
	k := describe(pub, comment)
	if err := k.Check(); err != nil {
		return Key{}, err
	}
	return k, nil
}

// Check applies keybind's policy to a key: a type ECS accepts (ErrUnsupported
// otherwise), and RSA keys of at least MinRSABits (ErrWeak otherwise).
func (k Key) Check() error {
	if !acceptedTypes[k.Type] {
		return &Error{Kind: ErrUnsupported, Message: "ECS does not accept keys of type " + safeType(k.Type) +
			". Use an Ed25519, RSA or ECDSA key."}
	}
	if strings.TrimSuffix(k.Type, "-cert-v01@openssh.com") == ssh.KeyAlgoRSA && k.Bits < MinRSABits {
		return &Error{Kind: ErrWeak, Message: fmt.Sprintf(
			"This RSA key has only %d bits; keybind accepts RSA keys of at least %d bits. Ask for a new key, for example made with: ssh-keygen -t ed25519",
			k.Bits, MinRSABits)}
	}
	return nil
}

// Inspect describes a key the cloud already holds (one authorized_keys
// line) without judging it, so a list can show the type, size and SHA256
// fingerprint of every key, weak ones included; Check says whether keybind
// would accept it today. DSA keys, which x/crypto no longer parses, give an
// *Error of kind ErrWeak.
func Inspect(line string) (Key, error) {
	pub, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		if slices.ContainsFunc(strings.Fields(line), isDSA) {
			return Key{}, &Error{Kind: ErrWeak, Message: msgDSA}
		}
		return Key{}, &Error{Kind: ErrMalformed, Message: msgMalformed}
	}
	return describe(pub, comment), nil
}

// dsaAlgo is DSA's algorithm name. x/crypto/ssh no longer parses DSA keys,
// so they are recognised by name to say why they are refused.
const dsaAlgo = "ssh-dss"

func isDSA(field string) bool { return field == dsaAlgo || field == "ssh-dss-cert-v01@openssh.com" }

// keyBits is the size of the key: the RSA modulus, the ECDSA curve, or 256
// for Ed25519.
func keyBits(pub ssh.PublicKey) int {
	if pub.Type() == ssh.KeyAlgoED25519 {
		return 256
	}
	ck, ok := pub.(ssh.CryptoPublicKey)
	if !ok {
		return 0
	}
	switch k := ck.CryptoPublicKey().(type) {
	case *rsa.PublicKey:
		return k.N.BitLen()
	case *ecdsa.PublicKey:
		return k.Curve.Params().BitSize
	}
	return 0
}

// safeType keeps an algorithm name that came from pasted text printable and short.
func safeType(t string) string {
	if len(t) > 64 || strings.ContainsFunc(t, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return "(unknown)"
	}
	return t
}

// FromPrivate describes the public half of a PEM private key, such as the
// one CreateKeyPair returns, so it can be shown with both fingerprints. The
// private key is only read, never kept.
func FromPrivate(pemText string) (Key, error) {
	raw, err := ssh.ParseRawPrivateKey([]byte(pemText))
	if err != nil {
		return Key{}, &Error{Kind: ErrMalformed, Message: "The private key could not be read."}
	}
	signer, err := ssh.NewSignerFromKey(raw)
	if err != nil {
		return Key{}, &Error{Kind: ErrMalformed, Message: "The private key could not be read."}
	}
	return describe(signer.PublicKey(), ""), nil
}

// Summary is a public key's type and size for a list ("RSA 4096",
// "Ed25519"), and whether keybind would refuse to import it today; "" when
// the key cannot be read.
func Summary(publicKey string) (string, bool) {
	if publicKey == "" {
		return "", false
	}
	k, err := Inspect(publicKey)
	switch {
	case err == nil:
		s := k.Algorithm()
		if !strings.HasPrefix(s, "ECDSA") && s != "Ed25519" {
			s += " " + strconv.Itoa(k.Bits)
		}
		return s, k.Check() != nil
	case errors.Is(err, ErrWeak):
		return "DSA", true
	}
	return "", false
}

// MessageOf is the message of a refusal from this package (an *Error), or
// a general one for any other error.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "This is not valid."
}
