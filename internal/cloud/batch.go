package cloud

import (
	"context"
	"encoding/json"
	"sync"
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

// dedupe returns ids without repeats, first occurrence first.
func dedupe(ids []string) []string {
	seen := make(map[string]struct{}, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := seen[id]; ok {
			continue
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	return out
}

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
	return dedupe(ids), nil
}

// chunk splits s into consecutive slices of at most n elements.
func chunk[T any](s []T, n int) [][]T {
	out := make([][]T, 0, (len(s)+n-1)/n)
	for len(s) > n {
		out = append(out, s[:n:n])
		s = s[n:]
	}
	if len(s) > 0 {
		out = append(out, s)
	}
	return out
}

// fanOut runs fn(i) for i in [0,n) with at most limit running at once. It stops starting new
// work once ctx is done and reports which indexes ran.
func fanOut(ctx context.Context, n, limit int, fn func(i int)) (ran []bool) {
	ran = make([]bool, n)
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return ran
		}
		if ctx.Err() != nil {
			<-sem
			break
		}
		ran[i] = true
		wg.Go(func() {
			defer func() { <-sem }()
			fn(i)
		})
	}
	wg.Wait()
	return ran
}

// jsonList encodes values as the JSON-array string ECS expects for InstanceIds and KeyPairNames.
func jsonList(values []string) string {
	b, _ := json.Marshal(values)
	return string(b)
}
