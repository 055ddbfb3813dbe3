package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"keybind/internal/sshkey"
)

// validKeyPairName applies ECS's rules for a key pair name, the ones
// keybind checks before it calls (package sshkey).
func validKeyPairName(name string) bool { return sshkey.ValidName(name) == nil }

// acceptedKeyTypes are the public key algorithms ImportKeyPair takes. ECS
// documents rsa, dsa and ecdsa (and their certificates); ed25519 is accepted
// too because keybind's users bring ed25519 keys and the seed uses them.
var acceptedKeyTypes = map[string]bool{
	ssh.KeyAlgoRSA: true, "ssh-dss": true, ssh.KeyAlgoED25519: true,
	ssh.KeyAlgoECDSA256: true, ssh.KeyAlgoECDSA384: true, ssh.KeyAlgoECDSA521: true,
	ssh.CertAlgoRSAv01: true, "ssh-dss-cert-v01@openssh.com": true, ssh.CertAlgoED25519v01: true,
	ssh.CertAlgoECDSA256v01: true, ssh.CertAlgoECDSA384v01: true, ssh.CertAlgoECDSA521v01: true,
}

// parsePublicKey parses one OpenSSH authorized_keys line and returns the
// normalised line and its MD5 fingerprint in aa:bb:… form.
func parsePublicKey(body string) (line, fingerprint string, err error) {
	body = strings.TrimSpace(body)
	if strings.ContainsAny(body, "\r\n") {
		return "", "", fmt.Errorf("public key body has more than one line")
	}
	pub, comment, _, rest, err := ssh.ParseAuthorizedKey([]byte(body))
	if err != nil {
		return "", "", fmt.Errorf("parse public key: %w", err)
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return "", "", fmt.Errorf("public key body has trailing data")
	}
	if !acceptedKeyTypes[pub.Type()] {
		return "", "", fmt.Errorf("public key type %s is not supported", pub.Type())
	}
	line = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	if comment != "" {
		line += " " + comment
	}
	return line, ssh.FingerprintLegacyMD5(pub), nil
}

// newRSAKeyPair generates a 2048-bit RSA key pair as CreateKeyPair does:
// the private key as PKCS#8 PEM, the public key as an authorized_keys line.
func newRSAKeyPair() (privatePEM, publicLine, fingerprint string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", "", fmt.Errorf("generate rsa key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", "", fmt.Errorf("marshal pkcs8: %w", err)
	}
	pub, err := ssh.NewPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", "", fmt.Errorf("ssh public key: %w", err)
	}
	privatePEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	publicLine = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	return privatePEM, publicLine, ssh.FingerprintLegacyMD5(pub), nil
}

func newKeyPairID() string {
	var b [17]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return "ssh-" + string(b[:])
}
