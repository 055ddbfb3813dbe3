package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"keybind/views"
	"regexp"
	"sync"
	"time"

	"keybind/internal/apperr"
	"keybind/internal/cloud"
)

// regionCache keeps the region list for a few minutes: it changes rarely and
// every page of the binding flow needs a region's name.
type regionCache struct {
	cloud RegionLister
	ttl   time.Duration

	mu      sync.Mutex
	regions []cloud.Region
	fetched time.Time
}

func newRegionCache(c RegionLister) *regionCache {
	if rc, ok := c.(*regionCache); ok {
		return rc // already cached: share it
	}
	return &regionCache{cloud: c, ttl: 5 * time.Minute}
}

// NewRegionCache wraps a RegionLister so that every handler given the result
// shares one region list, refreshed every five minutes.
func NewRegionCache(c RegionLister) RegionLister { return newRegionCache(c) }

// Regions returns the cached region list.
func (rc *regionCache) Regions(ctx context.Context) ([]cloud.Region, error) { return rc.list(ctx) }

func (rc *regionCache) list(ctx context.Context) ([]cloud.Region, error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.regions != nil && time.Since(rc.fetched) < rc.ttl {
		return rc.regions, nil
	}
	regions, err := rc.cloud.Regions(ctx)
	if err != nil {
		return nil, err
	}
	rc.regions, rc.fetched = regions, time.Now()
	return regions, nil
}

var regionPattern = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+){1,4}$`)

// lookup returns the region with this ID, or a 404 naming it.
func (rc *regionCache) lookup(ctx context.Context, id string) (cloud.Region, error) {
	if !regionPattern.MatchString(id) {
		return cloud.Region{}, apperr.BadRequest("Choose a region first.")
	}
	regions, err := rc.list(ctx)
	if err != nil {
		return cloud.Region{}, err
	}
	for _, r := range regions {
		if r.ID == id {
			return r, nil
		}
	}
	return cloud.Region{}, apperr.NotFound("Region " + id)
}

// regionChoice is what a region picker shows: the regions, the user's last
// choice, and a plain message when the cloud could not list them.
type regionChoice struct {
	regions  []views.Region
	selected string
	err      string
}

// chooseRegion reads the regions and the user's last choice.
func chooseRegion(c echo.Context, rc *regionCache, prefs PrefStore) regionChoice {
	ctx := c.Request().Context()
	var rcv regionChoice
	regions, err := rc.list(ctx)
	if err != nil {
		State(c).Logger.Warn("list regions", "err", err)
		rcv.err = cloudMessage(err)
	}
	for _, r := range regions {
		rcv.regions = append(rcv.regions, views.Region{ID: r.ID, Name: r.Name, Available: r.Available})
	}
	if last, err := prefs.Pref(ctx, State(c).User, prefRegion); err == nil {
		rcv.selected = last
	}
	return rcv
}
