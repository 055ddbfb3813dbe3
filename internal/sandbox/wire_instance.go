package sandbox

import (
	"crypto/md5"
	"encoding/hex"
	"time"
)

// Wire types: the JSON shapes ECS returns, with the exact keys the SDK structs expect.

type ipList struct {
	IPAddress []string `json:"IpAddress"`
}

func ips(ip string) ipList {
	if ip == "" {
		return ipList{IPAddress: []string{}}
	}
	return ipList{IPAddress: []string{ip}}
}

type wireTag struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

type wireTags struct {
	Tag []wireTag `json:"Tag"`
}

func toWireTags(tags []Tag) wireTags {
	out := wireTags{Tag: make([]wireTag, 0, len(tags))}
	for _, t := range tags {
		out.Tag = append(out.Tag, wireTag{TagKey: t.Key, TagValue: t.Value})
	}
	return out
}

type wireLock struct {
	LockReason string `json:"LockReason"`
	LockMsg    string `json:"LockMsg"`
}

type wireNIC struct {
	NetworkInterfaceID string `json:"NetworkInterfaceId"`
	MacAddress         string `json:"MacAddress"`
	PrimaryIPAddress   string `json:"PrimaryIpAddress"`
	Type               string `json:"Type"`
}

type wireInstance struct {
	InstanceID              string `json:"InstanceId"`
	InstanceName            string `json:"InstanceName"`
	Description             string `json:"Description"`
	HostName                string `json:"HostName"`
	Status                  string `json:"Status"`
	OSType                  string `json:"OSType"`
	OSName                  string `json:"OSName"`
	OSNameEn                string `json:"OSNameEn"`
	KeyPairName             string `json:"KeyPairName"`
	IoOptimized             bool   `json:"IoOptimized"`
	RegionID                string `json:"RegionId"`
	ZoneID                  string `json:"ZoneId"`
	InstanceType            string `json:"InstanceType"`
	InstanceTypeFamily      string `json:"InstanceTypeFamily"`
	ImageID                 string `json:"ImageId"`
	CPU                     int    `json:"Cpu"`
	Memory                  int    `json:"Memory"`
	CreationTime            string `json:"CreationTime"`
	StartTime               string `json:"StartTime"`
	ExpiredTime             string `json:"ExpiredTime"`
	InstanceNetworkType     string `json:"InstanceNetworkType"`
	InstanceChargeType      string `json:"InstanceChargeType"`
	InternetChargeType      string `json:"InternetChargeType"`
	InternetMaxBandwidthOut int    `json:"InternetMaxBandwidthOut"`
	InternetMaxBandwidthIn  int    `json:"InternetMaxBandwidthIn"`
	StoppedMode             string `json:"StoppedMode"`
	DeletionProtection      bool   `json:"DeletionProtection"`
	ResourceGroupID         string `json:"ResourceGroupId"`
	SerialNumber            string `json:"SerialNumber"`
	PublicIPAddress         ipList `json:"PublicIpAddress"`
	InnerIPAddress          ipList `json:"InnerIpAddress"`
	VpcAttributes           struct {
		VpcID            string `json:"VpcId"`
		VSwitchID        string `json:"VSwitchId"`
		NatIPAddress     string `json:"NatIpAddress"`
		PrivateIPAddress ipList `json:"PrivateIpAddress"`
	} `json:"VpcAttributes"`
	EipAddress struct {
		IPAddress            string `json:"IpAddress"`
		AllocationID         string `json:"AllocationId"`
		InternetChargeType   string `json:"InternetChargeType"`
		Bandwidth            int    `json:"Bandwidth"`
		IsSupportUnassociate bool   `json:"IsSupportUnassociate"`
	} `json:"EipAddress"`
	Tags             wireTags `json:"Tags"`
	SecurityGroupIDs struct {
		SecurityGroupID []string `json:"SecurityGroupId"`
	} `json:"SecurityGroupIds"`
	OperationLocks struct {
		LockReason []wireLock `json:"LockReason"`
	} `json:"OperationLocks"`
	NetworkInterfaces struct {
		NetworkInterface []wireNIC `json:"NetworkInterface"`
	} `json:"NetworkInterfaces"`
}

