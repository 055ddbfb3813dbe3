package sandbox

import (
	"cmp"
	"net/http"
)

type wireRegion struct {
	RegionID       string `json:"RegionId"`
	LocalName      string `json:"LocalName"`
	RegionEndpoint string `json:"RegionEndpoint"`
	Status         string `json:"Status"`
}

type describeRegionsResponse struct {
	RequestID string `json:"RequestId"`
	Regions   struct {
		Region []wireRegion `json:"Region"`
	} `json:"Regions"`
}

func (s *Sandbox) describeRegions(c *call) (any, *apiError) {
	// The seven values of the current API reference and the V7 SDK, which
	// spells Traditional Chinese zh_TW; the CLI's users write zh-TW. Where
	// the seed has no translation the English name is given.
	lang := c.p.str("AcceptLanguage")
	switch lang {
	case "":
		lang = "zh-CN"
	case "zh_TW":
		lang = "zh-TW"
	case "zh-CN", "zh-TW", "en-US", "ja", "fr", "de", "ko":
	default:
		return nil, newError(http.StatusNotFound, "InvalidAcceptLanguage.NotFound",
			"Only Chinese (zh-CN), English (en-US), and Japanese (ja) are allowed.")
	}
	switch c.p.str("ResourceType") {
	case "", "instance", "disk", "reservedinstance", "scu":
	default:
		return nil, newError(http.StatusNotFound, "InvalidResourceType.NotFound", "The ResourceType provided does not exist in our records.")
	}
	switch c.p.str("InstanceChargeType") {
	case "", "PrePaid", "PostPaid", "SpotWithPriceLimit", "SpotAsPriceGo":
	default:
		return nil, errInvalid("InstanceChargeType")
	}
	resp := describeRegionsResponse{RequestID: c.requestID}
	resp.Regions.Region = make([]wireRegion, 0, len(s.regions))
	for _, r := range s.regions {
		resp.Regions.Region = append(resp.Regions.Region, wireRegion{
			RegionID:       r.info.ID,
			LocalName:      cmp.Or(r.info.LocalName[lang], r.info.LocalName["en-US"]),
			RegionEndpoint: "ecs." + r.info.ID + ".aliyuncs.com",
			Status:         "available",
		})
	}
	return resp, nil
}
