package inventory

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/fault"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeCloud counts its calls; each call can be held until release is closed.
type fakeCloud struct {
	calls   atomic.Int32
	release chan struct{}
}

func (f *fakeCloud) wait() {
	if f.release != nil {
		<-f.release
	}
}

func (f *fakeCloud) Regions(ctx context.Context) ([]cloud.Region, error) {
	f.calls.Add(1)
	if cloud.Language(ctx) == cloud.LangChinese {
		return []cloud.Region{{ID: "cn-hangzhou", Name: "华东1（杭州）"}}, nil
	}
	return []cloud.Region{{ID: "cn-hangzhou", Name: "China (Hangzhou)"}}, nil
}

func (f *fakeCloud) Instances(_ context.Context, _ string, cf cloud.InstanceFilter) (cloud.InstancePage, error) {
	f.calls.Add(1)
	f.wait()
	if len(cf.PrivateIPs) > 0 {
		return cloud.InstancePage{}, nil // no private match: the search asks again as public
	}
	return cloud.InstancePage{Total: 1, Items: []cloud.Instance{{ID: "i-a"}}, PageNumber: cf.PageNumber}, nil
}

func (f *fakeCloud) AllInstances(context.Context, string, cloud.InstanceFilter, int) ([]cloud.Instance, error) {
	f.calls.Add(1)
	return nil, nil
}

func (f *fakeCloud) KeyPairs(context.Context, string, cloud.KeyPairFilter) (cloud.KeyPairPage, error) {
	f.calls.Add(1)
	return cloud.KeyPairPage{Total: 1}, nil
}

func TestRegionsAreCachedForTheTTL(t *testing.T) {
	f, c := &fakeCloud{}, &clock{t: time.Unix(0, 0)}
	r := NewRegions(f, c, time.Minute)
	ctx := context.Background()
	if reg, err := r.Region(ctx, "cn-hangzhou"); err != nil || reg.Name != "China (Hangzhou)" {
		t.Fatalf("Region = %+v, %v", reg, err)
	}
	c.advance(59 * time.Second)
	_, _ = r.Regions(ctx)
	if n := f.calls.Load(); n != 1 {
		t.Errorf("%d calls within the TTL, want 1", n)
	}
	c.advance(time.Second)
	_, _ = r.Regions(ctx)
	if n := f.calls.Load(); n != 2 {
		t.Errorf("%d calls after the TTL, want 2", n)
	}
	if _, err := r.Region(ctx, "Not A Region"); !errors.Is(err, ErrRegionIDInvalid) {
		t.Errorf("bad ID: %v, want ErrRegionIDInvalid", err)
	}
	if _, err := r.Region(ctx, "xx-nowhere-1"); !errors.Is(err, ErrRegionNotFound) || fault.KindOf(err) != fault.KindNotFound {
		t.Errorf("unknown region: %v, want ErrRegionNotFound", err)
	}
}

// Region names are kept per language: a Chinese page gets Chinese names
// from its own call, and an English page still gets English ones.
func TestRegionsAreCachedPerLanguage(t *testing.T) {
	f, c := &fakeCloud{}, &clock{t: time.Unix(0, 0)}
	r := NewRegions(f, c, time.Minute)
	en, zh := context.Background(), cloud.WithLanguage(context.Background(), cloud.LangChinese)
	for range 2 {
		if reg, _ := r.Region(zh, "cn-hangzhou"); reg.Name != "华东1（杭州）" {
			t.Errorf("Chinese name %q", reg.Name)
		}
		if reg, _ := r.Region(en, "cn-hangzhou"); reg.Name != "China (Hangzhou)" {
			t.Errorf("English name %q", reg.Name)
		}
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("%d calls for two languages asked twice, want 2", n)
	}
}

