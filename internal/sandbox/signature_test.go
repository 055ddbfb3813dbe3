package sandbox

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSignV1Vector(t *testing.T) {
	// ecs-api.md §3.2, from the official signature documentation.
	params := url.Values{
		"AccessKeyId":      {"testid"},
		"Action":           {"DescribeRegions"},
		"Format":           {"XML"},
		"SignatureMethod":  {"HMAC-SHA1"},
		"SignatureNonce":   {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
		"SignatureVersion": {"1.0"},
		"Timestamp":        {"2016-02-23T12:46:24Z"},
		"Version":          {"2014-05-26"},
	}
	sts := stringToSignV1("GET", params)
	wantSTS := "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1" +
		"%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
	if sts != wantSTS {
		t.Errorf("got string to sign\n%s\nwant\n%s", sts, wantSTS)
	}
	if got, want := signV1("testsecret", sts), "OLeaidS1JvxuMvnyHOwuJ+uX5qY="; got != want {
		t.Errorf("got signature %s, want %s", got, want)
	}
}

func TestPercentEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc-_.~XYZ019", "abc-_.~XYZ019"},
		{"a b", "a%20b"},
		{"a+b", "a%2Bb"},
		{"a*b", "a%2Ab"},
		{"/", "%2F"},
		{"=&", "%3D%26"},
		{"中", "%E4%B8%AD"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := percentEncode(tt.in); got != tt.want {
			t.Errorf("percentEncode(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVerifyV1(t *testing.T) {
	s := New(Options{InstancesPerRegion: 3})
	now := time.Now()
	base := url.Values{"Action": {"DescribeRegions"}, "RegionId": {"cn-hangzhou"}}
	tests := []struct {
		name   string
		mutate func(q url.Values)
		code   string
	}{
		{"valid", func(q url.Values) {}, ""},
		{"empty SignatureType dropped", func(q url.Values) { q.Del("SignatureType") }, "SignatureDoesNotMatch"},
		{"tampered parameter", func(q url.Values) { q.Set("RegionId", "cn-beijing") }, "SignatureDoesNotMatch"},
		{"missing signature", func(q url.Values) { q.Del("Signature") }, "MissingParameter"},
		{"missing nonce", func(q url.Values) { q.Del("SignatureNonce") }, "MissingParameter"},
		{"bad method", func(q url.Values) { q.Set("SignatureMethod", "HMAC-SHA256") }, "InvalidParameter"},
		{"bad timestamp", func(q url.Values) { q.Set("Timestamp", "yesterday") }, "InvalidTimeStamp.Format"},
		{"unknown key", func(q url.Values) { q.Set("AccessKeyId", "nobody") }, "InvalidAccessKeyId.NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := signedQuery(http.MethodPost, base, now)
			tt.mutate(q)
			_, err := s.verifyV1(http.MethodPost, params(q))
			switch {
			case tt.code == "" && err != nil:
				t.Errorf("got %v, want success", err)
			case tt.code != "" && (err == nil || err.Code != tt.code):
				t.Errorf("got %v, want %s", err, tt.code)
			}
		})
	}
	t.Run("GET signed as POST", func(t *testing.T) {
		q := signedQuery(http.MethodPost, base, now)
		if _, err := s.verifyV1(http.MethodGet, params(q)); err == nil || err.Code != "SignatureDoesNotMatch" {
			t.Errorf("got %v, want SignatureDoesNotMatch", err)
		}
	})
	t.Run("mismatch message carries the string to sign", func(t *testing.T) {
		q := signedQuery(http.MethodPost, base, now)
		q.Set("Signature", "AAAA")
		_, err := s.verifyV1(http.MethodPost, params(q))
		want := "server string to sign is:" + stringToSignV1(http.MethodPost, q)
		if err == nil || !strings.HasSuffix(err.Message, want) {
			t.Errorf("got %v, want message ending %q", err, want)
		}
	})
}

func TestACS3RoundTrip(t *testing.T) {
	s := New(Options{InstancesPerRegion: 3})
	build := func(mutate func(r *http.Request)) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/?RegionId=cn-hangzhou&InstanceName=a%20b%2Ac&Empty=", nil)
		r.Host = "127.0.0.1:8080"
		r.Header.Set("x-acs-action", "DescribeInstances")
		r.Header.Set("x-acs-version", apiVersion)
		r.Header.Set("x-acs-date", time.Now().UTC().Format("2006-01-02T15:04:05Z"))
		r.Header.Set("x-acs-signature-nonce", "n-"+time.Now().Format(time.RFC3339Nano))
		r.Header.Set("x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
		headers := []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"}
		sts := acs3StringToSign(acs3CanonicalRequest(r, headers, r.Header.Get("x-acs-content-sha256")))
		r.Header.Set("Authorization", acs3Algorithm+" Credential="+DefaultAccessKeyID+",SignedHeaders="+strings.Join(headers, ";")+",Signature="+signACS3(DefaultAccessKeySecret, sts))
		mutate(r)
		return r
	}
	tests := []struct {
		name   string
		mutate func(r *http.Request)
		code   string
	}{
		{"valid", func(r *http.Request) {}, ""},
		{"tampered query", func(r *http.Request) { r.URL.RawQuery += "&PageSize=100" }, "SignatureDoesNotMatch"},
		{"tampered signed header", func(r *http.Request) { r.Header.Set("x-acs-action", "DescribeRegions") }, "SignatureDoesNotMatch"},
		{"other host", func(r *http.Request) { r.Host = "evil:1" }, "SignatureDoesNotMatch"},
		{"body hash mismatch", func(r *http.Request) { r.Header.Set("x-acs-content-sha256", strings.Repeat("0", 64)) }, "SignatureDoesNotMatch"},
		{"missing nonce header", func(r *http.Request) { r.Header.Del("x-acs-signature-nonce") }, "IncompleteSignature"},
		{"other algorithm", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "ACS3-HMAC-SHA256", "ACS3-HMAC-SM3", 1))
		}, "InvalidParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.verifyACS3(build(tt.mutate), nil)
			switch {
			case tt.code == "" && err != nil:
				t.Errorf("got %v, want success", err)
			case tt.code != "" && (err == nil || err.Code != tt.code):
				t.Errorf("got %v, want %s", err, tt.code)
			}
		})
	}
}

func TestNonceCacheIsBounded(t *testing.T) {
	c := newNonceCache(time.Minute)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if !c.use("a", start) || c.use("a", start.Add(30*time.Second)) {
		t.Fatal("got a reused nonce accepted, or a fresh one refused")
	}
	for i := 0; i < 1000; i++ {
		c.use(string(rune('b'+i)), start.Add(time.Duration(i)*time.Second))
	}
	if got := c.size(); got > 62 {
		t.Errorf("got %d nonces remembered, want at most one window (~61)", got)
	}
	if !c.use("a", start.Add(2*time.Hour)) {
		t.Error("got an expired nonce refused, want it forgotten")
	}
}
