package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/cloud"
	"keybind/views"
	"keybind/views/components"
)

// KeyPairLister searches a region's key pairs.
type KeyPairLister interface {
	KeyPairs(ctx context.Context, region string, f cloud.KeyPairFilter) (cloud.KeyPairPage, error)
}

// BindKeys is step 2 of binding: choose the key pair.
type BindKeys struct {
	regions *regionCache
	keys    KeyPairLister
}

// NewBindKeys builds the key pair step.
func NewBindKeys(r RegionLister, k KeyPairLister) *BindKeys {
	return &BindKeys{regions: newRegionCache(r), keys: k}
}

const keyPageSize = 20

// Show searches the region's key pairs by name, a page at a time.
func (h *BindKeys) Show(c echo.Context) error {
	ctx := c.Request().Context()
	region, err := h.regions.lookup(ctx, c.QueryParam("region"))
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	if len(q) > 128 || strings.ContainsAny(q, "\x00\r\n") {
		return apperr.BadRequest("A key pair name has at most 128 characters.")
	}
	pageNo := pageParam(c.QueryParam("page"))
	p := views.KeyPickPage{Page: page(c, "Choose a key pair", "bind"), Region: region.ID, RegionName: region.Name, Query: q}
	res, err := h.keys.KeyPairs(ctx, region.ID, cloud.KeyPairFilter{Name: wildcard(q), PageNumber: pageNo, PageSize: keyPageSize})
	if err != nil {
		State(c).Logger.Warn("list key pairs", "err", err)
		p.Error = cloudMessage(err)
	}
	for _, k := range res.Items {
		p.Keys = append(p.Keys, views.KeyRow{
			Name: k.Name, Fingerprint: k.Fingerprint, Created: formatTime(k.CreatedAt), InUse: -1,
			UseURL: "/bind/instances?" + url.Values{"region": {region.ID}, "key": {k.Name}}.Encode(),
		})
	}
	p.Pager = components.PagerProps{Page: pageNo, PageSize: keyPageSize, Total: res.Total, BaseURL: "/bind/key",
		Query: url.Values{"region": {region.ID}, "q": {q}}, Label: "key pairs"}
	varyOnHTMX(c)
	return render(c, http.StatusOK, views.KeyPick(p))
}

// wildcard turns a plain search word into a "contains" match; text that
// already has a * is passed as typed.
func wildcard(q string) string {
	if q == "" || strings.Contains(q, "*") {
		return q
	}
	return "*" + q + "*"
}
