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

func (s *Sandbox) describeRegions(c *call) (any, *apiError) {
	// The seven values of the current API reference and the V7 SDK, which
	// spells Traditional Chinese zh_TW; the CLI's users write zh-TW. Where
	// the seed has no translation the English name is given.
	switch {
	case !c.p.oneOf("AcceptLanguage", "zh-CN", "zh-TW", "zh_TW", "en-US", "ja", "fr", "de", "ko"):
		return nil, newError(http.StatusNotFound, "InvalidAcceptLanguage.NotFound", "Only Chinese (zh-CN), English (en-US), and Japanese (ja) are allowed.")
	case !c.p.oneOf("ResourceType", "instance", "disk", "reservedinstance", "scu"):
		return nil, newError(http.StatusNotFound, "InvalidResourceType.NotFound", "The ResourceType provided does not exist in our records.")
	case !c.p.oneOf("InstanceChargeType", "PrePaid", "PostPaid", "SpotWithPriceLimit", "SpotAsPriceGo"):
		return nil, errInvalid("InstanceChargeType")
	}
	lang := cmp.Or(c.p.str("AcceptLanguage"), "zh-CN")
	if lang == "zh_TW" {
		lang = "zh-TW"
	}
	list := make([]wireRegion, 0, len(c.who.acct.regions))
	for _, r := range c.who.acct.regions {
		list = append(list, wireRegion{
			RegionID:       r.info.ID,
			LocalName:      cmp.Or(r.info.LocalName[lang], r.info.LocalName["en-US"]),
			RegionEndpoint: "ecs." + r.info.ID + ".aliyuncs.com",
			Status:         "available",
		})
	}
	return wireList(c.requestID, "Regions", "Region", list), nil
}
