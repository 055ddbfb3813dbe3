package sandbox

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Issue #11, item 6: `aliyun ecs DescribeInstances --pager` follows
// NextToken (CLI 3.0.83 and later): it re-sends the first request with the
// response's NextToken added, PageNumber and PageSize left as they were,
// until NextToken is empty. Real ECS returns a token when paging by
// PageNumber too (aliyun-cli issue #407), so the pager lists everything.
func TestDescribeInstancesPagerFollowsNextToken(t *testing.T) {
	s := New(Options{InstancesPerRegion: 53})
	for _, tc := range []struct {
		name   string
		params url.Values
		want   int
	}{
		{"no filter", url.Values{}, 53},
		{"with a filter", url.Values{"Status": {StatusRunning}}, countStatus(s, "cn-hangzhou", StatusRunning)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := url.Values{"RegionId": {"cn-hangzhou"}, "PageNumber": {"1"}, "PageSize": {"7"}}
			for k, v := range tc.params {
				first[k] = v
			}
			seen := map[string]bool{}
			token, calls := "", 0
			for {
				q := url.Values{}
				for k, v := range first {
					q[k] = v
				}
				if token != "" {
					q.Set("NextToken", token)
				}
				status, body := doCall(t, s, "DescribeInstances", q)
				if status != http.StatusOK {
					t.Fatalf("call %d: status %d: %v", calls, status, body)
				}
				calls++
				page := body["Instances"].(map[string]any)["Instance"].([]any)
				if len(page) > 7 {
					t.Fatalf("call %d: %d instances, want at most PageSize 7", calls, len(page))
				}
				for _, in := range page {
					id := in.(map[string]any)["InstanceId"].(string)
					if seen[id] {
						t.Fatalf("call %d repeats %s", calls, id)
					}
					seen[id] = true
				}
				token, _ = body["NextToken"].(string)
				if token == "" || calls > 20 {
					break
				}
			}
			if len(seen) != tc.want || calls != (tc.want+6)/7 {
				t.Errorf("the pager saw %d instances in %d calls, want %d in %d", len(seen), calls, tc.want, (tc.want+6)/7)
			}
		})
	}
}

func countStatus(s *Sandbox, region, status string) int {
	n := 0
	for _, in := range s.Instances(region) {
		if in.Status == status {
			n++
		}
	}
	return n
}

// Issue #11, item 7: DescribeRegions takes the seven AcceptLanguage values
// of the current API reference; names not seeded in a language are English.
func TestDescribeRegionsAcceptLanguages(t *testing.T) {
	s := New(Options{InstancesPerRegion: 1})
	for lang, want := range map[string]string{
		"zh-CN": "华东1（杭州）", "zh-TW": "華東1（杭州）", "zh_TW": "華東1（杭州）", "en-US": "China (Hangzhou)",
		"ja": "中国 (杭州)", "fr": "China (Hangzhou)", "de": "China (Hangzhou)", "ko": "China (Hangzhou)",
	} {
		status, body := doCall(t, s, "DescribeRegions", url.Values{"AcceptLanguage": {lang}})
		if status != http.StatusOK {
			t.Errorf("AcceptLanguage %s: status %d %v, want 200", lang, status, body)
			continue
		}
		var got string
		for _, r := range body["Regions"].(map[string]any)["Region"].([]any) {
			if r.(map[string]any)["RegionId"] == "cn-hangzhou" {
				got, _ = r.(map[string]any)["LocalName"].(string)
			}
		}
		if got != want {
			t.Errorf("AcceptLanguage %s: cn-hangzhou is %q, want %q", lang, got, want)
		}
	}
	if status, body := doCall(t, s, "DescribeRegions", url.Values{"AcceptLanguage": {"xx"}}); status != http.StatusNotFound || body["Code"] != "InvalidAcceptLanguage.NotFound" {
		t.Errorf("AcceptLanguage xx: %d %v, want 404 InvalidAcceptLanguage.NotFound", status, body["Code"])
	}
}

// Issue #11, item 8: an unknown action gets what today's API gateway
// answers, as an unknown path already did.
func TestUnknownActionIsNotFound(t *testing.T) {
	s := New(Options{InstancesPerRegion: 1})
	status, body := doCall(t, s, "DescribeUnicorns", nil)
	if status != http.StatusNotFound || body["Code"] != "InvalidAction.NotFound" ||
		body["Message"] != "Specified api is not found, please check your url and method." {
		t.Errorf("unknown action: %d %v %v, want 404 InvalidAction.NotFound", status, body["Code"], body["Message"])
	}
}

