package ecscompat_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"keybind/internal/sandbox"
)

func TestDescribeInstancesDefaults(t *testing.T) {
	env := start(t, sandbox.Options{})
	c := oldClient(t, env, hangzhou)
	req := ecs.CreateDescribeInstancesRequest()
	resp, err := c.DescribeInstances(req)
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	if resp.TotalCount != 150 || resp.PageSize != 10 || resp.PageNumber != 1 || len(resp.Instances.Instance) != 10 {
		t.Fatalf("got total=%d size=%d number=%d len=%d, want 150/10/1/10", resp.TotalCount, resp.PageSize, resp.PageNumber, len(resp.Instances.Instance))
	}
	snap := env.Sandbox.Instances(hangzhou)
	for i, got := range resp.Instances.Instance {
		want := snap[i]
		if got.InstanceId != want.InstanceID || got.InstanceName != want.InstanceName || got.OSType != want.OSType ||
			got.Cpu != want.CPU || got.Memory != want.MemoryMiB || got.Status != want.Status || got.KeyPairName != want.KeyPairName ||
			got.IoOptimized != want.IoOptimized || got.ZoneId != want.ZoneID || got.HostName != want.HostName {
			t.Errorf("instance %d: got %+v, want %+v", i, got, want)
		}
	}
}

func TestDescribeInstancesFilters(t *testing.T) {
	env := start(t, sandbox.Options{})
	c := oldClient(t, env, hangzhou)
	snap := env.Sandbox.Instances(hangzhou)
	count := func(pred func(sandbox.InstanceState) bool) int {
		n := 0
		for _, st := range snap {
			if pred(st) {
				n++
			}
		}
		return n
	}
	tag := []ecs.DescribeInstancesTag{{Key: "env", Value: "prod"}}
	tagKeyOnly := []ecs.DescribeInstancesTag{{Key: "team"}}
	twoTags := []ecs.DescribeInstancesTag{{Key: "env", Value: "prod"}, {Key: "app", Value: "api"}}
	hasTag := func(st sandbox.InstanceState, k, v string) bool {
		for _, tg := range st.Tags {
			if tg.Key == k && (v == "" || tg.Value == v) {
				return true
			}
		}
		return false
	}
	tests := []struct {
		name string
		mod  func(*ecs.DescribeInstancesRequest)
		want func(sandbox.InstanceState) bool
	}{
		{"InstanceIds", func(r *ecs.DescribeInstancesRequest) {
			r.InstanceIds = idsJSON(snap[3].InstanceID, snap[40].InstanceID, "i-bp1nope")
		},
			func(st sandbox.InstanceState) bool {
				return st.InstanceID == snap[3].InstanceID || st.InstanceID == snap[40].InstanceID
			}},
		{"InstanceName exact", func(r *ecs.DescribeInstancesRequest) { r.InstanceName = snap[7].InstanceName },
			func(st sandbox.InstanceState) bool { return st.InstanceName == snap[7].InstanceName }},
		{"InstanceName prefix", func(r *ecs.DescribeInstancesRequest) { r.InstanceName = "api-*" },
			func(st sandbox.InstanceState) bool { return strings.HasPrefix(st.InstanceName, "api-") }},
		{"InstanceName infix", func(r *ecs.DescribeInstancesRequest) { r.InstanceName = "*-prod-*" },
			func(st sandbox.InstanceState) bool { return strings.Contains(st.InstanceName, "-prod-") }},
		{"InstanceName hostile", func(r *ecs.DescribeInstancesRequest) { r.InstanceName = "<script>*" },
			func(st sandbox.InstanceState) bool { return strings.HasPrefix(st.InstanceName, "<script>") }},
		{"Status Stopped", func(r *ecs.DescribeInstancesRequest) { r.Status = "Stopped" },
			func(st sandbox.InstanceState) bool { return st.Status == "Stopped" }},
		{"Status Stopping", func(r *ecs.DescribeInstancesRequest) { r.Status = "Stopping" },
			func(st sandbox.InstanceState) bool { return st.Status == "Stopping" }},
		{"KeyPairName", func(r *ecs.DescribeInstancesRequest) { r.KeyPairName = "ops-deploy" },
			func(st sandbox.InstanceState) bool { return st.KeyPairName == "ops-deploy" }},
		{"ZoneId", func(r *ecs.DescribeInstancesRequest) { r.ZoneId = "cn-hangzhou-j" },
			func(st sandbox.InstanceState) bool { return st.ZoneID == "cn-hangzhou-j" }},
		{"IoOptimized false", func(r *ecs.DescribeInstancesRequest) { r.IoOptimized = requests.NewBoolean(false) },
			func(st sandbox.InstanceState) bool { return !st.IoOptimized }},
		{"Tag env=prod", func(r *ecs.DescribeInstancesRequest) { r.Tag = &tag },
			func(st sandbox.InstanceState) bool { return hasTag(st, "env", "prod") }},
		{"Tag key only", func(r *ecs.DescribeInstancesRequest) { r.Tag = &tagKeyOnly },
			func(st sandbox.InstanceState) bool { return hasTag(st, "team", "") }},
		{"two tags", func(r *ecs.DescribeInstancesRequest) { r.Tag = &twoTags },
			func(st sandbox.InstanceState) bool { return hasTag(st, "env", "prod") && hasTag(st, "app", "api") }},
		{"LockReason", func(r *ecs.DescribeInstancesRequest) { r.LockReason = "security" },
			func(st sandbox.InstanceState) bool { return st.LockReason == "security" }},
		{"combined", func(r *ecs.DescribeInstancesRequest) { r.Status = "Running"; r.ZoneId = "cn-hangzhou-h"; r.Tag = &tag },
			func(st sandbox.InstanceState) bool {
				return st.Status == "Running" && st.ZoneID == "cn-hangzhou-h" && hasTag(st, "env", "prod")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := count(tt.want)
			if want == 0 && tt.name != "Status Stopping" {
				t.Fatalf("seed has no instance for this filter; the test would prove nothing")
			}
			req := ecs.CreateDescribeInstancesRequest()
			req.PageSize = integer(100)
			tt.mod(req)
			resp, err := c.DescribeInstances(req)
			if err != nil {
				t.Fatalf("DescribeInstances: %v", err)
			}
			if resp.TotalCount != want {
				t.Errorf("got TotalCount %d, want %d", resp.TotalCount, want)
			}
			for _, in := range resp.Instances.Instance {
				st, _ := env.Sandbox.Instance(hangzhou, in.InstanceId)
				if !tt.want(st) {
					t.Errorf("got %s (%q), which does not match the filter", in.InstanceId, in.InstanceName)
				}
			}
		})
	}
}

