package ecscompat_test

import (
	"encoding/json"
	"testing"

	ecs7 "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"

	"keybind/internal/sandbox"
)

// Issue #11, item 6: `aliyun ecs DescribeInstances --pager` as the CLI
// (3.0.83 and later, openapi/pager.go) runs it: one CommonRequest of the old
// SDK, re-sent with the NextToken of each response added — the user's
// PageNumber and PageSize left in place — until NextToken is empty. Real
// ECS answers a PageNumber request with a NextToken (aliyun-cli issue #407),
// so the pager lists every instance, not the first page.
func TestCLIPagerListsEveryInstance(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 250})
	c := oldClient(t, env, hangzhou)
	req := requests.NewCommonRequest()
	req.Scheme, req.Domain, req.Version, req.ApiName = "http", env.Host, "2014-05-26", "DescribeInstances"
	req.QueryParams["RegionId"] = hangzhou
	req.QueryParams["PageNumber"] = "1"
	req.QueryParams["PageSize"] = "100"
	seen := map[string]bool{}
	calls := 0
	for {
		resp, err := c.ProcessCommonRequest(req)
		if err != nil {
			t.Fatalf("call %d: %v", calls+1, err)
		}
		calls++
		var body struct {
			NextToken string
			Instances struct {
				Instance []struct {
					InstanceID string `json:"InstanceId"`
				}
			}
		}
		if err := json.Unmarshal(resp.GetHttpContentBytes(), &body); err != nil {
			t.Fatal(err)
		}
		for _, in := range body.Instances.Instance {
			if seen[in.InstanceID] {
				t.Fatalf("call %d repeats %s", calls, in.InstanceID)
			}
			seen[in.InstanceID] = true
		}
		if body.NextToken == "" || calls > 10 {
			break
		}
		req.QueryParams["NextToken"] = body.NextToken
	}
	if len(seen) != 250 || calls != 3 {
		t.Errorf("the pager saw %d instances in %d calls, want 250 in 3", len(seen), calls)
	}
}

// The same through the V7 SDK: a PageNumber request, then its NextToken.
func TestV7PageNumberThenNextToken(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 30})
	c := v7Client(t, env, "")
	first, err := c.DescribeInstances(&ecs7.DescribeInstancesRequest{RegionId: dara.String(hangzhou),
		PageNumber: dara.Int32(1), PageSize: dara.Int32(20)})
	if err != nil {
		t.Fatal(err)
	}
	token := dara.StringValue(first.Body.NextToken)
	if len(first.Body.Instances.Instance) != 20 || token == "" {
		t.Fatalf("first page: %d instances, NextToken %q; want 20 and a token", len(first.Body.Instances.Instance), token)
	}
	rest, err := c.DescribeInstances(&ecs7.DescribeInstancesRequest{RegionId: dara.String(hangzhou),
		PageSize: dara.Int32(20), NextToken: dara.String(token)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rest.Body.Instances.Instance); n != 10 || dara.StringValue(rest.Body.NextToken) != "" {
		t.Errorf("second page: %d instances, NextToken %q; want the last 10 and no token", n, dara.StringValue(rest.Body.NextToken))
	}
	if dara.StringValue(rest.Body.Instances.Instance[0].InstanceId) == dara.StringValue(first.Body.Instances.Instance[19].InstanceId) {
		t.Error("the second page starts with the first page's last instance")
	}
}
