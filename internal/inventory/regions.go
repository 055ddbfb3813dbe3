// Package inventory is the console's shared view of what is in the cloud,
// cached: built once when the console starts and given to every page and
// API handler that needs it.
package inventory

import (
	"context"
	"regexp"
	"sync"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/fault"
)

// Clock tells the caches what time it is.
type Clock interface{ Now() time.Time }

// Errors of a region lookup.
var (
	ErrRegionIDInvalid = fault.New(fault.KindInvalid, "region_id_invalid")
	ErrRegionNotFound  = fault.New(fault.KindNotFound, "region_not_found")
)

// RegionSource lists the cloud's regions; *cloud.Gateway provides it.
type RegionSource interface {
	Regions(ctx context.Context) ([]cloud.Region, error)
}

// Regions keeps the region list for a while: it changes rarely and every
// page of the binding flow needs a region's name.
type Regions struct {
	src   RegionSource
	clock Clock
	ttl   time.Duration

	mu       sync.Mutex
	accounts map[string]*regionList // by cloud account
}

type regionList struct {
	regions []cloud.Region
	fetched time.Time
}

// DefaultRegionTTL is how long the region list is kept.
const DefaultRegionTTL = 5 * time.Minute

// NewRegions caches src's region list for ttl (DefaultRegionTTL if 0).
func NewRegions(src RegionSource, clock Clock, ttl time.Duration) *Regions {
	if ttl <= 0 {
		ttl = DefaultRegionTTL
	}
	return &Regions{src: src, clock: clock, ttl: ttl, accounts: map[string]*regionList{}}
}

// Regions returns the region list of ctx's cloud account, read from the
// cloud at most once per ttl.
func (r *Regions) Regions(ctx context.Context) ([]cloud.Region, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clock.Now()
	l := r.accounts[cloud.AccountOf(ctx)]
	if l != nil && l.regions != nil && now.Sub(l.fetched) < r.ttl {
		return l.regions, nil
	}
	regions, err := r.src.Regions(ctx)
	if err != nil {
		return nil, err
	}
	r.accounts[cloud.AccountOf(ctx)] = &regionList{regions: regions, fetched: now}
	return regions, nil
}

var regionPattern = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+){1,4}$`)

// ValidRegionID reports whether id has the shape of a region ID (cn-hangzhou).
func ValidRegionID(id string) bool { return regionPattern.MatchString(id) }

// Region returns the region with this ID: ErrRegionIDInvalid when id is
// not shaped like one, ErrRegionNotFound when the cloud has no such region.
func (r *Regions) Region(ctx context.Context, id string) (cloud.Region, error) {
	if !ValidRegionID(id) {
		return cloud.Region{}, ErrRegionIDInvalid
	}
	regions, err := r.Regions(ctx)
	if err != nil {
		return cloud.Region{}, err
	}
	for _, reg := range regions {
		if reg.ID == id {
			return reg, nil
		}
	}
	return cloud.Region{}, ErrRegionNotFound.About(id)
}
