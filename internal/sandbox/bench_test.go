package sandbox

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// BenchmarkDescribeInstancesPage5000 serves one 100-instance page of a
// 5,000-instance region, signature verification and JSON encoding included.
func BenchmarkDescribeInstancesPage5000(b *testing.B) {
	s := New(Options{InstancesPerRegion: 5000})
	for _, bc := range []struct {
		name   string
		params url.Values
	}{
		{"page 25", url.Values{"PageSize": {"100"}, "PageNumber": {"25"}}},
		{"filtered", url.Values{"PageSize": {"100"}, "Status": {"Running"}, "InstanceName": {"*-prod-*"}}},
		{"next token", url.Values{"MaxResults": {"100"}, "NextToken": {encodeToken(s.Instances("cn-hangzhou")[2500].InstanceID)}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := url.Values{"Action": {"DescribeInstances"}, "RegionId": {"cn-hangzhou"}}
			for k, v := range bc.params {
				p[k] = v
			}
			for b.Loop() {
				q := signedQuery(http.MethodGet, p, time.Now())
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?"+q.Encode(), nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("got HTTP %d: %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}
