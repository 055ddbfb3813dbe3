package cloud

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// Instances returns one page of instances matching f. NextToken or MaxResults select token
// paging; otherwise PageNumber/PageSize are used.
func (g *Gateway) Instances(ctx context.Context, region string, f InstanceFilter) (InstancePage, error) {
	const action = "DescribeInstances"
	if err := checkRegion(action, region); err != nil {
		return InstancePage{}, err
	}
	if len(f.IDs) > maxBatchIDs {
		return InstancePage{}, invalidArg(action, region, "at most %d instance IDs per page, got %d", maxBatchIDs, len(f.IDs))
	}
	for _, id := range f.IDs {
		if !ValidInstanceID(id) {
			return InstancePage{}, invalidArg(action, region, "%q is not an instance ID", id)
		}
	}
	var page InstancePage
	_, err := g.call(ctx, region, action, callOpts{}, func(c *ecs.Client) (string, error) {
		resp, err := c.DescribeInstances(describeInstancesRequest(region, f))
		if err != nil {
			return "", err
		}
		page = InstancePage{Total: resp.TotalCount, PageNumber: resp.PageNumber, PageSize: resp.PageSize, NextToken: resp.NextToken}
		page.Items = make([]Instance, len(resp.Instances.Instance))
		for i, in := range resp.Instances.Instance {
			page.Items[i] = instanceFromSDK(in)
		}
		return resp.RequestId, nil
	})
	return page, err
}

