package cloud

import (
	"context"
	"errors"
	"sync"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// InstanceStatuses returns the status of each found instance in input order; unknown IDs are
// simply absent. DescribeInstanceStatus accepts up to 100 InstanceId.N but caps PageSize at 50,
// so a call with more than 50 IDs would need a second page: we send at most 50 IDs per call
// (PageSize 50), one call per 50 IDs, concurrently. A failed call fails the whole lookup.
func (g *Gateway) InstanceStatuses(ctx context.Context, region string, ids []string) ([]StatusResult, error) {
	const action = "DescribeInstanceStatus"
	ids, err := checkIDs(action, region, ids)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	status := make(map[string]Status, len(ids))
	var mu sync.Mutex
	err = g.readChunks(ctx, action, ids, maxStatusIDs, func(chunk []string) error {
		var got []ecs.InstanceStatus
		_, err := g.call(ctx, region, action, callOpts{}, func(c *ecs.Client) (string, error) {
			list := append([]string(nil), chunk...)
			req := ecs.CreateDescribeInstanceStatusRequest()
			req.RegionId, req.InstanceId = region, &list
			req.PageNumber, req.PageSize = requests.NewInteger(1), requests.NewInteger(maxStatusIDs)
			resp, err := c.DescribeInstanceStatus(req)
			if err != nil {
				return "", err
			}
			got = resp.InstanceStatuses.InstanceStatus
			return resp.RequestId, nil
		})
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, s := range got {
			status[s.InstanceId] = Status(s.Status)
		}
		return nil
	})
	var partial *PartialError
	if err != nil && !errors.As(err, &partial) {
		return nil, err
	}
	out := make([]StatusResult, 0, len(status))
	for _, id := range ids {
		if s, ok := status[id]; ok {
			out = append(out, StatusResult{InstanceID: id, Status: s})
		}
	}
	return out, err
}
