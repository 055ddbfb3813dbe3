package cloud_test

import (
	"context"
	"testing"

	"keybind/internal/cloud"
	"keybind/internal/sandbox"
)

// DescribeRegions is asked in the language the context names: the sandbox,
// like ECS, answers LocalName per AcceptLanguage.
func TestRegionNamesInTheAskedLanguage(t *testing.T) {
	_, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 1}, nil)
	for _, tt := range []struct {
		ctx  context.Context
		want string
	}{
		{context.Background(), "China (Hangzhou)"},
		{cloud.WithLanguage(context.Background(), cloud.LangChinese), "华东1（杭州）"},
		{cloud.WithLanguage(context.Background(), "fr"), "China (Hangzhou)"},
	} {
		regions, err := g.Regions(tt.ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, r := range regions {
			if r.ID == "cn-hangzhou" {
				got = r.Name
			}
		}
		if got != tt.want {
			t.Errorf("%s: cn-hangzhou is %q, want %q", cloud.Language(tt.ctx), got, tt.want)
		}
	}
}
