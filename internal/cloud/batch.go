package cloud

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"keybind/internal/dedupe"
)

// API limits per call.
const (
	maxKeyPairIDs   = 50  // AttachKeyPair / DetachKeyPair InstanceIds
	maxBatchIDs     = 100 // RebootInstances / StartInstances InstanceId.N, DescribeInstances InstanceIds
	maxStatusIDs    = 50  // DescribeInstanceStatus: PageSize is capped at 50
	maxDeleteNames  = 100 // DeleteKeyPairs KeyPairNames
	maxKeyPairsPage = 50  // DescribeKeyPairs PageSize
	maxInstanceRows = 100 // DescribeInstances PageSize / MaxResults
)

// ValidInstanceID reports whether id looks like an ECS instance ID: "i-" and lowercase alphanumerics.
func ValidInstanceID(id string) bool {
	if len(id) < 3 || len(id) > 64 || id[0] != 'i' || id[1] != '-' {
		return false
	}
	for _, c := range id[2:] {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// checkIDs validates a region and instance IDs and returns the IDs deduplicated.
func checkIDs(action, region string, ids []string) ([]string, error) {
	if err := checkRegion(action, region); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !ValidInstanceID(id) {
			return nil, invalidArg(action, region, "%q is not an instance ID", id)
		}
	}
	return dedupe.Slice(ids), nil
}

// fanOut runs fn(i) for i in [0,n), at most limit at once. Once ctx is
// done it starts no more; ran says which ones were started.
func fanOut(ctx context.Context, n, limit int, fn func(i int)) (ran []bool) {
	ran = make([]bool, n)
	var g errgroup.Group
	g.SetLimit(max(limit, 1))
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() == nil { // the slot may come after ctx is done
				ran[i] = true
				fn(i)
			}
			return nil
		})
	}
	_ = g.Wait() // fn reports its own errors
	return ran
}

// PartialError is a batched read in which some calls failed: Unread are the IDs those calls
// were to read, Err the first failure. What the other calls read comes with it.
type PartialError struct {
	Unread []string
	Err    error
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("cloud: %d instances could not be read: %v", len(e.Unread), e.Err)
}

func (e *PartialError) Unwrap() error { return e.Err }

// readChunks runs read on each chunk of at most size ids, Concurrency at a time. It returns a
// *PartialError when some reads failed, ctx's error when it is done.
func (g *Gateway) readChunks(ctx context.Context, action string, ids []string, size int, read func(chunk []string) error) error {
	chunks := split(ids, size)
	var mu sync.Mutex
	var unread []string
	var first error
	fanOut(ctx, len(chunks), g.cfg.Concurrency, func(i int) {
		if err := read(chunks[i]); err != nil {
			mu.Lock()
			defer mu.Unlock()
			unread = append(unread, chunks[i]...)
			if first == nil {
				first = err
			}
		}
	})
	if ctx.Err() != nil {
		return fmt.Errorf("cloud: %s: %w", action, ctx.Err())
	}
	if first != nil {
		return &PartialError{Unread: unread, Err: first}
	}
	return nil
}

// split cuts s into consecutive slices of at most n elements.
func split[T any](s []T, n int) [][]T { return slices.Collect(slices.Chunk(s, n)) }

// jsonList encodes values as the JSON-array string ECS expects for InstanceIds and KeyPairNames.
func jsonList(values []string) string {
	b, _ := json.Marshal(values)
	return string(b)
}
