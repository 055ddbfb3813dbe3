package inventory

import (
	"context"
	"time"

	"keybind/internal/cloud"
)

// KeyPairSource lists a region's key pairs; *cloud.Gateway provides it.
type KeyPairSource interface {
	KeyPairs(ctx context.Context, region string, f cloud.KeyPairFilter) (cloud.KeyPairPage, error)
}

// KeyPairs lists key pairs a page at a time; each page is shared for a few seconds (see cache),
// and a region's pages are forgotten as soon as keybind imports, creates or deletes one of its
// key pairs.
type KeyPairs struct {
	src   KeyPairSource
	pages *cache[cloud.KeyPairPage]
}

// NewKeyPairs builds the listing over src, keeping pages for ttl (DefaultPageTTL if 0).
func NewKeyPairs(src KeyPairSource, clock Clock, ttl time.Duration) *KeyPairs {
	return &KeyPairs{src: src, pages: newCache[cloud.KeyPairPage](clock, ttl)}
}

// KeyPairs reads one page of the region's key pairs, from the shared cache when it can.
func (k *KeyPairs) KeyPairs(ctx context.Context, region string, f cloud.KeyPairFilter) (cloud.KeyPairPage, error) {
	p, err := k.pages.get(ctx, pageKey(region, f), false, func(ctx context.Context) (cloud.KeyPairPage, error) {
		return k.src.KeyPairs(ctx, region, f)
	})
	return p.Value, err
}

// Changed forgets the region's pages: a key pair was imported, created or deleted there.
func (k *KeyPairs) Changed(region string) { k.pages.forget(region + " ") }