// wireList is an answer that is a request ID and one list, as ECS wraps
// lists: {"RequestId":…,"<outer>":{"<inner>":[…]}}.
func wireList(requestID, outer, inner string, items any) map[string]any {
	return map[string]any{"RequestId": requestID, outer: map[string]any{inner: items}}
}

const wireTime = "2006-01-02T15:04Z"

func toWireInstance(st *InstanceState, status string) wireInstance {
	sum := md5.Sum([]byte(st.InstanceID))
	h := hex.EncodeToString(sum[:])
	w := wireInstance{
		InstanceID:              st.InstanceID,
		InstanceName:            st.InstanceName,
		Description:             st.Description,
		HostName:                st.HostName,
		Status:                  status,
		OSType:                  st.OSType,
		OSName:                  st.OSName,
		OSNameEn:                st.OSNameEn,
		KeyPairName:             st.KeyPairName,
		IoOptimized:             st.IoOptimized,
		RegionID:                st.RegionID,
		ZoneID:                  st.ZoneID,
		InstanceType:            st.InstanceType,
		InstanceTypeFamily:      st.InstanceTypeFamily,
		ImageID:                 st.ImageID,
		CPU:                     st.CPU,
		Memory:                  st.MemoryMiB,
		CreationTime:            st.CreationTime.UTC().Format(wireTime),
		StartTime:               st.StartTime.UTC().Format(wireTime),
		ExpiredTime:             "2099-12-31T15:59Z",
		InstanceNetworkType:     st.NetworkType,
		InstanceChargeType:      st.ChargeType,
		InternetChargeType:      st.InternetChargeType,
		InternetMaxBandwidthOut: st.InternetMaxBandwidthOut,
		InternetMaxBandwidthIn:  100,
		StoppedMode:             "Not-applicable",
		SerialNumber:            h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32],
		PublicIPAddress:         ips(st.PublicIP),
		InnerIPAddress:          ips(""),
		Tags:                    toWireTags(st.Tags),
	}
	if st.ChargeType == "PrePaid" {
		w.ExpiredTime = st.CreationTime.UTC().AddDate(8, 0, 0).Truncate(24 * time.Hour).Add(16 * time.Hour).Format(wireTime)
	}
	if status == StatusStopped {
		w.StoppedMode = "KeepCharging"
	}
	if st.NetworkType == "classic" {
		w.InnerIPAddress = ips(st.PrivateIP)
		w.VpcAttributes.PrivateIPAddress = ips("")
	} else {
		w.VpcAttributes.VpcID, w.VpcAttributes.VSwitchID = st.VpcID, st.VSwitchID
		w.VpcAttributes.PrivateIPAddress = ips(st.PrivateIP)
		w.NetworkInterfaces.NetworkInterface = []wireNIC{{
			NetworkInterfaceID: "eni-" + h[:20],
			MacAddress:         "00:16:3e:" + h[20:22] + ":" + h[22:24] + ":" + h[24:26],
			PrimaryIPAddress:   st.PrivateIP,
			Type:               "Primary",
		}}
	}
	if w.NetworkInterfaces.NetworkInterface == nil {
		w.NetworkInterfaces.NetworkInterface = []wireNIC{}
	}
	w.SecurityGroupIDs.SecurityGroupID = append([]string{}, st.SecurityGroupIDs...)
	w.OperationLocks.LockReason = []wireLock{}
	if st.LockReason != "" {
		w.OperationLocks.LockReason = append(w.OperationLocks.LockReason, wireLock{LockReason: st.LockReason, LockMsg: st.LockMsg})
	}
	return w
}