func TestDescribeInstancesSeedMix(t *testing.T) {
	env := start(t, sandbox.Options{})
	c := oldClient(t, env, hangzhou)
	var all []ecs.Instance
	for page := 1; ; page++ {
		req := ecs.CreateDescribeInstancesRequest()
		req.PageSize, req.PageNumber = integer(100), integer(page)
		resp, err := c.DescribeInstances(req)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		all = append(all, resp.Instances.Instance...)
		if len(resp.Instances.Instance) < 100 {
			break
		}
	}
	if len(all) < 120 {
		t.Fatalf("got %d instances in cn-hangzhou, want at least 120", len(all))
	}
	counts := map[string]int{}
	names := map[string]bool{}
	idPattern := regexp.MustCompile(`^i-[a-z0-9]+$`)
	for _, in := range all {
		names[in.InstanceName] = true
		if !idPattern.MatchString(in.InstanceId) {
			t.Errorf("instance ID %q is not i- + lowercase alphanumerics", in.InstanceId)
		}
		if in.OSType == "windows" {
			counts["windows"]++
		}
		if !in.IoOptimized {
			counts["legacy"]++
		}
		if in.KeyPairName != "" {
			counts["keyed"]++
		}
		if len(in.PublicIpAddress.IpAddress) > 0 {
			counts["public"]++
		}
		if len(in.VpcAttributes.PrivateIpAddress.IpAddress)+len(in.InnerIpAddress.IpAddress) == 0 {
			t.Errorf("%s has no private IP", in.InstanceId)
		}
		if len(in.Tags.Tag) > 0 && in.Tags.Tag[0].TagKey == "" {
			t.Errorf("%s: tags must use TagKey/TagValue, got %+v", in.InstanceId, in.Tags.Tag[0])
		}
		if in.Cpu == 0 || in.Memory == 0 || in.InstanceType == "" || in.CreationTime == "" || in.OSName == "" {
			t.Errorf("%s is missing basic fields: %+v", in.InstanceId, in)
		}
		for _, l := range in.OperationLocks.LockReason {
			if l.LockReason == "security" {
				counts["locked"]++
			}
		}
		counts[in.Status]++
	}
	for _, k := range []string{"windows", "legacy", "keyed", "public", "Running", "Stopped"} {
		if counts[k] == 0 {
			t.Errorf("got no %s instances, want some (counts %v)", k, counts)
		}
	}
	if counts["locked"] != 1 {
		t.Errorf("got %d security-locked instances, want exactly 1", counts["locked"])
	}
	if counts["Stopping"]+counts["Starting"] == 0 {
		t.Errorf("got no instances in transition (counts %v)", counts)
	}
	for _, n := range []string{"<script>alert(1)</script>", `" onmouseover="x`, "Сервер-приложений", "🚀 launch-box 🚀"} {
		if !names[n] {
			t.Errorf("hostile name %q did not round-trip through the SDK", n)
		}
	}
	long := false
	for n := range names {
		if utf8.RuneCountInString(n) == 128 {
			long = true
		}
	}
	if !long {
		t.Error("got no 128-character instance name")
	}
}

