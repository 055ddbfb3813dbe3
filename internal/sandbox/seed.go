package sandbox

import (
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

var seedRegions = []regionInfo{
	{ID: "cn-hangzhou", idPrefix: "bp1", Zones: []string{"cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"},
		LocalName: map[string]string{"zh-CN": "华东1（杭州）", "zh-TW": "華東1（杭州）", "en-US": "China (Hangzhou)", "ja": "中国 (杭州)"}},
	{ID: "cn-shanghai", idPrefix: "uf6", Zones: []string{"cn-shanghai-e", "cn-shanghai-f", "cn-shanghai-g", "cn-shanghai-l"},
		LocalName: map[string]string{"zh-CN": "华东2（上海）", "zh-TW": "華東2（上海）", "en-US": "China (Shanghai)", "ja": "中国 (上海)"}},
	{ID: "cn-beijing", idPrefix: "2ze", Zones: []string{"cn-beijing-g", "cn-beijing-h", "cn-beijing-i", "cn-beijing-k"},
		LocalName: map[string]string{"zh-CN": "华北2（北京）", "zh-TW": "華北2（北京）", "en-US": "China (Beijing)", "ja": "中国 (北京)"}},
	{ID: "ap-southeast-1", idPrefix: "t4n", Zones: []string{"ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"},
		LocalName: map[string]string{"zh-CN": "新加坡", "zh-TW": "新加坡", "en-US": "Singapore", "ja": "シンガポール"}},
	{ID: "us-west-1", idPrefix: "rj9", Zones: []string{"us-west-1a", "us-west-1b"},
		LocalName: map[string]string{"zh-CN": "美国（硅谷）", "zh-TW": "美國（矽谷）", "en-US": "US (Silicon Valley)", "ja": "米国 (シリコンバレー)"}},
	{ID: "eu-central-1", idPrefix: "gw8", Zones: []string{"eu-central-1a", "eu-central-1b", "eu-central-1c"},
		LocalName: map[string]string{"zh-CN": "德国（法兰克福）", "zh-TW": "德國（法蘭克福）", "en-US": "Germany (Frankfurt)", "ja": "ドイツ (フランクフルト)"}},
}

func seedRegionIDs() []string {
	out := make([]string, len(seedRegions))
	for i, r := range seedRegions {
		out[i] = r.ID
	}
	return out
}

// localName is a region's English name.
func localName(regionID string) string {
	for _, r := range seedRegions {
		if r.ID == regionID {
			return r.LocalName["en-US"]
		}
	}
	return ""
}

type osImage struct {
	osType, name, nameEn, image string
	weight                      int
}

var seedImages = []osImage{
	{"linux", "Alibaba Cloud Linux  3.2104 LTS 64位", "Alibaba Cloud Linux  3.2104 LTS 64 bit", "aliyun_3_x64_20G_alibase_20240528.vhd", 24},
	{"linux", "Ubuntu  22.04 64位", "Ubuntu  22.04 64 bit", "ubuntu_22_04_x64_20G_alibase_20240530.vhd", 18},
	{"linux", "Ubuntu  20.04 64位", "Ubuntu  20.04 64 bit", "ubuntu_20_04_x64_20G_alibase_20231221.vhd", 6},
	{"linux", "Debian  12.5 64位", "Debian  12.5 64 bit", "debian_12_5_x64_20G_alibase_20240423.vhd", 10},
	{"linux", "CentOS  7.9 64位", "CentOS  7.9 64 bit", "centos_7_9_x64_20G_alibase_20240403.vhd", 12},
	{"linux", "Rocky Linux  9.3 64位", "Rocky Linux  9.3 64 bit", "rockylinux_9_3_x64_20G_alibase_20240112.vhd", 7},
	{"linux", "AlmaLinux  9.4 64位", "AlmaLinux  9.4 64 bit", "almalinux_9_4_x64_20G_alibase_20240524.vhd", 4},
	{"linux", "Anolis OS  8.9 RHCK 64位", "Anolis OS  8.9 RHCK 64 bit", "anolisos_8_9_x64_20G_rhck_alibase_20240222.vhd", 3},
	{"windows", "Windows Server  2022 数据中心版 64位中文版", "Windows Server  2022 Data Center Edition 64bit Chinese Edition", "win2022_21H2_x64_dtc_zh-cn_40G_alibase_20240515.vhd", 9},
	{"windows", "Windows Server  2019 数据中心版 64位英文版", "Windows Server  2019 Data Center Edition 64bit English Edition", "win2019_1809_x64_dtc_en-us_40G_alibase_20240515.vhd", 5},
}

var legacyImage = osImage{"linux", "CentOS  6.10 64位", "CentOS  6.10 64 bit", "centos_6_10_x64_20G_alibase_20200319.vhd", 0}

type instanceType struct {
	name, family string
	cpu, memMiB  int
}

var seedTypes = []instanceType{
	{"ecs.g7.large", "ecs.g7", 2, 8192},
	{"ecs.g7.xlarge", "ecs.g7", 4, 16384},
	{"ecs.c7.xlarge", "ecs.c7", 4, 8192},
	{"ecs.r7.large", "ecs.r7", 2, 16384},
	{"ecs.g6.2xlarge", "ecs.g6", 8, 32768},
	{"ecs.t6-c1m2.large", "ecs.t6", 2, 4096},
	{"ecs.e-c1m2.large", "ecs.e", 2, 4096},
	{"ecs.g8i.xlarge", "ecs.g8i", 4, 16384},
}

var legacyTypes = []instanceType{
	{"ecs.t1.small", "ecs.t1", 1, 1024},
	{"ecs.s2.large", "ecs.s2", 2, 4096},
}

// Names are user-controlled, so some are hostile or awkward on purpose.
var awkwardNames = []string{
	"<script>alert(1)</script>",
	`" onmouseover="x`,
	`O'Brien's "quoted" box`,
	strings.Repeat("long-name-", 12) + "abcdefgh", // 128 characters
	"测试服务器-杭州-01",
	"Сервер-приложений",
	"🚀 launch-box 🚀",
	"  leading and  double  spaces",
	"{{.Name}} ${jndi:ldap://x} %s",
	"back\\slash & ampersand; DROP TABLE",
}

var (
	tagEnvs  = []string{"prod", "staging", "dev", "test"}
	tagTeams = []string{"platform", "payments", "search", "data", "web"}
	tagApps  = []string{"api", "worker", "db", "cache", "web", "batch", "gateway"}
	keyNames = []string{"ops-deploy", "alice-laptop", "bob_workstation", "ci-runner", "legacy:bastion", "release-2024"}
)

// seedEpoch anchors generated creation times so that a seed always yields the same data.
var seedEpoch = time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC)

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

