package cloud

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"keybind/internal/dedupe"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

func TestValidInstanceID(t *testing.T) {
	for id, want := range map[string]bool{
		"i-bp1abc123": true, "i-0": true, "i-": false, "i-ABC": false, "i-a_b": false,
		"x-abc": false, "": false, "i-abc def": false, `i-a"`: false, "sg-123": false,
	} {
		if got := ValidInstanceID(id); got != want {
			t.Errorf("ValidInstanceID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestDedupeAndChunk(t *testing.T) {
	got := dedupe.Slice([]string{"i-b", "i-a", "i-b", "i-c", "i-a"})
	if want := []string{"i-b", "i-a", "i-c"}; !slices.Equal(got, want) {
		t.Errorf("dedupe = %v, want %v", got, want)
	}
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = fmt.Sprintf("i-%d", i)
	}
	for _, tt := range []struct{ n, size, chunks, last int }{
		{0, 50, 0, 0}, {1, 50, 1, 1}, {50, 50, 1, 50}, {51, 50, 2, 1}, {101, 50, 3, 1}, {100, 100, 1, 100},
	} {
		c := split(ids[:tt.n], tt.size)
		if len(c) != tt.chunks {
			t.Errorf("split(%d, %d) gave %d chunks, want %d", tt.n, tt.size, len(c), tt.chunks)
			continue
		}
		if tt.chunks > 0 && len(c[len(c)-1]) != tt.last {
			t.Errorf("split(%d, %d) last chunk has %d, want %d", tt.n, tt.size, len(c[len(c)-1]), tt.last)
		}
		if flat := slices.Concat(c...); !slices.Equal(flat, ids[:tt.n]) {
			t.Errorf("split(%d, %d) lost order or elements", tt.n, tt.size)
		}
	}
	// Appending to a chunk must not overwrite the next one.
	c := split(ids[:4], 2)
	_ = append(c[0], "i-x")
	if c[1][0] != "i-2" {
		t.Error("chunks share capacity")
	}
}

func TestKeyPairNames(t *testing.T) {
	for name, want := range map[string]bool{
		"ops-key": true, "a1": true, "Key:prod_1": true, "a": false, "1key": false, "key pair": false,
		"http://x": false, "https://key": false, "key*": false, "": false, "密钥a": true,
	} {
		if got := validNewKeyPairName(name); got != want {
			t.Errorf("validNewKeyPairName(%q) = %v, want %v", name, got, want)
		}
	}
	for name, ok := range map[string]bool{"ops-key": true, "k": true, "": false, "*ops*": false, "a\nb": false, `a"b`: false} {
		if err := checkKeyPairName("AttachKeyPair", "cn-hangzhou", name); (err == nil) != ok {
			t.Errorf("checkKeyPairName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

func TestJSONList(t *testing.T) {
	if got := jsonList([]string{"i-a", "i-b"}); got != `["i-a","i-b"]` {
		t.Errorf("jsonList = %s", got)
	}
}

func TestFanOutBoundsConcurrency(t *testing.T) {
	var running, peak, done atomic.Int32
	ran := fanOut(context.Background(), 20, 3, func(int) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(time.Millisecond) // lets workers overlap; asserts nothing about time
		running.Add(-1)
		done.Add(1)
	})
	if done.Load() != 20 || slices.Contains(ran, false) {
		t.Errorf("ran %d of 20", done.Load())
	}
	if peak.Load() > 3 {
		t.Errorf("peak concurrency %d, want at most 3", peak.Load())
	}
}

func TestFanOutStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var count atomic.Int32
	ran := fanOut(ctx, 10, 1, func(i int) {
		count.Add(1)
		if i == 2 {
			cancel()
		}
	})
	if n := count.Load(); n != 3 {
		t.Errorf("ran %d tasks after cancel at the third, want 3", n)
	}
	if ran[3] {
		t.Error("task 3 marked as run")
	}
}

func TestInstanceFromSDK(t *testing.T) {
	var in ecs.Instance
	in.InstanceId, in.InstanceName, in.Status, in.OSType = "i-1", "web", "Running", "linux"
	in.CreationTime = "2017-12-10T04:04Z"
	in.PublicIpAddress.IpAddress = []string{"121.40.1.1"}
	in.EipAddress.IpAddress = "47.1.1.1"
	in.VpcAttributes.PrivateIpAddress.IpAddress = []string{"172.17.0.1"}
	in.Tags.Tag = []ecs.Tag{{TagKey: "env", TagValue: "prod"}}
	in.OperationLocks.LockReason = []ecs.LockReason{{LockReason: "security"}}
	got := instanceFromSDK(in)
	if got.ID != "i-1" || got.Status != StatusRunning || got.IsWindows() || !got.SecurityLocked() {
		t.Errorf("got %+v", got)
	}
	if !slices.Equal(got.PublicIPs, []string{"121.40.1.1", "47.1.1.1"}) || !slices.Equal(got.PrivateIPs, []string{"172.17.0.1"}) {
		t.Errorf("IPs: public %v private %v", got.PublicIPs, got.PrivateIPs)
	}
	if len(got.Tags) != 1 || got.Tags[0] != (Tag{"env", "prod"}) {
		t.Errorf("tags %v", got.Tags)
	}
	if want := time.Date(2017, 12, 10, 4, 4, 0, 0, time.UTC); !got.CreatedAt.Equal(want) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, want)
	}
	if (Instance{OSType: "windows"}).IsWindows() != true {
		t.Error("IsWindows")
	}
}

func TestResultOK(t *testing.T) {
	for _, tt := range []struct {
		code, success string
		want          bool
	}{{"200", "true", true}, {"200", "", true}, {"", "true", true}, {"200", "false", false}, {"DependencyViolation.WindowsInstance", "false", false}, {"", "", false}} {
		if got := resultOK(tt.code, tt.success); got != tt.want {
			t.Errorf("resultOK(%q, %q) = %v", tt.code, tt.success, got)
		}
	}
}

func TestTransportNeverProxiesLoopback(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://proxy.invalid:3128")
	t.Setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
	t.Setenv("NO_PROXY", "")
	tr := newTransport(time.Second, 4)
	for target, wantProxy := range map[string]bool{
		"http://127.0.0.1:8080/":                false,
		"http://localhost:8080/":                false,
		"http://[::1]:8080/":                    false,
		"https://ecs.cn-hangzhou.aliyuncs.com/": true,
	} {
		u, _ := url.Parse(target)
		p, err := tr.Proxy(&http.Request{URL: u})
		if err != nil || (p != nil) != wantProxy {
			t.Errorf("proxy for %s = %v, %v; want proxied=%v", target, p, err, wantProxy)
		}
	}
}