// signalHandler is a slog.Handler that sends each message to msgs.
type signalHandler struct{ msgs chan string }

func (h signalHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h signalHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.msgs <- r.Message:
	default:
	}
	return nil
}
func (h signalHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h signalHandler) WithGroup(string) slog.Handler      { return h }

// attachOver sends a signed AttachKeyPair for id over HTTP to srv.
func attachOver(ctx context.Context, srv *httptest.Server, key, id string) (*http.Response, error) {
	q := signedQuery(http.MethodGet, url.Values{"Action": {"AttachKeyPair"}, "RegionId": {"cn-hangzhou"},
		"KeyPairName": {key}, "InstanceIds": {`["` + id + `"]`}}, time.Now())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	return srv.Client().Do(req)
}

// linuxWithoutKey returns a Linux, I/O-optimized instance with no key pair,
// and a key pair of the region.
func linuxWithoutKey(t *testing.T, s *Sandbox) (id, key string) {
	t.Helper()
	for _, in := range s.Instances("cn-hangzhou") {
		if in.OSType == "linux" && in.IoOptimized && in.KeyPairName == "" {
			return in.InstanceID, s.KeyPairs("cn-hangzhou")[0].Name
		}
	}
	t.Fatal("no Linux instance without a key")
	return "", ""
}

// Issue #11, item 9: drop-after runs the call and then closes the
// connection without its answer (the call ran, the answer was lost); drop
// closes it before the call runs.
func TestDropAfterRunsTheCallThenLosesTheAnswer(t *testing.T) {
	for _, tc := range []struct {
		kind    string
		applied bool
	}{{FaultDrop, false}, {FaultDropAfter, true}} {
		t.Run(tc.kind, func(t *testing.T) {
			s := New(Options{InstancesPerRegion: 20})
			srv := httptest.NewServer(s)
			t.Cleanup(srv.Close)
			id, key := linuxWithoutKey(t, s)
			s.AddFault(Fault{Action: "AttachKeyPair", Kind: tc.kind, Count: 1})
			resp, err := attachOver(context.Background(), srv, key, id)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("AttachKeyPair: HTTP %d, want a transport error (no answer)", resp.StatusCode)
			}
			in, _ := s.Instance("cn-hangzhou", id)
			if applied := in.KeyPairName == key; applied != tc.applied {
				t.Errorf("after %s: key pair %q; call ran = %t, want %t", tc.kind, in.KeyPairName, applied, tc.applied)
			}
			if n := s.Calls()["AttachKeyPair"]; n != 1 {
				t.Errorf("calls = %d, want 1", n)
			}
			if len(s.Faults()) != 0 {
				t.Errorf("the count-1 fault is still installed: %+v", s.Faults())
			}
		})
	}
}

// Issue #11, item 9: delay-after holds the answer back after the call has
// run; latency delays before it. Observed while the answer is held back
// (the sandbox logs the delay once the call has run), then the client gives
// up.
func TestDelayAfterHoldsTheAnswerOfACallThatRan(t *testing.T) {
	msgs := make(chan string, 16)
	s := New(Options{InstancesPerRegion: 20, Logger: slog.New(signalHandler{msgs})})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	id, key := linuxWithoutKey(t, s)
	s.AddFault(Fault{Action: "AttachKeyPair", Kind: FaultDelayAfter, Latency: time.Hour, Count: 1})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		resp, err := attachOver(ctx, srv, key, id)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for msg := range msgs {
		if strings.Contains(msg, "answer delayed after the call ran") {
			break
		}
	}
	if in, _ := s.Instance("cn-hangzhou", id); in.KeyPairName != key {
		t.Errorf("while the answer is held back: key pair %q, want %q (the call has run)", in.KeyPairName, key)
	}
	select {
	case err := <-done:
		t.Fatalf("the client got its answer (%v) while it was held back", err)
	default:
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v, want its own cancellation", err)
	}
}

func TestPostCallFaultsAreValidated(t *testing.T) {
	if err := (Fault{Kind: FaultDelayAfter}).Validate(); err == nil {
		t.Error("delay-after without a latency was accepted")
	}
	if err := (Fault{Kind: FaultDropAfter, Action: "RebootInstances"}).Validate(); err != nil {
		t.Errorf("drop-after on RebootInstances: %v", err)
	}
}
