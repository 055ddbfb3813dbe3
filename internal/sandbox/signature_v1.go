package sandbox

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// percentEncode is the RFC 3986 encoding both signature schemes use:
// unreserved characters kept, space as %20, '*' as %2A, '~' kept.
func percentEncode(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	e = strings.ReplaceAll(e, "*", "%2A")
	return strings.ReplaceAll(e, "%7E", "~")
}

// canonicalQuery sorts params by key and joins pe(k)=pe(v) with '&', skipping skip.
func canonicalQuery(values url.Values, skip string) string {
	keys := make([]string, 0, len(values))
	for k := range values {
		if k != skip {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vs := append([]string(nil), values[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(percentEncode(k))
			b.WriteByte('=')
			b.WriteString(percentEncode(v))
		}
	}
	return b.String()
}

// stringToSignV1 builds the RPC v1.0 string to sign: METHOD&%2F&pe(canonical).
func stringToSignV1(method string, values url.Values) string {
	return method + "&" + percentEncode("/") + "&" + percentEncode(canonicalQuery(values, "Signature"))
}

// signV1 is Base64(HMAC-SHA1(secret+"&", stringToSign)).
func signV1(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// verifyV1 checks an HMAC-SHA1 (signature version 1.0) request.
func (s *Sandbox) verifyV1(method string, p params) *apiError {
	for _, name := range []string{"AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"} {
		if p.str(name) == "" {
			return errMissing(name)
		}
	}
	if p.str("AccessKeyId") != s.opts.AccessKeyID {
		return errAccessKeyNotFound()
	}
	if p.str("SignatureMethod") != "HMAC-SHA1" {
		return errInvalid("SignatureMethod")
	}
	if p.str("SignatureVersion") != "1.0" {
		return errInvalid("SignatureVersion")
	}
	if t := p.str("SignatureType"); t != "" {
		return errInvalid("SignatureType") // bearer tokens are not supported
	}
	if err := s.checkTimestamp(p.str("Timestamp"), time.RFC3339); err != nil {
		return err
	}
	sts := stringToSignV1(method, url.Values(p))
	want := signV1(s.opts.AccessKeySecret, sts)
	if !hmac.Equal([]byte(want), []byte(p.str("Signature"))) {
		return errSignatureMismatch(sts)
	}
	if !s.nonces.use(p.str("SignatureNonce"), s.opts.WallClock()) {
		return errNonceUsed()
	}
	return nil
}

// checkTimestamp parses a UTC timestamp and refuses it outside the window around the wall clock.
func (s *Sandbox) checkTimestamp(v, layout string) *apiError {
	ts, err := time.Parse(layout, v)
	if err != nil || !strings.HasSuffix(v, "Z") {
		return newError(http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
	}
	if d := s.opts.WallClock().Sub(ts); d > signatureWindow || d < -signatureWindow {
		return newError(http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
	}
	return nil
}

func errAccessKeyNotFound() *apiError {
	return newError(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
}

// errSignatureMismatch carries the server's string to sign so the SDK can tell a wrong secret from an SDK bug.
func errSignatureMismatch(stringToSign string) *apiError {
	return newError(http.StatusBadRequest, "SignatureDoesNotMatch",
		"Specified signature is not matched with our calculation. server string to sign is:"+stringToSign)
}

func errNonceUsed() *apiError {
	return newError(http.StatusBadRequest, "SignatureNonceUsed", "The request signature nonce has been used.")
}