func TestDescribeInstancesErrors(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 20})
	c := oldClient(t, env, hangzhou)
	hundredOne := make([]string, 101)
	for i := range hundredOne {
		hundredOne[i] = fmt.Sprintf("i-bp1%017d", i)
	}
	badTag := []ecs.DescribeInstancesTag{{Value: "prod"}}
	tests := []struct {
		name   string
		mod    func(*ecs.DescribeInstancesRequest)
		code   string
		status int
		param  string
	}{
		{"PageSize 101", func(r *ecs.DescribeInstancesRequest) { r.PageSize = integer(101) }, "InvalidParameter", 400, "PageSize"},
		{"PageNumber 0", func(r *ecs.DescribeInstancesRequest) { r.PageNumber = integer(0) }, "InvalidParameter", 400, "PageNumber"},
		{"101 InstanceIds", func(r *ecs.DescribeInstancesRequest) { r.InstanceIds = idsJSON(hundredOne...) }, "InvalidParameter", 400, "InstanceIds"},
		{"malformed InstanceIds", func(r *ecs.DescribeInstancesRequest) { r.InstanceIds = `["i-` }, "InvalidParameter", 400, "InstanceIds"},
		{"bad Status", func(r *ecs.DescribeInstancesRequest) { r.Status = "Sleeping" }, "InvalidStatus.NotFound", 404, ""},
		{"bad IoOptimized", func(r *ecs.DescribeInstancesRequest) { r.IoOptimized = "maybe" }, "InvalidParameter", 400, "IoOptimized"},
		{"bad NextToken", func(r *ecs.DescribeInstancesRequest) { r.NextToken = "zz" }, "InvalidParameter", 400, "NextToken"},
		{"tag value without key", func(r *ecs.DescribeInstancesRequest) { r.Tag = &badTag }, "InvalidTag.Mismatch", 400, ""},
		{"missing region", func(r *ecs.DescribeInstancesRequest) { r.RegionId = "" }, "", 0, ""},
		{"unknown region", func(r *ecs.DescribeInstancesRequest) { r.RegionId = "mars-1" }, "InvalidRegionId.NotFound", 404, ""},
		{"dry run", func(r *ecs.DescribeInstancesRequest) { r.DryRun = requests.NewBoolean(true) }, "DryRunOperation", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ecs.CreateDescribeInstancesRequest()
			tt.mod(req)
			_, err := c.DescribeInstances(req)
			if tt.code == "" { // the SDK fills RegionId from the client: nothing to refuse
				if err != nil {
					t.Errorf("got %v, want success", err)
				}
				return
			}
			se := wantCode(t, err, tt.code, tt.status)
			if !strings.Contains(se.Message(), tt.param) {
				t.Errorf("got message %q, want it to name %q", se.Message(), tt.param)
			}
			for name, v := range map[string]string{"RequestId": se.RequestId(), "HostId": se.HostId(), "Recommend": se.Recommend()} {
				if v == "" {
					t.Errorf("error body has empty %s", name)
				}
			}
		})
	}
}

