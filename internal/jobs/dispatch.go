package jobs

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"
)

// calls are how one kind of batched cloud call is made: record writes the attempt of a batch
// (and its audit intent) in tx and returns the items it applied to; send makes the call for
// them and records the outcome.
type calls struct {
	record func(ctx context.Context, tx *sql.Tx, j Job, actor Actor, items []Item) ([]Item, error)
	send   func(ctx context.Context, j Job, actor Actor, items []Item) error
}

// callKey is what the items of one call share: what the call does (an action and a key pair,
// or a restart operation), a flag (force) and the request that asked for them.
type callKey struct {
	what string
	flag bool
	req  int64
}

// dispatch groups items by the call they need (first-seen order kept), cuts each group into
// calls of at most size IDs, records the attempts of all of them in one transaction — before
// any call — and then sends them Concurrency at a time, each on behalf of the person whose
// request put the group in motion. group returns an item's call key and the request that asked
// for it.
func dispatch[K comparable](ctx context.Context, e *Engine, j Job, items []Item, size int, group func(Item) (K, int64), c calls) error {
	if len(items) == 0 {
		return nil
	}
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
	err = e.jobTx(ctx, j.ID, func(tx *sql.Tx) error {
		for i, b := range batches {
			var err error
			if batches[i].items, err = c.record(ctx, tx, j, b.actor, b.items); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var errs []error
	var g errgroup.Group
	g.SetLimit(max(e.cfg.Concurrency, 1))
	for _, b := range batches {
		if len(b.items) == 0 {
			continue
		}
		// Sent even when the round is cancelled meanwhile: the attempt is recorded, and a call
		// made with a cancelled context ends as an unknown outcome that reconcile settles.
		g.Go(func() error {
			if err := c.send(ctx, j, b.actor, b.items); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}