// Everyone asking for one page within the TTL shares one call; concurrent first asks make one
// call; a fresh ask or the end of the TTL reads again; the page says when it was read.
func TestInstancePagesAreShared(t *testing.T) {
	f, c := &fakeCloud{release: make(chan struct{})}, &clock{t: time.Unix(100, 0)}
	s := NewInstances(f, c, 5*time.Second)
	ctx := context.Background()
	cf := cloud.InstanceFilter{PageNumber: 3, PageSize: 50}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if p, err := s.Page(ctx, "cn-hangzhou", cf, false); err != nil || p.Total != 1 {
				t.Errorf("Page = %+v, %v", p, err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // lets the 20 asks pile up on the held call; asserts nothing about time
	close(f.release)
	wg.Wait()
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("20 concurrent asks made %d calls, want 1", n)
	}
	c.advance(4 * time.Second)
	p, _ := s.Page(ctx, "cn-hangzhou", cf, false)
	if n := f.calls.Load(); n != 1 || !p.FetchedAt.Equal(time.Unix(100, 0)) {
		t.Errorf("within the TTL: %d calls, read at %v; want the shared copy", n, p.FetchedAt)
	}
	if _, _ = s.Page(ctx, "cn-hangzhou", cloud.InstanceFilter{PageNumber: 4, PageSize: 50}, false); f.calls.Load() != 2 {
		t.Errorf("another page: %d calls, want 2", f.calls.Load())
	}
	if p, _ = s.Page(ctx, "cn-hangzhou", cf, true); f.calls.Load() != 3 || !p.FetchedAt.Equal(c.Now()) {
		t.Errorf("a fresh read: %d calls, read at %v", f.calls.Load(), p.FetchedAt)
	}
	// After the TTL the copy is still shown, said to be that old, while a fresh one is read in
	// the background (once, however many ask meanwhile).
	// The background read is held until the three have asked (it could
	// otherwise land between two of them).
	read := p.FetchedAt
	f.release = make(chan struct{})
	c.advance(5 * time.Second)
	for range 3 {
		if p, _ = s.Page(ctx, "cn-hangzhou", cf, false); !p.FetchedAt.Equal(read) {
			t.Errorf("after the TTL: read at %v, want the copy read at %v", p.FetchedAt, read)
		}
	}
	close(f.release)
	waitCalls(t, f, 4)
	for range 500 { // the call has begun; its answer lands a moment later
		if p, _ = s.Page(ctx, "cn-hangzhou", cf, false); p.FetchedAt.Equal(c.Now()) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !p.FetchedAt.Equal(c.Now()) || f.calls.Load() != 4 {
		t.Errorf("after the background read: read at %v after %d calls, want %v after 4", p.FetchedAt, f.calls.Load(), c.Now())
	}
	// Past staleFactor TTLs nothing old is shown: the ask waits for the cloud.
	c.advance(staleFactor * 5 * time.Second)
	if p, _ = s.Page(ctx, "cn-hangzhou", cf, false); f.calls.Load() != 5 || !p.FetchedAt.Equal(c.Now()) {
		t.Errorf("long after: %d calls, read at %v; want a read now", f.calls.Load(), p.FetchedAt)
	}
	// An address that is no private IP is tried as a public one.
	if p, _ := s.Page(ctx, "cn-hangzhou", cloud.InstanceFilter{PrivateIPs: []string{"8.8.8.8"}}, false); p.Total != 1 || f.calls.Load() != 7 {
		t.Errorf("public address: %+v after %d calls, want the public match after 2 more", p, f.calls.Load())
	}
}

// waitCalls waits until f has had n calls (a background read).
func waitCalls(t *testing.T, f *fakeCloud, n int32) {
	t.Helper()
	for range 500 {
		if f.calls.Load() >= n {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := f.calls.Load(); got != n {
		t.Fatalf("%d calls, want %d", got, n)
	}
}

// A key pair written through keybind drops the region's cached pages at once.
func TestKeyPairPagesAreForgottenOnChange(t *testing.T) {
	f, c := &fakeCloud{}, &clock{t: time.Unix(0, 0)}
	k := NewKeyPairs(f, c, time.Minute)
	ctx := context.Background()
	page := cloud.KeyPairFilter{PageNumber: 1, PageSize: 20}
	_, _ = k.KeyPairs(ctx, "cn-hangzhou", page)
	_, _ = k.KeyPairs(ctx, "cn-shanghai", page)
	_, _ = k.KeyPairs(ctx, "cn-hangzhou", page)
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("%d calls, want one per region", n)
	}
	k.Changed("cn-hangzhou")
	_, _ = k.KeyPairs(ctx, "cn-hangzhou", page)
	_, _ = k.KeyPairs(ctx, "cn-shanghai", page)
	if n := f.calls.Load(); n != 3 {
		t.Errorf("%d calls after a change in cn-hangzhou, want it read again and cn-shanghai not", n)
	}
}

func TestFilterCloud(t *testing.T) {
	cf, err := Filter{Name: "web", ID: "i-abc", IP: "10.0.0.5", Status: "Running", Tag: "env = prod"}.Cloud()
	if err != nil || cf.Name != "*web*" || cf.IDs[0] != "i-abc" || cf.PrivateIPs[0] != "10.0.0.5" || cf.Status != "Running" ||
		cf.Tags[0] != (cloud.Tag{Key: "env", Value: "prod"}) {
		t.Errorf("Cloud() = %+v, %v", cf, err)
	}
	_, err = Filter{ID: "I-BAD", IP: "::1", Status: "Sleeping", Tag: "=x"}.Cloud()
	var f *fault.Error
	if !errors.As(err, &f) || len(f.Fields) != 4 || f.Fields["ip"] != "ip_invalid" {
		t.Errorf("bad filter: %v, want four field errors", err)
	}
	if p, _, err := KeySearch(" ops "); err != nil || p != "*ops*" {
		t.Errorf("KeySearch = %q, %v", p, err)
	}
	if _, _, err := KeySearch("a\nb"); !errors.Is(err, ErrKeySearchInvalid) {
		t.Errorf("KeySearch with a newline: %v", err)
	}
}