func TestPaging5000(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 5000})
	c := oldClient(t, env, hangzhou)
	t.Run("PageNumber", func(t *testing.T) {
		seen := map[string]bool{}
		for page := 1; page <= 60; page++ {
			req := ecs.CreateDescribeInstancesRequest()
			req.PageSize, req.PageNumber = integer(100), integer(page)
			resp, err := c.DescribeInstances(req)
			if err != nil {
				t.Fatalf("page %d: %v", page, err)
			}
			if resp.TotalCount != 5000 {
				t.Fatalf("page %d: got TotalCount %d, want 5000", page, resp.TotalCount)
			}
			if len(resp.Instances.Instance) == 0 {
				if page != 51 {
					t.Errorf("got first empty page %d, want 51", page)
				}
				break
			}
			for _, in := range resp.Instances.Instance {
				if seen[in.InstanceId] {
					t.Fatalf("page %d repeats %s", page, in.InstanceId)
				}
				seen[in.InstanceId] = true
			}
		}
		if len(seen) != 5000 {
			t.Errorf("got %d distinct instances, want 5000", len(seen))
		}
	})
	t.Run("NextToken", func(t *testing.T) {
		seen := map[string]bool{}
		token, calls := "", 0
		for {
			req := ecs.CreateDescribeInstancesRequest()
			req.MaxResults = integer(100)
			req.NextToken = token
			resp, err := c.DescribeInstances(req)
			if err != nil {
				t.Fatalf("call %d: %v", calls, err)
			}
			calls++
			for _, in := range resp.Instances.Instance {
				if seen[in.InstanceId] {
					t.Fatalf("call %d repeats %s", calls, in.InstanceId)
				}
				seen[in.InstanceId] = true
			}
			if resp.NextToken == "" {
				break
			}
			if calls > 60 {
				t.Fatal("NextToken never ran out")
			}
			token = resp.NextToken
		}
		if len(seen) != 5000 || calls != 50 {
			t.Errorf("got %d instances in %d calls, want 5000 in 50", len(seen), calls)
		}
	})
	t.Run("NextToken with filter", func(t *testing.T) {
		want := 0
		for _, st := range env.Sandbox.Instances(hangzhou) {
			if st.Status == "Stopped" {
				want++
			}
		}
		got, token := 0, ""
		for i := 0; i < 100; i++ {
			req := ecs.CreateDescribeInstancesRequest()
			req.Status, req.MaxResults, req.NextToken = "Stopped", integer(100), token
			resp, err := c.DescribeInstances(req)
			if err != nil {
				t.Fatal(err)
			}
			got += len(resp.Instances.Instance)
			if token = resp.NextToken; token == "" {
				break
			}
		}
		if got != want {
			t.Errorf("got %d stopped instances, want %d", got, want)
		}
	})
	t.Run("MaxResults clamps", func(t *testing.T) {
		for _, tt := range []struct{ max, want int }{{1, 10}, {10, 10}, {55, 55}, {500, 100}} {
			req := ecs.CreateDescribeInstancesRequest()
			req.MaxResults = integer(tt.max)
			resp, err := c.DescribeInstances(req)
			if err != nil || len(resp.Instances.Instance) != tt.want {
				t.Errorf("MaxResults %d: got %d instances (%v), want %d", tt.max, len(resp.Instances.Instance), err, tt.want)
			}
		}
	})
}
