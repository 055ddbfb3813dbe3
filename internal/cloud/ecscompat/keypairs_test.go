package ecscompat_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"golang.org/x/crypto/ssh"

	"keybind/internal/sandbox"
)

func newEd25519Line(t *testing.T) (line, fingerprint string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))) + " test@example", ssh.FingerprintLegacyMD5(sp)
}

func importKey(t *testing.T, c *ecs.Client, name, body string) (*ecs.ImportKeyPairResponse, error) {
	t.Helper()
	req := ecs.CreateImportKeyPairRequest()
	req.KeyPairName = name
	req.PublicKeyBody = body
	return c.ImportKeyPair(req)
}

func TestDescribeKeyPairs(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 20})
	c := oldClient(t, env, hangzhou)
	all := env.Sandbox.KeyPairs(hangzhou)
	tests := []struct {
		name      string
		pattern   string
		pageSize  int
		pageNum   int
		wantTotal int
		wantNames []string // checked as a set when non-nil
	}{
		{name: "all", wantTotal: len(all)},
		{name: "exact", pattern: "ci-runner", wantTotal: 1, wantNames: []string{"ci-runner"}},
		{name: "exact needs full name", pattern: "ci-", wantTotal: 0},
		{name: "prefix", pattern: "ops*", wantTotal: 1, wantNames: []string{"ops-deploy"}},
		{name: "suffix", pattern: "*laptop", wantTotal: 1, wantNames: []string{"alice-laptop"}},
		{name: "infix", pattern: "*o*", wantTotal: 4, wantNames: []string{"ops-deploy", "alice-laptop", "bob_workstation", "legacy:bastion"}},
		{name: "page 2 of 4", pageSize: 4, pageNum: 2, wantTotal: len(all)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ecs.CreateDescribeKeyPairsRequest()
			req.KeyPairName = tt.pattern
			if tt.pageSize > 0 {
				req.PageSize = integer(tt.pageSize)
				req.PageNumber = integer(tt.pageNum)
			}
			resp, err := c.DescribeKeyPairs(req)
			if err != nil {
				t.Fatalf("DescribeKeyPairs: %v", err)
			}
			if resp.TotalCount != tt.wantTotal {
				t.Errorf("got TotalCount %d, want %d", resp.TotalCount, tt.wantTotal)
			}
			got := map[string]bool{}
			for _, kp := range resp.KeyPairs.KeyPair {
				got[kp.KeyPairName] = true
				if kp.PublicKey != "" {
					t.Errorf("%s: got PublicKey without IncludePublicKey", kp.KeyPairName)
				}
				if len(strings.Split(kp.KeyPairFingerPrint, ":")) != 16 {
					t.Errorf("%s: got fingerprint %q, want 16 hex pairs", kp.KeyPairName, kp.KeyPairFingerPrint)
				}
			}
			if tt.pageSize > 0 {
				want := min(tt.pageSize, len(all)-tt.pageSize*(tt.pageNum-1))
				if len(got) != want || resp.PageNumber != tt.pageNum || resp.PageSize != tt.pageSize {
					t.Errorf("got %d items page %d size %d, want %d items page %d size %d", len(got), resp.PageNumber, resp.PageSize, want, tt.pageNum, tt.pageSize)
				}
			}
			for _, n := range tt.wantNames {
				if !got[n] {
					t.Errorf("got %v, want it to include %q", got, n)
				}
			}
		})
	}
	t.Run("IncludePublicKey", func(t *testing.T) {
		req := ecs.CreateDescribeKeyPairsRequest()
		req.KeyPairName = "ops-deploy"
		req.IncludePublicKey = requests.NewBoolean(true)
		resp, err := c.DescribeKeyPairs(req)
		if err != nil {
			t.Fatalf("DescribeKeyPairs: %v", err)
		}
		kp := resp.KeyPairs.KeyPair[0]
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(kp.PublicKey))
		if err != nil {
			t.Fatalf("PublicKey %q does not parse: %v", kp.PublicKey, err)
		}
		if got := ssh.FingerprintLegacyMD5(pub); got != kp.KeyPairFingerPrint {
			t.Errorf("got fingerprint %s of PublicKey, want reported %s", got, kp.KeyPairFingerPrint)
		}
	})
	t.Run("page pages", func(t *testing.T) {
		seen := map[string]bool{}
		for page := 1; ; page++ {
			req := ecs.CreateDescribeKeyPairsRequest()
			req.PageSize, req.PageNumber = integer(2), integer(page)
			resp, err := c.DescribeKeyPairs(req)
			if err != nil {
				t.Fatalf("page %d: %v", page, err)
			}
			if len(resp.KeyPairs.KeyPair) == 0 {
				break
			}
			for _, kp := range resp.KeyPairs.KeyPair {
				if seen[kp.KeyPairName] {
					t.Errorf("page %d repeats %s", page, kp.KeyPairName)
				}
				seen[kp.KeyPairName] = true
			}
		}
		if len(seen) != len(all) {
			t.Errorf("got %d key pairs over all pages, want %d", len(seen), len(all))
		}
	})
	errs := []struct {
		name   string
		mod    func(*ecs.DescribeKeyPairsRequest)
		code   string
		status int
		inMsg  string
	}{
		{"PageSize 51", func(r *ecs.DescribeKeyPairsRequest) { r.PageSize = integer(51) }, "InvalidParameter", 400, "PageSize"},
		{"PageSize 0", func(r *ecs.DescribeKeyPairsRequest) { r.PageSize = integer(0) }, "InvalidParameter", 400, "PageSize"},
		{"PageNumber x", func(r *ecs.DescribeKeyPairsRequest) { r.PageNumber = "x" }, "InvalidParameter", 400, "PageNumber"},
		{"unknown region", func(r *ecs.DescribeKeyPairsRequest) { r.RegionId = "mars-1" }, "InvalidRegionId.NotFound", 404, ""},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			req := ecs.CreateDescribeKeyPairsRequest()
			tt.mod(req)
			_, err := c.DescribeKeyPairs(req)
			se := wantCode(t, err, tt.code, tt.status)
			if !strings.Contains(se.Message(), tt.inMsg) {
				t.Errorf("got message %q, want it to name %q", se.Message(), tt.inMsg)
			}
		})
	}
}

