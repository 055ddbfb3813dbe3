package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

const acs3Algorithm = "ACS3-HMAC-SHA256"

var errIncompleteSignature = newError(http.StatusBadRequest, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")

// parseACS3Authorization splits "ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…".
func parseACS3Authorization(h string) (algorithm string, fields map[string]string) {
	algorithm, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	fields = map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = v
		}
	}
	return algorithm, fields
}

// acs3CanonicalRequest builds the V3 canonical request from the wire request.
func acs3CanonicalRequest(r *http.Request, signedHeaders []string, payloadHash string) string {
	query, _ := url.ParseQuery(r.URL.RawQuery)
	uri := r.URL.EscapedPath()
	if uri == "" {
		uri = "/"
	}
	var b strings.Builder
	b.WriteString(r.Method + "\n" + uri + "\n" + canonicalQuery(query, "") + "\n")
	for _, name := range signedHeaders {
		var vals []string
		if name == "host" {
			vals = []string{r.Host}
		} else {
			for _, v := range r.Header.Values(name) {
				vals = append(vals, strings.TrimSpace(v))
			}
			sort.Strings(vals)
		}
		b.WriteString(name + ":" + strings.Join(vals, ",") + "\n")
	}
	b.WriteString("\n" + strings.Join(signedHeaders, ";") + "\n" + payloadHash)
	return b.String()
}

// acs3StringToSign is "ACS3-HMAC-SHA256\n" + hex(SHA256(canonicalRequest)).
func acs3StringToSign(canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return acs3Algorithm + "\n" + hex.EncodeToString(sum[:])
}

// signACS3 is hex(HMAC-SHA256(secret, stringToSign)).
func signACS3(secret, stringToSign string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}

// verifyACS3 checks a signature-V3 (ACS3-HMAC-SHA256) request, the V7
// SDK's default, and returns its signer.
func (s *Sandbox) verifyACS3(r *http.Request, body []byte) (principal, *apiError) {
	alg, f := parseACS3Authorization(r.Header.Get("Authorization"))
	if alg != acs3Algorithm {
		return principal{}, newError(http.StatusBadRequest, "InvalidParameter", `The specified parameter "SignatureMethod" is not valid.`)
	}
	cred, signed, sig := f["Credential"], f["SignedHeaders"], f["Signature"]
	if cred == "" || signed == "" || sig == "" {
		return principal{}, errIncompleteSignature
	}
	who, aerr := s.principalFor(cred)
	if aerr != nil {
		return who, aerr
	}
	headers := strings.Split(signed, ";")
	if !sort.StringsAreSorted(headers) {
		return who, errIncompleteSignature
	}
	for _, must := range []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"} {
		if !slices.Contains(headers, must) || (must != "host" && r.Header.Get(must) == "") {
			return who, errIncompleteSignature
		}
	}
	if aerr := s.checkTimestamp(r.Header.Get("x-acs-date"), time.RFC3339); aerr != nil {
		return who, aerr
	}
	sum := sha256.Sum256(body)
	payloadHash := r.Header.Get("x-acs-content-sha256")
	if payloadHash != hex.EncodeToString(sum[:]) {
		return who, newError(http.StatusBadRequest, "SignatureDoesNotMatch", "The x-acs-content-sha256 header does not match the request body.")
	}
	sts := acs3StringToSign(acs3CanonicalRequest(r, headers, payloadHash))
	return who, s.accept(who, sig, signACS3(who.secret, sts), sts, r.Header.Get("x-acs-security-token"), r.Header.Get("x-acs-signature-nonce"))
}
