package ecscompat_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"keybind/internal/sandbox"
)

func TestSignatureV1Errors(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 5})
	tests := []struct {
		name, id, secret, code string
		status                 int
	}{
		{"wrong secret", env.AccessKeyID, "not-the-secret", "SignatureDoesNotMatch", 400},
		{"unknown key", "LTAI-nobody", env.AccessKeySecret, "InvalidAccessKeyId.NotFound", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := oldClientWith(t, env, hangzhou, tt.id, tt.secret)
			_, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest())
			se := wantCode(t, err, tt.code, tt.status)
			if tt.code == "SignatureDoesNotMatch" {
				// The SDK compares our string to sign with its own and blames the secret when they agree.
				if !strings.Contains(se.Recommend(), "InvalidAccessKeySecret") {
					t.Errorf("got Recommend %q, want the SDK to recognise a wrong secret", se.Recommend())
				}
				if !strings.Contains(se.Message(), "server string to sign is:POST&%2F&") {
					t.Errorf("got message %q, want the server string to sign", se.Message())
				}
			}
		})
	}
}

func TestSignatureTimestampWindow(t *testing.T) {
	tests := []struct {
		name   string
		offset time.Duration // sandbox wall clock minus real time
		code   string
	}{
		{"14 minutes slow client", 14 * time.Minute, ""},
		{"16 minutes slow client", 16 * time.Minute, "InvalidTimeStamp.Expired"},
		{"16 minutes fast client", -16 * time.Minute, "InvalidTimeStamp.Expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := start(t, sandbox.Options{InstancesPerRegion: 5, WallClock: func() time.Time { return time.Now().Add(tt.offset) }})
			_, err := oldClient(t, env, hangzhou).DescribeRegions(ecs.CreateDescribeRegionsRequest())
			if tt.code == "" {
				if err != nil {
					t.Errorf("got %v, want success", err)
				}
				return
			}
			wantCode(t, err, tt.code, http.StatusBadRequest)
		})
	}
}

// replayTransport re-sends the first request's exact URL (nonce included) on every later call.
type replayTransport struct {
	mu    sync.Mutex
	first string
}

func (rt *replayTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	if rt.first == "" {
		rt.first = r.URL.String()
	} else {
		r = r.Clone(r.Context())
		u := *r.URL
		parsed, _ := u.Parse(rt.first)
		r.URL = parsed
	}
	rt.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func TestSignatureNonceReuse(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 5})
	c := oldClient(t, env, hangzhou)
	c.SetTransport(&replayTransport{})
	if _, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest()); err != nil {
		t.Fatalf("first call: %v", err)
	}
	_, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest())
	wantCode(t, err, "SignatureNonceUsed", http.StatusBadRequest)
}

func TestSignatureAwkwardValues(t *testing.T) {
	env := start(t, sandbox.Options{})
	values := []string{"a b+c*d~e/f=g&h", "测试*", "🚀 launch-box 🚀", `" onmouseover="x`, "<script>alert(1)</script>", "  leading and  double  spaces"}
	for _, method := range []string{requests.POST, requests.GET} {
		for _, v := range values {
			t.Run(method+"/"+v, func(t *testing.T) {
				c := oldClient(t, env, hangzhou)
				req := ecs.CreateDescribeInstancesRequest()
				req.Method = method
				req.InstanceName = v
				resp, err := c.DescribeInstances(req)
				if err != nil {
					t.Fatalf("DescribeInstances InstanceName=%q: %v", v, err)
				}
				for _, in := range resp.Instances.Instance {
					if in.InstanceName != v && !strings.Contains(v, "*") {
						t.Errorf("got %q, want exact match %q", in.InstanceName, v)
					}
				}
			})
		}
	}
}

func TestFormBodyParameters(t *testing.T) {
	env := start(t, sandbox.Options{})
	c := oldClient(t, env, hangzhou)
	req := requests.NewCommonRequest()
	req.Method = requests.POST
	req.Scheme = "http"
	req.Domain = env.Host
	req.Version = "2014-05-26"
	req.ApiName = "DescribeInstances"
	req.QueryParams["RegionId"] = hangzhou
	req.FormParams["InstanceName"] = "api-*"
	req.FormParams["PageSize"] = "100"
	resp, err := c.ProcessCommonRequest(req)
	if err != nil {
		t.Fatalf("ProcessCommonRequest: %v", err)
	}
	body := resp.GetHttpContentString()
	if !strings.Contains(body, `"InstanceName":"api-`) || strings.Contains(body, `"InstanceName":"web-`) {
		t.Errorf("body parameters were not applied: %.200s", body)
	}
}

func TestUnknownActionAndVersion(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 5})
	c := oldClient(t, env, hangzhou)
	tests := []struct {
		name, action, version, code string
		status                      int
	}{
		{"unknown action", "DescribeUnicorns", "2014-05-26", "InvalidAction.NotFound", 404}, // today's gateway (#11)
		{"wrong version", "DescribeRegions", "2016-03-14", "InvalidParameter", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := requests.NewCommonRequest()
			req.Scheme, req.Domain, req.Version, req.ApiName = "http", env.Host, tt.version, tt.action
			_, err := c.ProcessCommonRequest(req)
			wantCode(t, err, tt.code, tt.status)
		})
	}
	if got := env.Sandbox.Calls()["DescribeUnicorns"]; got != 1 {
		t.Errorf("got %d calls counted for the unknown action, want 1", got)
	}
}
