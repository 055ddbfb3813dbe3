package jobs

import (
	"context"
	"errors"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"
)

// dispatch groups items by the call they need (first-seen order kept), cuts
// each group into calls of at most size IDs, and sends them Concurrency at a
// time, each on behalf of the person whose request put the group in motion.
// group returns an item's call key and the request that asked for it.
func dispatch[K comparable](ctx context.Context, e *Engine, items []Item, size int,
	group func(Item) (K, int64), send func(ctx context.Context, actor Actor, items []Item) error) error {
	groups := map[K][]Item{}
	var order []K
	reqOf := map[K]int64{}
	var reqIDs []int64
	for _, it := range items {
		k, req := group(it)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
			reqOf[k] = req
			reqIDs = append(reqIDs, req)
		}
		groups[k] = append(groups[k], it)
	}
	reqs, err := loadRequests(ctx, e.db, reqIDs)
	if err != nil {
		return err
	}
	type batch struct {
		actor Actor
		items []Item
	}
	var batches []batch
	for _, k := range order {
		for c := range slices.Chunk(groups[k], size) {
			batches = append(batches, batch{reqs[reqOf[k]].Actor, c})
		}
	}
	var mu sync.Mutex
	var errs []error
	var g errgroup.Group
	g.SetLimit(max(e.cfg.Concurrency, 1))
	for _, b := range batches {
		if ctx.Err() != nil {
			break // nothing new once the round is cancelled
		}
		g.Go(func() error {
			if ctx.Err() == nil { // a slot that comes after the round was cancelled sends nothing
				if err := send(ctx, b.actor, b.items); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}
