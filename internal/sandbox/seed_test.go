package sandbox

import (
	"regexp"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"
)

func TestSeedIsDeterministic(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	dump := func(seed int64) string {
		return fleetDigest(t, New(Options{Seed: seed, InstancesPerRegion: 60, Clock: NewManualClock(now)}).Account(DefaultAccount))
	}
	a, b, c := dump(42), dump(42), dump(43)
	if a != b {
		t.Error("same seed produced different state")
	}
	if a == c {
		t.Error("different seeds produced the same state")
	}
}

func TestSeedMix(t *testing.T) {
	s := New(Options{})
	regions := s.Regions()
	if len(regions) < 5 || regions[0] != "cn-hangzhou" {
		t.Fatalf("got regions %v, want at least 5 starting with cn-hangzhou", regions)
	}
	idRe := regexp.MustCompile(`^i-[a-z0-9]{20}$`)
	for _, region := range regions {
		list := s.Instances(region)
		if len(list) != defaultPerRegion {
			t.Errorf("%s: got %d instances, want %d", region, len(list), defaultPerRegion)
		}
		counts := map[string]int{}
		for i, st := range list {
			if i > 0 && list[i-1].InstanceID >= st.InstanceID {
				t.Errorf("%s: instances not sorted by ID at %d", region, i)
			}
			if !idRe.MatchString(st.InstanceID) {
				t.Errorf("%s: bad instance ID %q", region, st.InstanceID)
			}
			counts[st.OSType]++
			counts[st.Status]++
			if !st.IoOptimized {
				counts["legacy"]++
			}
			if st.LockReason == "security" {
				counts["locked"]++
				if st.OSType != "linux" {
					t.Errorf("%s: the locked instance is %s, want linux", region, st.OSType)
				}
			}
			if st.KeyPairName != "" {
				counts["keyed"]++
				if st.PasswordLogin || st.EffectiveKeyPair != st.KeyPairName {
					t.Errorf("%s: seeded key on %s not in effect: %+v", region, st.InstanceID, st)
				}
			}
			if utf8.RuneCountInString(st.InstanceName) == 128 {
				counts["long"]++
			}
			if st.PublicIP != "" {
				counts["public"]++
			}
			if len(st.Tags) == 3 {
				counts["tagged"]++
			}
		}
		for _, k := range []string{"linux", "windows", StatusRunning, StatusStopped, "legacy", "keyed", "long", "public", "tagged"} {
			if counts[k] == 0 {
				t.Errorf("%s: got no %s instances (%v)", region, k, counts)
			}
		}
		if counts[StatusStopping]+counts[StatusStarting] == 0 {
			t.Errorf("%s: got no instances in transition", region)
		}
		if counts["locked"] != 1 {
			t.Errorf("%s: got %d locked instances, want 1", region, counts["locked"])
		}
		for _, kp := range s.KeyPairs(region) {
			pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(kp.PublicKey))
			if err != nil || pub.Type() != ssh.KeyAlgoED25519 || ssh.FingerprintLegacyMD5(pub) != kp.Fingerprint {
				t.Errorf("%s: key pair %s: bad public key or fingerprint (%v)", region, kp.Name, err)
			}
			if !validKeyPairName(kp.Name) {
				t.Errorf("%s: seeded key name %q breaks ECS rules", region, kp.Name)
			}
		}
	}
}

func TestSeedSmallAndLarge(t *testing.T) {
	for _, n := range []int{1, 5, 5000} {
		s := New(Options{InstancesPerRegion: n})
		if got := len(s.Instances("cn-hangzhou")); got != n {
			t.Errorf("InstancesPerRegion %d: got %d", n, got)
		}
	}
}

func TestResetAndReseed(t *testing.T) {
	s := New(Options{InstancesPerRegion: 10})
	first := s.Instances("cn-hangzhou")[0]
	str := "renamed"
	if _, err := s.UpdateInstance("cn-hangzhou", first.InstanceID, InstanceUpdate{InstanceName: &str}); err != nil {
		t.Fatal(err)
	}
	s.AddFault(Fault{Kind: FaultInternal})
	doCall(t, s, "DescribeRegions", nil)
	s.Reset()
	if got := s.Instances("cn-hangzhou")[0]; got.InstanceName != first.InstanceName {
		t.Errorf("after Reset: got name %q, want %q", got.InstanceName, first.InstanceName)
	}
	if len(s.Faults()) != 0 || len(s.Calls()) != 0 {
		t.Errorf("after Reset: got faults %v calls %v, want none", s.Faults(), s.Calls())
	}
	s.Reseed(99, 25)
	if got := s.Instances("cn-hangzhou"); len(got) != 25 || got[0].InstanceID == first.InstanceID {
		t.Errorf("after Reseed: got %d instances starting %s", len(got), got[0].InstanceID)
	}
}
