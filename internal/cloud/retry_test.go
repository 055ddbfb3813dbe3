package cloud

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	p := RetryPolicy{BaseDelay: 200 * time.Millisecond, MaxDelay: 10 * time.Second}
	ms := time.Millisecond
	tests := []struct {
		name    string
		attempt int
		hint    time.Duration
		r       float64
		want    time.Duration
	}{
		{"first retry, full jitter top", 1, 0, 1, 200 * ms},
		{"first retry, half", 1, 0, 0.5, 100 * ms},
		{"jitter can be zero", 3, 0, 0, 0},
		{"third retry doubles twice", 3, 0, 1, 800 * ms},
		{"capped at MaxDelay", 12, 0, 1, 10 * time.Second},
		{"huge attempt does not overflow", 500, 0, 0.5, 5 * time.Second},
		{"hint raises the delay", 1, 3 * time.Second, 0.5, 3 * time.Second},
		{"hint below jitter is ignored", 5, 100 * ms, 1, 3200 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := backoff(p, tt.attempt, tt.hint, tt.r); got != tt.want {
				t.Errorf("backoff(attempt %d, hint %v, r %v) = %v, want %v", tt.attempt, tt.hint, tt.r, got, tt.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.Concurrency != 4 || c.RatePerSecond != 20 || c.Burst != 20 || c.Reserve != 5 || c.CallTimeout != 15*time.Second {
		t.Errorf("defaults: concurrency %d rate %v burst %d reserve %v timeout %v", c.Concurrency, c.RatePerSecond, c.Burst, c.Reserve, c.CallTimeout)
	}
	r := c.Retry
	if r.MaxAttempts != 6 || r.BaseDelay != 200*time.Millisecond || r.MaxDelay != 10*time.Second || r.Deadline != 60*time.Second {
		t.Errorf("retry defaults: %+v", r)
	}
	if c = (Config{RatePerSecond: 50}).withDefaults(); c.Burst != 50 || c.Reserve != 12.5 {
		t.Errorf("Burst should default to the rate and Reserve to a quarter of it, got %d and %v", c.Burst, c.Reserve)
	}
}

func TestConfigEndpoint(t *testing.T) {
	tests := []struct {
		endpoint, scheme, host string
		ok                     bool
	}{
		{"", "HTTPS", "", true},
		{"http://127.0.0.1:8080", "HTTP", "127.0.0.1:8080", true},
		{"https://ecs-vpc.cn-hangzhou.aliyuncs.com", "HTTPS", "ecs-vpc.cn-hangzhou.aliyuncs.com", true},
		{"HTTP://localhost:1/", "HTTP", "localhost:1", true},
		{"127.0.0.1:8080", "", "", false},
		{"ftp://host", "", "", false},
		{"http://host/path", "", "", false},
	}
	for _, tt := range tests {
		scheme, host, err := Config{Endpoint: tt.endpoint}.endpoint()
		if (err == nil) != tt.ok || scheme != tt.scheme || host != tt.host {
			t.Errorf("endpoint(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.endpoint, scheme, host, err, tt.scheme, tt.host, tt.ok)
		}
	}
}

func TestNewRejectsHalfCredentials(t *testing.T) {
	for _, c := range []Config{
		{AccessKeyID: "id"},
		{AccessKeySecret: "secret"},
		{SecurityToken: "tok"},
		{Endpoint: "tcp://x"},
		{DefaultRegion: "CN HANGZHOU"},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", c)
		}
	}
	if _, err := New(Config{AccessKeyID: "id", AccessKeySecret: "s", SecurityToken: "t"}); err != nil {
		t.Errorf("STS config: %v", err)
	}
}
