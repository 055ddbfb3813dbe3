package sandbox

import "net/http"

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
	lang := c.p.str("AcceptLanguage")
	switch lang {
	case "":
		lang = "zh-CN"
	case "zh-CN", "en-US", "ja":
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
			LocalName:      r.info.LocalName[lang],
			RegionEndpoint: "ecs." + r.info.ID + ".aliyuncs.com",
			Status:         "available",
		})
	}
	return resp, nil
}