func TestImportKeyPair(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 10})
	c := oldClient(t, env, hangzhou)
	line, fp := newEd25519Line(t)

	resp, err := importKey(t, c, "laptop-2025", line)
	if err != nil {
		t.Fatalf("ImportKeyPair: %v", err)
	}
	if resp.KeyPairName != "laptop-2025" || resp.KeyPairFingerPrint != fp {
		t.Errorf("got %s %s, want laptop-2025 %s", resp.KeyPairName, resp.KeyPairFingerPrint, fp)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPub, _ := ssh.NewPublicKey(&rsaKey.PublicKey)
	if resp, err := importKey(t, c, "rsa-key", string(ssh.MarshalAuthorizedKey(rsaPub))); err != nil || resp.KeyPairFingerPrint != ssh.FingerprintLegacyMD5(rsaPub) {
		t.Errorf("import rsa: got %v, %v; want fingerprint %s", resp, err, ssh.FingerprintLegacyMD5(rsaPub))
	}

	errs := []struct {
		name, keyName, body, code string
		status                    int
	}{
		{"duplicate", "laptop-2025", line, "KeyPair.AlreadyExist", 400},
		{"missing body", "other", "", "MissingParameter", 400},
		{"missing name", "", line, "MissingParameter", 400},
		{"garbage body", "other", "ssh-ed25519 not-base64!!", "InvalidPublicKeyBody.Malformed", 400},
		{"private key as body", "other", "-----BEGIN OPENSSH PRIVATE KEY-----", "InvalidPublicKeyBody.Malformed", 400},
		{"two keys", "other", line + "\n" + line, "InvalidPublicKeyBody.Malformed", 400},
		{"name too short", "a", line, "InvalidKeyPairName.Malformed", 400},
		{"name starts with digit", "1key", line, "InvalidKeyPairName.Malformed", 400},
		{"name with space", "my key", line, "InvalidKeyPairName.Malformed", 400},
		{"name with slash", "http://x", line, "InvalidKeyPairName.Malformed", 400},
		{"name 129 chars", "k" + strings.Repeat("x", 128), line, "InvalidKeyPairName.Malformed", 400},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := importKey(t, c, tt.keyName, tt.body)
			wantCode(t, err, tt.code, tt.status)
		})
	}
	t.Run("name rules accept", func(t *testing.T) {
		for _, name := range []string{"ab", "Key:with_colon-and_underscore", "k" + strings.Repeat("x", 127), "密钥-1"} {
			if _, err := importKey(t, c, name, line); err != nil {
				t.Errorf("import %q: got %v, want success", name, err)
			}
		}
	})
}

