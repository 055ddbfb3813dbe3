package cloud_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"keybind/internal/cloud"
	"keybind/internal/sandbox"
)

func TestRegions(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 20}, nil)
	got, err := g.Regions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := env.Sandbox.Regions()
	if len(got) != len(want) {
		t.Fatalf("got %d regions, want %d", len(got), len(want))
	}
	for i, r := range got {
		if r.ID != want[i] || r.Name == "" || r.Endpoint == "" || !r.Available {
			t.Errorf("region %d = %+v, want ID %s with a name, endpoint and available", i, r, want[i])
		}
	}
	if got[0].Name != "China (Hangzhou)" {
		t.Errorf("name %q, want the English name", got[0].Name)
	}
}

func TestKeyPairsListAndSearch(t *testing.T) {
	_, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 20}, nil)
	ctx := context.Background()
	all, err := g.KeyPairs(ctx, region, cloud.KeyPairFilter{PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 6 || len(all.Items) != 6 {
		t.Fatalf("got total %d, %d items; want the 6 seeded key pairs", all.Total, len(all.Items))
	}
	for _, k := range all.Items {
		if k.Name == "" || k.Fingerprint == "" || k.PublicKey == "" || k.CreatedAt.IsZero() {
			t.Errorf("incomplete key pair %+v", k)
		}
	}
	page, err := g.KeyPairs(ctx, region, cloud.KeyPairFilter{PageNumber: 2, PageSize: 4})
	if err != nil || len(page.Items) != 2 || page.PageNumber != 2 {
		t.Errorf("page 2 of 4: %d items, page %d, err %v; want 2 items", len(page.Items), page.PageNumber, err)
	}
	found, err := g.KeyPairs(ctx, region, cloud.KeyPairFilter{Name: "*ops*"})
	if err != nil || len(found.Items) != 1 || found.Items[0].Name != "ops-deploy" {
		t.Errorf("search *ops*: %+v, %v; want ops-deploy", found.Items, err)
	}
	k, err := g.KeyPair(ctx, region, "ops-deploy")
	if err != nil || k.Name != "ops-deploy" || !strings.HasPrefix(k.PublicKey, "ssh-ed25519 ") {
		t.Errorf("KeyPair(ops-deploy) = %+v, %v", k, err)
	}
	_, err = g.KeyPair(ctx, region, "no-such-key")
	var ce *cloud.Error
	if !errors.As(err, &ce) || ce.Kind != cloud.KindNotFound {
		t.Errorf("KeyPair(no-such-key) error = %v, want *Error of KindNotFound", err)
	}
}

func TestImportCreateDeleteKeyPair(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 20}, nil)
	ctx := context.Background()
	line := newPublicKey(t)
	sshPub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		t.Fatal(err)
	}

	imported, err := g.ImportKeyPair(ctx, region, "imported-1", line)
	if err != nil {
		t.Fatal(err)
	}
	if want := ssh.FingerprintLegacyMD5(sshPub); imported.Fingerprint != want || imported.Name != "imported-1" {
		t.Errorf("imported %+v, want fingerprint %s", imported, want)
	}
	_, err = g.ImportKeyPair(ctx, region, "imported-1", line)
	var ce *cloud.Error
	if !errors.As(err, &ce) || ce.Code != "KeyPair.AlreadyExist" || ce.Kind != cloud.KindConflict || ce.RequestID == "" {
		t.Errorf("second import: %v, want KeyPair.AlreadyExist conflict with a request ID", err)
	} else if msg := ce.UserMessage(); msg != "A key pair with this name already exists in this region." {
		t.Errorf("UserMessage = %q", msg)
	}

	created, private, err := g.CreateKeyPair(ctx, region, "created-1")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey([]byte(private))
	if err != nil {
		t.Fatalf("private key does not parse: %v", err)
	}
	if fp := ssh.FingerprintLegacyMD5(signer.PublicKey()); fp != created.Fingerprint {
		t.Errorf("private key fingerprint %s, key pair says %s", fp, created.Fingerprint)
	}

	if err := g.DeleteKeyPairs(ctx, region, []string{"imported-1", "created-1"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"imported-1", "created-1"} {
		if _, err := g.KeyPair(ctx, region, name); !errors.As(err, &ce) || ce.Kind != cloud.KindNotFound {
			t.Errorf("after delete, KeyPair(%s) error = %v, want not found", name, err)
		}
	}
	if n := len(env.Sandbox.KeyPairs(region)); n != 6 {
		t.Errorf("sandbox holds %d key pairs after delete, want 6", n)
	}
}

func TestKeyPairArgumentsRejectedWithoutCalls(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 20}, nil)
	ctx := context.Background()
	checks := map[string]error{}
	_, checks["import bad name"] = g.ImportKeyPair(ctx, region, "1bad", "ssh-ed25519 AAAA")
	_, checks["import empty key"] = g.ImportKeyPair(ctx, region, "good-name", " ")
	_, _, checks["create http name"] = g.CreateKeyPair(ctx, region, "http://x")
	checks["delete wildcard"] = g.DeleteKeyPairs(ctx, region, []string{"*"})
	_, checks["bad region"] = g.KeyPairs(ctx, "CN/HZ", cloud.KeyPairFilter{})
	for name, err := range checks {
		var ce *cloud.Error
		if !errors.As(err, &ce) || ce.Kind != cloud.KindInvalid || ce.UserMessage() == "" {
			t.Errorf("%s: error %v, want an invalid-argument *Error", name, err)
		}
	}
	if calls := env.Sandbox.Calls(); len(calls) != 0 {
		t.Errorf("invalid arguments reached the cloud: %v", calls)
	}
}

// newPublicKey returns a fresh ed25519 public key in authorized_keys format.
func newPublicKey(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " me@laptop"
}
