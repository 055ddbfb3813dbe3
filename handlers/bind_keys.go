package handlers

import (
	"context"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"keybind/handlers/htmx"
	"keybind/handlers/request"
	"keybind/internal/cloud"
	"keybind/internal/inventory"
	"keybind/views"
	"keybind/views/components"
)

// KeyPairLister searches a region's key pairs.
type KeyPairLister interface {
	KeyPairs(ctx context.Context, region string, f cloud.KeyPairFilter) (cloud.KeyPairPage, error)
}

// BindKeys is step 2 of binding: choose the key pair.
type BindKeys struct {
	regions inventory.RegionFinder
	keys    KeyPairLister
}

// NewBindKeys builds the key pair step.
func NewBindKeys(r inventory.RegionFinder, k KeyPairLister) *BindKeys {
	return &BindKeys{regions: r, keys: k}
}

const keyPageSize = 20

// Show searches the region's key pairs by name, a page at a time.
func (h *BindKeys) Show(c echo.Context) error {
	s, err := searchKeyPairs(c, h.regions, h.keys, keyPageSize)
	if err != nil {
		return err
	}
	p := views.KeyPickPage{Page: page(c, request.T(c, "bind.key_title"), "bind"), Region: s.region.ID, RegionName: s.region.Name,
		Query: s.query, Error: s.err}
	for _, k := range s.res.Items {
		p.Keys = append(p.Keys, views.KeyRow{
			Name: k.Name, Fingerprint: k.Fingerprint, Created: formatTime(c, k.CreatedAt), InUse: -1,
			UseURL: bindURL(s.region.ID, k.Name),
		})
	}
	p.Pager = s.pager("/bind/key")
	htmx.Vary(c)
	return render(c, http.StatusOK, views.KeyPick(p))
}

// keySearch is one page of a region's key pairs found by name.
type keySearch struct {
	region cloud.Region
	query  string
	page   int
	size   int
	res    cloud.KeyPairPage
	err    string // the cloud's failure, in words
}

// searchKeyPairs reads the region, the search and the page from the query
// and lists that page of key pairs; a failed listing is reported in err.
func searchKeyPairs(c echo.Context, regions inventory.RegionFinder, keys KeyPairLister, size int) (keySearch, error) {
	ctx := c.Request().Context()
	region, err := regions.Region(ctx, c.QueryParam("region"))
	if err != nil {
		return keySearch{}, err
	}
	pattern, q, err := inventory.KeySearch(c.QueryParam("q"))
	if err != nil {
		return keySearch{}, err
	}
	s := keySearch{region: region, query: q, page: pageParam(c.QueryParam("page")), size: size}
	s.res, err = keys.KeyPairs(ctx, region.ID, cloud.KeyPairFilter{Name: pattern, PageNumber: s.page, PageSize: size})
	if err != nil {
		request.Get(c).Logger.Warn("list key pairs", "region", region.ID, "err", err)
		s.err = cloudMessage(c, err)
	}
	return s, nil
}

// pager is the search's pager on the page at base.
func (s keySearch) pager(base string) components.PagerProps {
	return components.PagerProps{Page: s.page, PageSize: s.size, Total: s.res.Total, BaseURL: base,
		Query: url.Values{"region": {s.region.ID}, "q": {s.query}}, Label: "key pairs"}
}