func generate(seed int64, perRegion int, now time.Time) []*region {
	out := make([]*region, 0, len(seedRegions))
	for ri, info := range seedRegions {
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(ri)+1))
		r := &region{info: info, byID: map[string]*instance{}, keyPairs: map[string]*keyPair{}}
		seedKeyPairs(r, rng)
		seedInstances(r, rng, perRegion, now)
		out = append(out, r)
	}
	return out
}

func seedKeyPairs(r *region, rng *rand.Rand) {
	for i, name := range keyNames {
		var raw [ed25519.SeedSize]byte
		for j := range raw {
			raw[j] = byte(rng.Uint32())
		}
		pub := ed25519.NewKeyFromSeed(raw[:]).Public().(ed25519.PublicKey)
		sshPub, err := ssh.NewPublicKey(pub)
		if err != nil {
			panic(err) // an ed25519 key always converts
		}
		kp := &keyPair{
			Name:         name,
			ID:           randID(rng, "ssh-", 17),
			Fingerprint:  ssh.FingerprintLegacyMD5(sshPub),
			PublicKey:    strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " " + name + "@keybind-sandbox",
			CreationTime: seedEpoch.Add(time.Duration(i*97+rng.IntN(90)) * 24 * time.Hour),
		}
		if i%2 == 0 {
			kp.Tags = []Tag{{Key: "team", Value: tagTeams[rng.IntN(len(tagTeams))]}}
		}
		r.keyPairs[name] = kp
	}
}

func randID(rng *rand.Rand, prefix string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[rng.IntN(len(alnum))]
	}
	return prefix + string(b)
}

func pickImage(rng *rand.Rand) osImage {
	total := 0
	for _, im := range seedImages {
		total += im.weight
	}
	n := rng.IntN(total)
	for _, im := range seedImages {
		if n < im.weight {
			return im
		}
		n -= im.weight
	}
	return seedImages[0]
}

