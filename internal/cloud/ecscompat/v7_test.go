package ecscompat_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	ecs7 "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"

	"keybind/internal/sandbox"
)

var v7Algorithms = []struct{ name, alg string }{
	{"ACS3-HMAC-SHA256", ""},
	{"v2 HMAC-SHA1", "v2"},
}

// TestV7EveryAction runs every action through the V7 SDK with both signature schemes.
func TestV7EveryAction(t *testing.T) {
	for _, a := range v7Algorithms {
		t.Run(a.name, func(t *testing.T) {
			env := start(t, sandbox.Options{})
			c := v7Client(t, env, a.alg)
			region := dara.String(hangzhou)
			linux := findInstance(t, env, hangzhou, "plain linux", plainLinux)
			stopped := findInstance(t, env, hangzhou, "stopped linux", stoppedLinux)
			windows := findInstance(t, env, hangzhou, "windows", func(st sandbox.InstanceState) bool { return st.OSType == "windows" })
			line, fp := newEd25519Line(t)

			regions, err := c.DescribeRegions(&ecs7.DescribeRegionsRequest{AcceptLanguage: dara.String("en-US")})
			if err != nil || len(regions.Body.Regions.Region) < 5 || dara.StringValue(regions.Body.Regions.Region[0].LocalName) != "China (Hangzhou)" {
				t.Fatalf("DescribeRegions: %v %v", regions, err)
			}
			imp, err := c.ImportKeyPair(&ecs7.ImportKeyPairRequest{RegionId: region, KeyPairName: dara.String("v7-key"), PublicKeyBody: dara.String(line)})
			if err != nil || dara.StringValue(imp.Body.KeyPairFingerPrint) != fp {
				t.Fatalf("ImportKeyPair: %v %v", imp, err)
			}
			created, err := c.CreateKeyPair(&ecs7.CreateKeyPairRequest{RegionId: region, KeyPairName: dara.String("v7-made")})
			if err != nil || !strings.Contains(dara.StringValue(created.Body.PrivateKeyBody), "BEGIN PRIVATE KEY") {
				t.Fatalf("CreateKeyPair: %v", err)
			}
			kps, err := c.DescribeKeyPairs(&ecs7.DescribeKeyPairsRequest{RegionId: region, KeyPairName: dara.String("v7-*"), IncludePublicKey: dara.Bool(true)})
			if err != nil || dara.Int32Value(kps.Body.TotalCount) != 2 || dara.StringValue(kps.Body.KeyPairs.KeyPair[0].PublicKey) == "" {
				t.Fatalf("DescribeKeyPairs: %v %v", kps, err)
			}
			att, err := c.AttachKeyPair(&ecs7.AttachKeyPairRequest{RegionId: region, KeyPairName: dara.String("v7-key"),
				InstanceIds: dara.String(idsJSON(linux.InstanceID, stopped.InstanceID, windows.InstanceID))})
			if err != nil {
				t.Fatalf("AttachKeyPair: %v", err)
			}
			if got := dara.StringValue(att.Body.FailCount); got != "1" {
				t.Errorf("AttachKeyPair: got FailCount %q, want 1", got)
			}
			for _, r := range att.Body.Results.Result {
				wantOK := dara.StringValue(r.InstanceId) != windows.InstanceID
				if (dara.StringValue(r.Success) == "true") != wantOK {
					t.Errorf("AttachKeyPair %s: got Success %s Code %s", dara.StringValue(r.InstanceId), dara.StringValue(r.Success), dara.StringValue(r.Code))
				}
			}
			ins, err := c.DescribeInstances(&ecs7.DescribeInstancesRequest{RegionId: region, KeyPairName: dara.String("v7-key"),
				Tag: []*ecs7.DescribeInstancesRequestTag{}, MaxResults: dara.Int32(10)})
			if err != nil || len(ins.Body.Instances.Instance) != 2 || dara.StringValue(ins.Body.Instances.Instance[0].OSType) != "linux" {
				t.Fatalf("DescribeInstances: %v %v", ins, err)
			}
			if _, err := c.RebootInstance(&ecs7.RebootInstanceRequest{InstanceId: dara.String(linux.InstanceID)}); err != nil {
				t.Fatalf("RebootInstance: %v", err)
			}
			if _, err := c.StartInstance(&ecs7.StartInstanceRequest{InstanceId: dara.String(stopped.InstanceID)}); err != nil {
				t.Fatalf("StartInstance: %v", err)
			}
			env.Clock.Advance(time.Minute)
			st, err := c.DescribeInstanceStatus(&ecs7.DescribeInstanceStatusRequest{RegionId: region,
				InstanceId: []*string{dara.String(linux.InstanceID), dara.String(stopped.InstanceID)}})
			if err != nil || dara.Int32Value(st.Body.TotalCount) != 2 {
				t.Fatalf("DescribeInstanceStatus: %v %v", st, err)
			}
			for _, s := range st.Body.InstanceStatuses.InstanceStatus {
				if dara.StringValue(s.Status) != "Running" {
					t.Errorf("%s: got %s, want Running", dara.StringValue(s.InstanceId), dara.StringValue(s.Status))
				}
			}
			if ks, _ := env.Sandbox.KeyInEffect(hangzhou, linux.InstanceID); ks.EffectiveKeyPair != "v7-key" {
				t.Errorf("got key in effect %q, want v7-key", ks.EffectiveKeyPair)
			}
			rb, err := c.RebootInstances(&ecs7.RebootInstancesRequest{RegionId: region, BatchOptimization: dara.String("SuccessFirst"),
				InstanceId: []*string{dara.String(linux.InstanceID)}})
			if err != nil || dara.StringValue(rb.Body.InstanceResponses.InstanceResponse[0].CurrentStatus) != "Stopping" {
				t.Fatalf("RebootInstances: %v %v", rb, err)
			}
			_, err = c.StartInstances(&ecs7.StartInstancesRequest{RegionId: region, InstanceId: []*string{dara.String(linux.InstanceID)}})
			v7WantCode(t, err, "IncorrectInstanceStatus", 403)
			det, err := c.DetachKeyPair(&ecs7.DetachKeyPairRequest{RegionId: region, KeyPairName: dara.String("v7-key"), InstanceIds: dara.String(idsJSON(stopped.InstanceID))})
			if err != nil || dara.StringValue(det.Body.FailCount) != "0" {
				t.Fatalf("DetachKeyPair: %v %v", det, err)
			}
			if _, err := c.DeleteKeyPairs(&ecs7.DeleteKeyPairsRequest{RegionId: region, KeyPairNames: dara.String(`["v7-key","v7-made"]`)}); err != nil {
				t.Fatalf("DeleteKeyPairs: %v", err)
			}
			_, err = c.AttachKeyPair(&ecs7.AttachKeyPairRequest{RegionId: region, KeyPairName: dara.String("v7-key"), InstanceIds: dara.String(idsJSON(linux.InstanceID))})
			v7WantCode(t, err, "InvalidKeyPairName.NotFound", 400)
			calls := env.Sandbox.Calls()
			for _, action := range sandbox.Actions() {
				if calls[action] == 0 {
					t.Errorf("action %s was not exercised", action)
				}
			}
		})
	}
}

