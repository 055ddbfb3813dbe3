package ecscompat_test

import (
	"net/http"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"keybind/internal/sandbox"
)

func TestDescribeRegions(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 20})
	c := oldClient(t, env, hangzhou)
	tests := []struct {
		lang, wantHangzhou string
	}{
		{"", "华东1（杭州）"},
		{"zh-CN", "华东1（杭州）"},
		{"en-US", "China (Hangzhou)"},
		{"ja", "中国 (杭州)"},
		// #11: the seven values of the current API reference (the V7 SDK spells zh_TW);
		// English where the seed has no translation.
		{"zh-TW", "華東1（杭州）"},
		{"zh_TW", "華東1（杭州）"},
		{"fr", "China (Hangzhou)"},
		{"de", "China (Hangzhou)"},
		{"ko", "China (Hangzhou)"},
	}
	for _, tt := range tests {
		t.Run("lang="+tt.lang, func(t *testing.T) {
			req := ecs.CreateDescribeRegionsRequest()
			req.AcceptLanguage = tt.lang
			resp, err := c.DescribeRegions(req)
			if err != nil {
				t.Fatalf("DescribeRegions: %v", err)
			}
			if resp.RequestId == "" {
				t.Error("got empty RequestId")
			}
			regions := resp.Regions.Region
			if len(regions) < 5 {
				t.Fatalf("got %d regions, want at least 5", len(regions))
			}
			r := regions[0]
			if r.RegionId != hangzhou || r.LocalName != tt.wantHangzhou || r.RegionEndpoint != "ecs.cn-hangzhou.aliyuncs.com" || r.Status != "available" {
				t.Errorf("got first region %+v, want cn-hangzhou %q ecs.cn-hangzhou.aliyuncs.com available", r, tt.wantHangzhou)
			}
		})
	}
	t.Run("bad language", func(t *testing.T) {
		req := ecs.CreateDescribeRegionsRequest()
		req.AcceptLanguage = "xx"
		_, err := c.DescribeRegions(req)
		wantCode(t, err, "InvalidAcceptLanguage.NotFound", http.StatusNotFound)
	})
}