func seedInstances(r *region, rng *rand.Rand, n int, now time.Time) {
	// Fixed positions guarantee the interesting cases exist whatever the seed.
	lockedAt := 3 % n
	forced := map[int]string{7 % n: "windows", 11 % n: "stopped", 13 % n: "legacy", 17 % n: "reboot", 19 % n: "start"}
	seen := map[string]bool{}
	names := r.keyPairNames()
	for i := 0; i < n; i++ {
		id := randID(rng, "i-"+r.info.idPrefix, 17)
		for seen[id] {
			id = randID(rng, "i-"+r.info.idPrefix, 17)
		}
		seen[id] = true
		im := pickImage(rng)
		typ := seedTypes[rng.IntN(len(seedTypes))]
		legacy := rng.IntN(25) == 0 || forced[i] == "legacy"
		if forced[i] == "windows" {
			im = seedImages[len(seedImages)-2]
		}
		if legacy {
			typ = legacyTypes[rng.IntN(len(legacyTypes))]
			if im.osType == "linux" {
				im = legacyImage
			}
		}
		if i == lockedAt && im.osType == "windows" {
			im = seedImages[0]
		}
		env, team, app := tagEnvs[rng.IntN(len(tagEnvs))], tagTeams[rng.IntN(len(tagTeams))], tagApps[rng.IntN(len(tagApps))]
		name := fmt.Sprintf("%s-%s-%02d", app, env, i+1)
		if i%9 == 5 && i/9 < len(awkwardNames) {
			name = awkwardNames[i/9]
		}
		created := seedEpoch.Add(time.Duration(rng.IntN(5*365*24)) * time.Hour)
		st := InstanceState{
			InstanceID:              id,
			InstanceName:            name,
			HostName:                hostName(app, env, i, im.osType),
			RegionID:                r.info.ID,
			ZoneID:                  r.info.Zones[rng.IntN(len(r.info.Zones))],
			Status:                  StatusRunning,
			OSType:                  im.osType,
			OSName:                  im.name,
			OSNameEn:                im.nameEn,
			ImageID:                 im.image,
			InstanceType:            typ.name,
			InstanceTypeFamily:      typ.family,
			CPU:                     typ.cpu,
			MemoryMiB:               typ.memMiB,
			IoOptimized:             !legacy,
			NetworkType:             "vpc",
			SecurityGroupIDs:        []string{randID(rng, "sg-"+r.info.idPrefix, 17)},
			ChargeType:              []string{"PostPaid", "PostPaid", "PrePaid"}[rng.IntN(3)],
			InternetChargeType:      "PayByTraffic",
			CreationTime:            created,
			StartTime:               created.Add(time.Duration(rng.IntN(400*24)) * time.Hour),
			PasswordLogin:           true,
			InternetMaxBandwidthOut: []int{0, 5, 10, 100}[rng.IntN(4)],
		}
		if i%4 != 3 {
			st.Description = fmt.Sprintf("%s service for team %s", app, team)
		}
		if rng.IntN(10) < 8 {
			st.Tags = []Tag{{"env", env}, {"team", team}, {"app", app}}
		} else if rng.IntN(2) == 0 {
			st.Tags = []Tag{{"env", env}}
		}
		if legacy {
			st.NetworkType = "classic"
			st.PrivateIP = fmt.Sprintf("10.%d.%d.%d", 80+rng.IntN(40), rng.IntN(256), 1+rng.IntN(254))
		} else {
			st.VpcID = "vpc-" + r.info.idPrefix + fmt.Sprintf("%017d", rng.IntN(3))
			st.VSwitchID = "vsw-" + r.info.idPrefix + fmt.Sprintf("%017d", rng.IntN(6))
			st.PrivateIP = fmt.Sprintf("172.16.%d.%d", rng.IntN(256), 1+rng.IntN(254))
		}
		if st.InternetMaxBandwidthOut > 0 {
			st.PublicIP = fmt.Sprintf("47.%d.%d.%d", 90+rng.IntN(30), rng.IntN(256), 1+rng.IntN(254))
		}
		in := &instance{st: st}
		if im.osType == "linux" && rng.IntN(3) == 0 {
			kp := r.keyPairs[names[rng.IntN(len(names))]]
			in.st.KeyPairName, in.st.KeyPairFingerprint = kp.Name, kp.Fingerprint
			in.st.EffectiveKeyPair, in.st.EffectiveFingerprint = kp.Name, kp.Fingerprint
			in.st.PasswordLogin = false
		}
		switch roll := rng.IntN(100); {
		case forced[i] == "stopped" || (forced[i] == "" && i != lockedAt && roll < 22):
			in.st.Status = StatusStopped
		case forced[i] == "reboot" || (forced[i] == "" && i != lockedAt && roll < 24):
			in.begin(OpReboot, now.Add(-time.Duration(rng.IntN(1000))*time.Millisecond))
		case forced[i] == "start" || (forced[i] == "" && i != lockedAt && roll < 26):
			in.st.Status = StatusStopped
			in.begin(OpStart, now.Add(-time.Duration(rng.IntN(1000))*time.Millisecond))
		}
		if i == lockedAt {
			in.st.LockReason = "security"
			in.st.LockMsg = "The specified instance is locked for security reasons: suspected mining activity."
		}
		r.instances = append(r.instances, in)
		r.byID[id] = in
	}
	sort.Slice(r.instances, func(a, b int) bool { return r.instances[a].st.InstanceID < r.instances[b].st.InstanceID })
}

func hostName(app, env string, i int, osType string) string {
	if osType == "windows" {
		return strings.ToUpper(fmt.Sprintf("WIN-%s%02d", app, i%100))
	}
	return fmt.Sprintf("%s-%s-%d", app, env, i+1)
}

func (r *region) keyPairNames() []string {
	names := make([]string, 0, len(r.keyPairs))
	for n := range r.keyPairs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
