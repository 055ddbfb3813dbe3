package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

var testNonce atomic.Int64

// signedQuery returns params completed with the common parameters and a v1 signature.
func signedQuery(method string, params url.Values, now time.Time) url.Values {
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	q.Set("Version", apiVersion)
	q.Set("Format", "JSON")
	q.Set("AccessKeyId", DefaultAccessKeyID)
	q.Set("SignatureMethod", "HMAC-SHA1")
	q.Set("SignatureVersion", "1.0")
	q.Set("SignatureNonce", fmt.Sprintf("nonce-%d-%d", now.UnixNano(), testNonce.Add(1)))
	q.Set("Timestamp", now.UTC().Format("2006-01-02T15:04:05Z"))
	q.Set("SignatureType", "")
	q.Set("Signature", signV1(DefaultAccessKeySecret, stringToSignV1(method, q)))
	return q
}

// doCall sends a signed API request to s in-process and decodes the JSON answer.
func doCall(t testing.TB, s *Sandbox, action string, params url.Values) (int, map[string]any) {
	t.Helper()
	p := url.Values{"Action": {action}}
	for k, v := range params {
		p[k] = v
	}
	q := signedQuery(http.MethodGet, p, time.Now())
	req := httptest.NewRequest(http.MethodGet, "/?"+q.Encode(), nil)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s: response is not JSON: %v: %s", action, err, rec.Body.String())
	}
	return rec.Code, body
}
