package inventory

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"keybind/internal/cloud"
	"keybind/internal/fault"
)

// Statuses are the instance statuses a filter may name.
var Statuses = []string{"Running", "Stopped", "Starting", "Stopping", "Pending"}

// Filter is the instance picker's filter as people type it: a name (a
// plain word matches anywhere, * is a wildcard), an instance ID, one IPv4
// address (private, else public), a status, and a tag as key=value or key.
type Filter struct {
	Name, ID, IP, Status, Tag string
}

// Cloud checks the filter and turns it into the gateway's. A bad value is
// an input error naming the field (name, id, ip, status, tag).
func (f Filter) Cloud() (cloud.InstanceFilter, error) {
	var cf cloud.InstanceFilter
	bad := map[string]string{}
	if f.Name != "" {
		if len([]rune(f.Name)) > 128 {
			bad["name"] = "name_too_long"
		}
		cf.Name = Wildcard(f.Name)
	}
	if f.ID != "" {
		if !cloud.ValidInstanceID(f.ID) {
			bad["id"] = "instance_id_invalid"
		}
		cf.IDs = []string{f.ID}
	}
	if f.IP != "" {
		a, err := netip.ParseAddr(f.IP)
		if err != nil || !a.Is4() {
			bad["ip"] = "ip_invalid"
		}
		cf.PrivateIPs = []string{a.String()}
	}
	if f.Status != "" {
		if !slices.Contains(Statuses, f.Status) {
			bad["status"] = "status_unknown"
		}
		cf.Status = cloud.Status(f.Status)
	}
	if f.Tag != "" {
		k, v, _ := strings.Cut(f.Tag, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" || len(k) > 128 || len(v) > 128 {
			bad["tag"] = "tag_invalid"
		}
		cf.Tags = []cloud.Tag{{Key: k, Value: v}}
	}
	return cf, fault.Invalid("instance_filter", bad)
}

// Wildcard turns a plain search word into a "contains" match; text that
// already has a * is passed as typed.
func Wildcard(q string) string {
	if q == "" || strings.Contains(q, "*") {
		return q
	}
	return "*" + q + "*"
}

// ErrKeySearchInvalid refuses a key pair search that cannot be a name.
var ErrKeySearchInvalid = fault.New(fault.KindInvalid, "key_search_invalid")

// KeySearch checks a key pair search as people type it and returns the
// gateway's name pattern (see Wildcard) and the trimmed text.
func KeySearch(q string) (pattern, text string, err error) {
	q = strings.TrimSpace(q)
	if len(q) > 128 || strings.ContainsAny(q, "\x00\r\n") {
		return "", q, ErrKeySearchInvalid
	}
	return Wildcard(q), q, nil
}

// InstanceSource lists instances; *cloud.Gateway provides it.
type InstanceSource interface {
	Instances(ctx context.Context, region string, f cloud.InstanceFilter) (cloud.InstancePage, error)
	AllInstances(ctx context.Context, region string, f cloud.InstanceFilter, limit int) ([]cloud.Instance, error)
}

// DefaultPageTTL is how long a page of instances is shared before it is read again.
const DefaultPageTTL = 5 * time.Second

// maxCachedPages bounds the page cache; past it, expired pages go first, then all.
const maxCachedPages = 2000

// Page is one page of instances and when it was read from the cloud.
type Page struct {
	cloud.InstancePage
	FetchedAt time.Time
}

// Instances searches a region's instances with the picker's rules. Each page it reads is kept
// for a few seconds and shared by everyone who asks for the same region, filter and page, and
// concurrent asks for a page not yet read make one call: fifty people paging through the same
// fleet cost the cloud one call per page and TTL, not fifty.
type Instances struct {
	src   InstanceSource
	clock Clock
	ttl   time.Duration

	flight singleflight.Group
	mu     sync.Mutex
	pages  map[string]Page
}

// NewInstances builds the search over src, keeping pages for ttl (DefaultPageTTL if 0).
func NewInstances(src InstanceSource, clock Clock, ttl time.Duration) *Instances {
	if ttl <= 0 {
		ttl = DefaultPageTTL
	}
	return &Instances{src: src, clock: clock, ttl: ttl, pages: map[string]Page{}}
}

// Page reads one page of instances, from the shared cache when a copy younger than the TTL is
// there and fresh is false. An address that matches no private IP is tried as a public one.
func (s *Instances) Page(ctx context.Context, region string, cf cloud.InstanceFilter, fresh bool) (Page, error) {
	key := pageKey(region, cf)
	if !fresh {
		if p, ok := s.cached(key); ok {
			return p, nil
		}
	}
	v, err, _ := s.flight.Do(key, func() (any, error) {
		res, err := s.src.Instances(ctx, region, cf)
		if err == nil && res.Total == 0 && len(cf.PrivateIPs) > 0 {
			cf.PublicIPs, cf.PrivateIPs = cf.PrivateIPs, nil
			res, err = s.src.Instances(ctx, region, cf)
		}
		if err != nil {
			return Page{}, err
		}
		p := Page{InstancePage: res, FetchedAt: s.clock.Now()}
		s.store(key, p)
		return p, nil
	})
	return v.(Page), err
}

func (s *Instances) cached(key string) (Page, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pages[key]
	return p, ok && s.clock.Now().Sub(p.FetchedAt) < s.ttl
}

func (s *Instances) store(key string, p Page) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pages) >= maxCachedPages {
		now := s.clock.Now()
		for k, old := range s.pages {
			if now.Sub(old.FetchedAt) >= s.ttl {
				delete(s.pages, k)
			}
		}
		if len(s.pages) >= maxCachedPages {
			clear(s.pages)
		}
	}
	s.pages[key] = p
}

// pageKey names a page: the region and the filter with its paging.
func pageKey(region string, cf cloud.InstanceFilter) string {
	b, _ := json.Marshal(cf)
	return region + " " + string(b)
}

// All reads every instance that matches, with Page's address rule; more than limit matches
// are refused after the first call (a *cloud.TooManyError).
func (s *Instances) All(ctx context.Context, region string, cf cloud.InstanceFilter, limit int) ([]cloud.Instance, error) {
	all, err := s.src.AllInstances(ctx, region, cf, limit)
	if err == nil && len(all) == 0 && len(cf.PrivateIPs) > 0 {
		cf.PublicIPs, cf.PrivateIPs = cf.PrivateIPs, nil
		all, err = s.src.AllInstances(ctx, region, cf, limit)
	}
	return all, err
}