func TestKeyPairQuota(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 5})
	c := oldClient(t, env, "cn-beijing")
	line, _ := newEd25519Line(t)
	have := len(env.Sandbox.KeyPairs("cn-beijing"))
	for i := have; i < 500; i++ {
		if _, err := importKey(t, c, fmt.Sprintf("bulk-%03d", i), line); err != nil {
			t.Fatalf("import #%d: %v", i, err)
		}
	}
	_, err := importKey(t, c, "one-too-many", line)
	wantCode(t, err, "QuotaExceed.KeyPair", http.StatusForbidden)
	req := ecs.CreateCreateKeyPairRequest()
	req.KeyPairName = "one-too-many"
	_, err = c.CreateKeyPair(req)
	wantCode(t, err, "QuotaExceed.KeyPair", http.StatusForbidden)
}

func TestCreateKeyPair(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 5})
	c := oldClient(t, env, hangzhou)
	req := ecs.CreateCreateKeyPairRequest()
	req.KeyPairName = "generated"
	resp, err := c.CreateKeyPair(req)
	if err != nil {
		t.Fatalf("CreateKeyPair: %v", err)
	}
	block, _ := pem.Decode([]byte(resp.PrivateKeyBody))
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("got PrivateKeyBody %.40q, want a PKCS#8 PEM block", resp.PrivateKeyBody)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("ParsePKCS8PrivateKey: %v", err)
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if got := ssh.FingerprintLegacyMD5(signer.PublicKey()); got != resp.KeyPairFingerPrint {
		t.Errorf("got fingerprint %s of the private key, want %s", got, resp.KeyPairFingerPrint)
	}
	if !strings.HasPrefix(resp.KeyPairId, "ssh-") {
		t.Errorf("got KeyPairId %q, want ssh-…", resp.KeyPairId)
	}
	// The sandbox keeps only the public half.
	state, _ := json.Marshal(env.Sandbox.KeyPairs(hangzhou))
	if strings.Contains(string(state), "PRIVATE KEY") {
		t.Error("sandbox state contains a private key")
	}
	_, err = c.CreateKeyPair(req)
	wantCode(t, err, "KeyPair.AlreadyExist", http.StatusBadRequest)
}

func TestDeleteKeyPairs(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 150})
	c := oldClient(t, env, hangzhou)
	var bound sandbox.InstanceState
	for _, st := range env.Sandbox.Instances(hangzhou) {
		if st.KeyPairName != "" {
			bound = st
			break
		}
	}
	if bound.InstanceID == "" {
		t.Fatal("seed has no instance with a key pair")
	}
	req := ecs.CreateDeleteKeyPairsRequest()
	req.KeyPairNames = fmt.Sprintf(`[%q, "no-such-key"]`, bound.KeyPairName)
	if _, err := c.DeleteKeyPairs(req); err != nil {
		t.Fatalf("DeleteKeyPairs: %v", err)
	}
	dk := ecs.CreateDescribeKeyPairsRequest()
	dk.KeyPairName = bound.KeyPairName
	if resp, err := c.DescribeKeyPairs(dk); err != nil || resp.TotalCount != 0 {
		t.Errorf("after delete: got %v, %v; want TotalCount 0", resp, err)
	}
	di := ecs.CreateDescribeInstancesRequest()
	di.InstanceIds = fmt.Sprintf("[%q]", bound.InstanceID)
	resp, err := c.DescribeInstances(di)
	if err != nil || len(resp.Instances.Instance) != 1 || resp.Instances.Instance[0].KeyPairName != bound.KeyPairName {
		t.Fatalf("after delete: got %v, %v; want the instance still reporting %s", resp, err, bound.KeyPairName)
	}
	if ks, _ := env.Sandbox.KeyInEffect(hangzhou, bound.InstanceID); ks.EffectiveKeyPair != bound.KeyPairName {
		t.Errorf("got key in effect %q, want %q to keep working", ks.EffectiveKeyPair, bound.KeyPairName)
	}

	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("k%03d", i)
	}
	manyJSON, _ := json.Marshal(many)
	errs := []struct {
		name, names, code string
		status            int
	}{
		{"missing", "", "MissingParameter", 400},
		{"malformed", `["unterminated`, "InvalidKeyPairNames.ValueNotSupported", 400},
		{"empty list", `[]`, "InvalidKeyPairNames.ValueNotSupported", 400},
		{"101 names", string(manyJSON), "InstanceKeyPairLimitExceeded", 403},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			req := ecs.CreateDeleteKeyPairsRequest()
			req.KeyPairNames = tt.names
			_, err := c.DeleteKeyPairs(req)
			wantCode(t, err, tt.code, tt.status)
		})
	}
}
