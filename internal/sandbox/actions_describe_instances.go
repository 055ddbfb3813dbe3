package sandbox

import (
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
)

type describeInstancesResponse struct {
	RequestID  string `json:"RequestId"`
	TotalCount int    `json:"TotalCount"`
	PageNumber int    `json:"PageNumber,omitempty"`
	PageSize   int    `json:"PageSize"`
	NextToken  string `json:"NextToken"`
	Instances  struct {
		Instance []wireInstance `json:"Instance"`
	} `json:"Instances"`
}

// instanceFilter is a parsed DescribeInstances query; zero fields match everything.
type instanceFilter struct {
	ids                                             map[string]bool
	name, status, keyPair, zone, typ, family, image string
	vpc, vswitch, sg, charge, netCharge, netType    string
	lock, resourceGroup                             string
	ioOptimized                                     *bool
	privateIPs, publicIPs, innerIPs                 map[string]bool
	tags                                            []Tag
	active                                          bool // any filter set
}

func setOf(items []string) map[string]bool {
	if items == nil {
		return nil
	}
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

func listParam(p params, name string, max int) (map[string]bool, *apiError) {
	if !p.has(name) || p.str(name) == "" {
		return nil, nil
	}
	items, ok := parseList(p.str(name))
	if !ok || len(items) > max {
		return nil, errInvalid(name)
	}
	if len(items) == 0 { // "[]" filters nothing
		return nil, nil
	}
	return setOf(items), nil
}

func parseInstanceFilter(p params) (instanceFilter, *apiError) {
	f := instanceFilter{
		name: p.str("InstanceName"), status: p.str("Status"), keyPair: p.str("KeyPairName"),
		zone: p.str("ZoneId"), typ: p.str("InstanceType"), family: p.str("InstanceTypeFamily"),
		image: p.str("ImageId"), vpc: p.str("VpcId"), vswitch: p.str("VSwitchId"),
		sg: p.str("SecurityGroupId"), charge: p.str("InstanceChargeType"),
		netCharge: p.str("InternetChargeType"), netType: p.str("InstanceNetworkType"),
		lock: p.str("LockReason"), resourceGroup: p.str("ResourceGroupId"),
	}
	var aerr *apiError
	if f.ids, aerr = listParam(p, "InstanceIds", 100); aerr != nil {
		return f, aerr
	}
	for _, ip := range []struct {
		name string
		dst  *map[string]bool
	}{{"PrivateIpAddresses", &f.privateIPs}, {"PublicIpAddresses", &f.publicIPs}, {"InnerIpAddresses", &f.innerIPs}, {"EipAddresses", &f.publicIPs}} {
		set, aerr := listParam(p, ip.name, 100)
		if aerr != nil {
			return f, aerr
		}
		if set != nil {
			*ip.dst = set
		}
	}
	if p.str("IoOptimized") != "" {
		v, aerr := p.boolean("IoOptimized", false)
		if aerr != nil {
			return f, aerr
		}
		f.ioOptimized = &v
	}
	switch {
	case !p.oneOf("Status", StatusPending, StatusRunning, StatusStarting, StatusStopping, StatusStopped):
		return f, newError(http.StatusNotFound, "InvalidStatus.NotFound", "The specified Status is not found")
	case !p.oneOf("InstanceChargeType", "PrePaid", "PostPaid"):
		return f, newError(http.StatusNotFound, "InvalidInstanceChargeType.NotFound", "The InstanceChargeType does not exist in our records")
	case !p.oneOf("InternetChargeType", "PayByTraffic", "PayByBandwidth"):
		return f, newError(http.StatusNotFound, "InvalidInternetChargeType.ValueNotSupported", "The specified InternetChargeType is invalid")
	case !p.oneOf("InstanceNetworkType", "classic", "vpc"):
		return f, newError(http.StatusNotFound, "InvalidNetworkType.NotFound", "The specified InstanceNetworkType is not found")
	case !p.oneOf("LockReason", "financial", "security", "recycling", "dedicatedhostfinancial", "refunded"):
		return f, newError(http.StatusNotFound, "InvalidLockReason.NotFound", "The specified LockReason is not found")
	}
	tags, aerr := p.tags()
	if aerr != nil {
		return f, aerr
	}
	f.tags = tags
	f.active = f.ids != nil || f.name != "" || f.status != "" || f.keyPair != "" || f.zone != "" ||
		f.typ != "" || f.family != "" || f.image != "" || f.vpc != "" || f.vswitch != "" || f.sg != "" ||
		f.charge != "" || f.netCharge != "" || f.netType != "" || f.lock != "" || f.resourceGroup != "" ||
		f.ioOptimized != nil || f.privateIPs != nil || f.publicIPs != nil || f.innerIPs != nil || len(f.tags) > 0
	return f, nil
}

func (f *instanceFilter) match(st *InstanceState, status string) bool {
	switch {
	case f.ids != nil && !f.ids[st.InstanceID],
		f.name != "" && !matchWildcard(f.name, st.InstanceName),
		f.status != "" && f.status != status,
		f.keyPair != "" && f.keyPair != st.KeyPairName,
		f.zone != "" && f.zone != st.ZoneID,
		f.typ != "" && f.typ != st.InstanceType,
		f.family != "" && f.family != st.InstanceTypeFamily,
		f.image != "" && f.image != st.ImageID,
		f.vpc != "" && f.vpc != st.VpcID,
		f.vswitch != "" && f.vswitch != st.VSwitchID,
		f.charge != "" && f.charge != st.ChargeType,
		f.netCharge != "" && f.netCharge != st.InternetChargeType,
		f.netType != "" && f.netType != st.NetworkType,
		f.lock != "" && f.lock != st.LockReason,
		f.resourceGroup != "",
		f.ioOptimized != nil && *f.ioOptimized != st.IoOptimized,
		f.privateIPs != nil && (st.NetworkType != "vpc" || !f.privateIPs[st.PrivateIP]),
		f.innerIPs != nil && (st.NetworkType != "classic" || !f.innerIPs[st.PrivateIP]),
		f.publicIPs != nil && !f.publicIPs[st.PublicIP]:
		return false
	}
	return (f.sg == "" || slices.Contains(st.SecurityGroupIDs, f.sg)) && hasTags(st.Tags, f.tags)
}

func encodeToken(instanceID string) string { return hex.EncodeToString([]byte(instanceID)) }

func decodeToken(tok string) (string, bool) {
	b, err := hex.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), "i-") {
		return "", false
	}
	return string(b), true
}

