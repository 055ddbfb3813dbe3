package cloud

import (
	"context"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// The languages ECS words region names in (DescribeRegions' AcceptLanguage).
const (
	LangEnglish = "en-US"
	LangChinese = "zh-CN"
)

type langKey struct{}

// WithLanguage asks the calls that name things for people (the regions'
// LocalName) to answer in lang, LangEnglish or LangChinese; anything else
// is English.
func WithLanguage(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// Language is the language ctx asks names in: LangEnglish unless
// WithLanguage chose LangChinese.
func Language(ctx context.Context) string {
	if l, _ := ctx.Value(langKey{}).(string); l == LangChinese {
		return LangChinese
	}
	return LangEnglish
}

// Regions lists the ECS regions available to the account, named in the
// language ctx asks for (English by default).
func (g *Gateway) Regions(ctx context.Context) ([]Region, error) {
	region := g.cfg.DefaultRegion
	var out []Region
	lang := Language(ctx)
	_, err := g.call(ctx, region, "DescribeRegions", callOpts{}, func(c *ecs.Client) (string, error) {
		req := ecs.CreateDescribeRegionsRequest()
		req.RegionId, req.AcceptLanguage = region, lang
		resp, err := c.DescribeRegions(req)
		if err != nil {
			return "", err
		}
		out = make([]Region, len(resp.Regions.Region))
		for i, r := range resp.Regions.Region {
			out[i] = Region{ID: r.RegionId, Name: r.LocalName, Endpoint: r.RegionEndpoint, Available: r.Status == "available"}
		}
		return resp.RequestId, nil
	})
	return out, err
}

// CheckAccess makes a DryRun DescribeInstances call in region: nil means the credentials are
// accepted and allowed to list instances (ECS answers DryRunOperation, which counts as success).
func (g *Gateway) CheckAccess(ctx context.Context, region string) error {
	const action = "DescribeInstances"
	if err := checkRegion(action, region); err != nil {
		return err
	}
	_, err := g.call(ctx, region, action, callOpts{dryRun: true}, func(c *ecs.Client) (string, error) {
		req := ecs.CreateDescribeInstancesRequest()
		req.RegionId, req.DryRun = region, requests.NewBoolean(true)
		resp, err := c.DescribeInstances(req)
		if err != nil {
			return "", err
		}
		return resp.RequestId, nil
	})
	return err
}
