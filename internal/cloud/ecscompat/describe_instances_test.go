package ecscompat_test

import (
	"testing"

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