func TestV7SignatureErrors(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 5})
	for _, a := range v7Algorithms {
		t.Run(a.name, func(t *testing.T) {
			_, err := v7ClientWith(t, env, a.alg, env.AccessKeyID, "wrong").DescribeRegions(&ecs7.DescribeRegionsRequest{})
			v7WantCode(t, err, "SignatureDoesNotMatch", 400)
			_, err = v7ClientWith(t, env, a.alg, "LTAI-nobody", env.AccessKeySecret).DescribeRegions(&ecs7.DescribeRegionsRequest{})
			v7WantCode(t, err, "InvalidAccessKeyId.NotFound", 404)
		})
	}
	t.Run("ACS3 stale date", func(t *testing.T) {
		stale := start(t, sandbox.Options{InstancesPerRegion: 5, WallClock: func() time.Time { return time.Now().Add(-20 * time.Minute) }})
		_, err := v7Client(t, stale, "").DescribeRegions(&ecs7.DescribeRegionsRequest{})
		v7WantCode(t, err, "InvalidTimeStamp.Expired", 400)
	})
}

func TestV7Throttle(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 5})
	env.Sandbox.AddFault(sandbox.Fault{Action: "DescribeRegions", Kind: sandbox.FaultThrottle, Count: 1, RetryAfter: 1500 * time.Millisecond})
	c := v7Client(t, env, "")
	c.Client.DisableSDKError = dara.Bool(true) // the runtime's field, not the shadowing one on ecs7.Client
	_, err := c.DescribeRegions(&ecs7.DescribeRegionsRequest{})
	var te *openapi.ThrottlingError
	if !errors.As(err, &te) {
		t.Fatalf("got %v (%T), want *ThrottlingError", err, err)
	}
	if got := dara.Int64Value(te.RetryAfter); got != 1500 {
		t.Errorf("got RetryAfter %d ms, want 1500", got)
	}
	if _, err := c.DescribeRegions(&ecs7.DescribeRegionsRequest{}); err != nil {
		t.Errorf("after the throttle fault is spent: %v", err)
	}
}
