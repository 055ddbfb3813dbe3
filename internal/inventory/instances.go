package inventory

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"

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

// Page is one page of instances and when it was read from the cloud.
type Page struct {
	cloud.InstancePage
	FetchedAt time.Time
}

// Instances searches a region's instances with the picker's rules; each page it reads is shared
// for a few seconds (see cache).
type Instances struct {
	src   InstanceSource
	pages *cache[cloud.InstancePage]
}

// NewInstances builds the search over src, keeping pages for ttl (DefaultPageTTL if 0).
func NewInstances(src InstanceSource, clock Clock, ttl time.Duration) *Instances {
	return &Instances{src: src, pages: newCache[cloud.InstancePage](clock, ttl)}
}

// Page reads one page of instances, from the shared cache when a copy younger than the TTL is
// there and fresh is false. An address that matches no private IP is tried as a public one.
func (s *Instances) Page(ctx context.Context, region string, cf cloud.InstanceFilter, fresh bool) (Page, error) {
	p, err := s.pages.get(ctx, pageKey(region, cf), fresh, func(ctx context.Context) (cloud.InstancePage, error) {
		res, err := s.src.Instances(ctx, region, cf)
		if err == nil && res.Total == 0 && len(cf.PrivateIPs) > 0 {
			cf.PublicIPs, cf.PrivateIPs = cf.PrivateIPs, nil
			res, err = s.src.Instances(ctx, region, cf)
		}
		return res, err
	})
	return Page{InstancePage: p.Value, FetchedAt: p.FetchedAt}, err
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
