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

// testKey is a credential a test signs with; token is set for STS credentials.
type testKey struct{ id, secret, token string }

var defaultKey = testKey{DefaultAccessKeyID, DefaultAccessKeySecret, ""}

// signedQuery returns params completed with the common parameters and a v1 signature by the default key.
func signedQuery(method string, params url.Values, now time.Time) url.Values {
	return signedQueryAs(defaultKey, method, params, now)
}

// signedQueryAs signs with k; Version defaults to the ECS version.
func signedQueryAs(k testKey, method string, params url.Values, now time.Time) url.Values {
	q := url.Values{"Version": {apiVersion}}
	for key, v := range params {
		q[key] = v
	}
	q.Set("Format", "JSON")
	q.Set("AccessKeyId", k.id)
	q.Set("SignatureMethod", "HMAC-SHA1")
	q.Set("SignatureVersion", "1.0")
	q.Set("SignatureNonce", fmt.Sprintf("nonce-%d-%d", now.UnixNano(), testNonce.Add(1)))
	q.Set("Timestamp", now.UTC().Format("2006-01-02T15:04:05Z"))
	q.Set("SignatureType", "")
	if k.token != "" {
		q.Set("SecurityToken", k.token)
	}
	q.Set("Signature", signV1(k.secret, stringToSignV1(method, q)))
	return q
}

// doCall sends an API request signed by the default key to s in-process and decodes the JSON answer.
func doCall(t testing.TB, s *Sandbox, action string, params url.Values) (int, map[string]any) {
	t.Helper()
	return doCallAs(t, s, defaultKey, action, params)
}

// doCallAs is doCall signed by k.
func doCallAs(t testing.TB, s *Sandbox, k testKey, action string, params url.Values) (int, map[string]any) {
	t.Helper()
	p := url.Values{"Action": {action}}
	for key, v := range params {
		p[key] = v
	}
	q := signedQueryAs(k, http.MethodGet, p, time.Now())
	req := httptest.NewRequest(http.MethodGet, "/?"+q.Encode(), nil)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s: response is not JSON: %v: %s", action, err, rec.Body.String())
	}
	return rec.Code, body
}