func describeInstancesRequest(region string, f InstanceFilter) *ecs.DescribeInstancesRequest {
	req := ecs.CreateDescribeInstancesRequest()
	req.RegionId = region
	if len(f.IDs) > 0 {
		req.InstanceIds = jsonList(f.IDs)
	}
	req.InstanceName, req.Status, req.KeyPairName, req.ZoneId = f.Name, string(f.Status), f.KeyPairName, f.ZoneID
	if f.IoOptimized != nil {
		req.IoOptimized = requests.NewBoolean(*f.IoOptimized)
	}
	if len(f.PrivateIPs) > 0 {
		req.PrivateIpAddresses = jsonList(f.PrivateIPs)
	}
	if len(f.PublicIPs) > 0 {
		req.PublicIpAddresses = jsonList(f.PublicIPs)
	}
	if len(f.Tags) > 0 {
		tags := make([]ecs.DescribeInstancesTag, len(f.Tags))
		for i, t := range f.Tags {
			tags[i] = ecs.DescribeInstancesTag{Key: t.Key, Value: t.Value}
		}
		req.Tag = &tags
	}
	if f.NextToken != "" || f.MaxResults > 0 {
		req.NextToken = f.NextToken
		req.MaxResults = requests.NewInteger(clamp(f.MaxResults, 10, maxInstanceRows))
		return req
	}
	if f.PageNumber > 0 {
		req.PageNumber = requests.NewInteger(f.PageNumber)
	}
	if f.PageSize > 0 {
		req.PageSize = requests.NewInteger(min(f.PageSize, maxInstanceRows))
	}
	return req
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// TooManyError refuses a listing that matches more instances than asked for.
type TooManyError struct {
	Total, Limit int
}

func (e *TooManyError) Error() string {
	return fmt.Sprintf("cloud: %d instances match, more than the %d asked for", e.Total, e.Limit)
}

// AllInstances lists every instance matching f (f's paging fields are ignored). The first call
// reads a page of 100 with the total; with limit > 0 a total above limit is refused right there
// with a *TooManyError, before any other call. The rest follows NextToken (MaxResults 100).
func (g *Gateway) AllInstances(ctx context.Context, region string, f InstanceFilter, limit int) ([]Instance, error) {
	f.PageNumber, f.PageSize, f.NextToken, f.MaxResults = 1, maxInstanceRows, "", 0
	first, err := g.Instances(ctx, region, f)
	if err != nil {
		return nil, err
	}
	if limit > 0 && first.Total > limit {
		return nil, &TooManyError{Total: first.Total, Limit: limit}
	}
	all := first.Items
	if len(all) >= first.Total || first.NextToken == "" {
		return all, g.morePages(ctx, region, f, first.Total, &all)
	}
	f.PageNumber, f.PageSize, f.NextToken, f.MaxResults = 0, 0, first.NextToken, maxInstanceRows
	seen := map[string]bool{first.NextToken: true}
	for {
		page, err := g.Instances(ctx, region, f)
		if err != nil {
			return all, err
		}
		all = append(all, page.Items...)
		if page.NextToken == "" {
			return all, nil
		}
		if seen[page.NextToken] {
			return all, &Error{Action: "DescribeInstances", Region: region, Code: CodeInvalidResponse, Kind: KindUnknown,
				Err: fmt.Errorf("NextToken %q repeated", page.NextToken)}
		}
		seen[page.NextToken] = true
		f.NextToken = page.NextToken
	}
}

// morePages reads the pages after the first by PageNumber, for an endpoint that gave no NextToken
// in PageNumber mode (older ECS behaviour): until total instances are read or a page is empty.
func (g *Gateway) morePages(ctx context.Context, region string, f InstanceFilter, total int, all *[]Instance) error {
	for f.PageNumber = 2; len(*all) < total; f.PageNumber++ {
		page, err := g.Instances(ctx, region, f)
		if err != nil {
			return err
		}
		if len(page.Items) == 0 {
			return nil
		}
		*all = append(*all, page.Items...)
	}
	return nil
}

// InstancesByID looks instances up in chunks of 100, concurrently. found keeps input order;
// missing lists the IDs the region does not have. When some chunks fail, what the others read
// is returned with a *PartialError naming the IDs that were not read (they are not missing).
func (g *Gateway) InstancesByID(ctx context.Context, region string, ids []string) (found []Instance, missing []string, err error) {
	ids, err = checkIDs("DescribeInstances", region, ids)
	if err != nil || len(ids) == 0 {
		return nil, nil, err
	}
	byID := make(map[string]Instance, len(ids))
	var mu sync.Mutex
	err = g.readChunks(ctx, "DescribeInstances", ids, maxBatchIDs, func(chunk []string) error {
		page, err := g.Instances(ctx, region, InstanceFilter{IDs: chunk, PageSize: maxInstanceRows})
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, in := range page.Items {
			byID[in.ID] = in
		}
		return nil
	})
	var partial *PartialError
	if err != nil && !errors.As(err, &partial) {
		return nil, nil, err
	}
	for _, id := range ids {
		if in, ok := byID[id]; ok {
			found = append(found, in)
		} else if partial == nil || !slices.Contains(partial.Unread, id) {
			missing = append(missing, id)
		}
	}
	return found, missing, err
}

// instanceFromSDK maps the SDK's instance struct to ours.
func instanceFromSDK(in ecs.Instance) Instance {
	out := Instance{
		ID: in.InstanceId, Name: in.InstanceName, Description: in.Description, HostName: in.HostName,
		Status: Status(in.Status), OSType: in.OSType, OSName: in.OSName, OSNameEn: in.OSNameEn, KeyPairName: in.KeyPairName,
		RegionID: in.RegionId, ZoneID: in.ZoneId, InstanceType: in.InstanceType, IoOptimized: in.IoOptimized,
		CreatedAt: parseTime(in.CreationTime), StartTime: parseTime(in.StartTime),
	}
	if out.OSType == "" {
		out.OSType = in.OsType
	}
	out.PublicIPs = appendIPs(nil, in.PublicIpAddress.IpAddress...)
	out.PublicIPs = appendIPs(out.PublicIPs, in.EipAddress.IpAddress)
	out.PrivateIPs = appendIPs(nil, in.VpcAttributes.PrivateIpAddress.IpAddress...)
	out.PrivateIPs = appendIPs(out.PrivateIPs, in.InnerIpAddress.IpAddress...)
	out.Tags = tagsFromSDK(in.Tags.Tag)
	for _, l := range in.OperationLocks.LockReason {
		if l.LockReason != "" {
			out.LockReasons = append(out.LockReasons, l.LockReason)
		}
	}
	return out
}

func appendIPs(dst []string, ips ...string) []string {
	for _, ip := range ips {
		if ip != "" && !slices.Contains(dst, ip) {
			dst = append(dst, ip)
		}
	}
	return dst
}

func tagsFromSDK(tags []ecs.Tag) []Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]Tag, 0, len(tags))
	for _, t := range tags {
		k, v := t.TagKey, t.TagValue
		if k == "" {
			k, v = t.Key, t.Value
		}
		if k != "" {
			out = append(out, Tag{Key: k, Value: v})
		}
	}
	return out
}

// parseTime reads ECS timestamps such as 2017-12-10T04:04Z; zero if absent or unreadable.
func parseTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02T15:04Z", "2006-01-02T15:04:05Z", time.RFC3339, "2006-01-02T15:04:05.000Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
