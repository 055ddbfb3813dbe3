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

// verifyV1 checks an HMAC-SHA1 (signature version 1.0) request and returns its signer.
func (s *Sandbox) verifyV1(method string, p params) (principal, *apiError) {
	for _, name := range []string{"AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"} {
		if p.str(name) == "" {
			return principal{}, errMissing(name)
		}
	}
	who, aerr := s.principalFor(p.str("AccessKeyId"))
	if aerr != nil {
		return who, aerr
	}
	for _, name := range []string{"SignatureMethod", "SignatureVersion", "SignatureType"} {
		if p.str(name) != v1Values[name] {
			return who, errInvalid(name) // SignatureType: bearer tokens are not supported
		}
	}
	if aerr := s.checkTimestamp(p.str("Timestamp"), time.RFC3339); aerr != nil {
		return who, aerr
	}
	sts := stringToSignV1(method, url.Values(p))
	return who, s.accept(who, p.str("Signature"), signV1(who.secret, sts), sts, p.str("SecurityToken"), p.str("SignatureNonce"))
}

// v1Values are the values signature version 1.0 takes.
var v1Values = map[string]string{"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureType": ""}

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

// errSignatureMismatch carries the server's string to sign so the SDK can tell a wrong secret from an SDK bug.
func errSignatureMismatch(stringToSign string) *apiError {
	return newError(http.StatusBadRequest, "SignatureDoesNotMatch",
		"Specified signature is not matched with our calculation. server string to sign is:"+stringToSign)
}