// describeActions are the read-only ECS actions.
var describeActions = map[string]action{
	"DescribeRegions":        {run: (*Sandbox).describeRegions},
	"DescribeInstances":      {run: (*Sandbox).describeInstances, region: regionRequired},
	"DescribeInstanceStatus": {run: (*Sandbox).describeInstanceStatus, region: regionRequired},
	"DescribeKeyPairs":       {run: (*Sandbox).describeKeyPairs, region: regionRequired},
}

func (s *Sandbox) describeInstances(c *call) (any, *apiError) {
	r := c.region
	f, aerr := parseInstanceFilter(c.p)
	if aerr != nil {
		return nil, aerr
	}
	// Token mode: NextToken or MaxResults. The page size is MaxResults
	// (clamped to 10–100) or, when a client continues a PageNumber/PageSize
	// listing with the NextToken it was given (the aliyun CLI's --pager
	// does), its PageSize.
	tokenMode := c.p.str("NextToken") != "" || c.p.str("MaxResults") != ""
	var pageNumber, pageSize, start int
	if tokenMode {
		if c.p.str("MaxResults") == "" && c.p.str("PageSize") != "" {
			if pageSize, aerr = c.p.integer("PageSize", 10, 1, 100); aerr != nil {
				return nil, aerr
			}
		} else {
			if pageSize, aerr = c.p.integer("MaxResults", 10, -1<<31, 1<<31-1); aerr != nil {
				return nil, aerr
			}
			pageSize = min(max(pageSize, 10), 100)
		}
		if tok := c.p.str("NextToken"); tok != "" {
			id, ok := decodeToken(tok)
			if !ok {
				return nil, errInvalid("NextToken")
			}
			start = r.index(id)
		}
	} else if pageNumber, pageSize, aerr = c.p.page(100); aerr != nil {
		return nil, aerr
	}
	dry, aerr := c.p.boolean("DryRun", false)
	if aerr != nil {
		return nil, aerr
	}
	if dry {
		return nil, errDryRun
	}

	resp := describeInstancesResponse{RequestID: c.requestID, PageSize: pageSize, PageNumber: pageNumber}
	page := make([]wireInstance, 0, pageSize)
	d := s.opts.Transition
	if !f.active {
		// Fast path: the sorted slice is the answer.
		resp.TotalCount = len(r.instances)
		from, to := start, min(start+pageSize, len(r.instances))
		if !tokenMode {
			from, to = pageBounds(len(r.instances), pageNumber, pageSize)
		}
		for _, in := range r.instances[from:to] {
			page = append(page, toWireInstance(&in.st, in.settle(c.now, d)))
		}
		if to < len(r.instances) {
			resp.NextToken = encodeToken(r.instances[to].st.InstanceID)
		}
	} else {
		skip := (pageNumber - 1) * pageSize
		matched := 0
		for i, in := range r.instances {
			status := in.settle(c.now, d)
			if !f.match(&in.st, status) {
				continue
			}
			matched++
			if tokenMode {
				if i < start {
					continue
				}
				if len(page) == pageSize {
					if resp.NextToken == "" {
						resp.NextToken = encodeToken(in.st.InstanceID)
					}
					continue
				}
			} else if matched <= skip {
				continue
			} else if len(page) == pageSize {
				if resp.NextToken == "" {
					resp.NextToken = encodeToken(in.st.InstanceID)
				}
				continue
			}
			page = append(page, toWireInstance(&in.st, status))
		}
		resp.TotalCount = matched
	}
	resp.Instances.Instance = page
	return resp, nil
}
