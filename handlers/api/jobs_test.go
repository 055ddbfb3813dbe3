package api_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

// apiEd25519 returns a fresh public key line and its private key in PEM.
func apiEd25519(t *testing.T, comment string) (public, private string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " " + comment, string(pem.EncodeToMemory(block))
}

// linuxInstances returns n bindable instances of the testapp.Region with a known
// start: Running, with the given key ("" for none).
func linuxInstances(t *testing.T, app *testapp.App, n int, keys ...string) []string {
	t.Helper()
	var ids []string
	for _, in := range app.Sandbox.Instances(testapp.Region) {
		if in.OSType == "linux" && in.IoOptimized && in.LockReason == "" && len(ids) < n {
			ids = append(ids, in.InstanceID)
		}
	}
	running := sandbox.StatusRunning
	for i, id := range ids {
		key := ""
		if i < len(keys) {
			key = keys[i]
		}
		if _, err := app.Sandbox.UpdateInstance(testapp.Region, id, sandbox.InstanceUpdate{Status: &running, KeyPairName: &key}); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// Import a key through the API, bind it with restarts, restore the
// previous keys (rollback), and unbind: each a job with the grid's words.
func TestAPIImportBindRollbackUnbind(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 40})
	browser := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	a := newAPIClient(t, app, apiToken(t, browser, "rotation"))
	old := app.FirstKey(t)
	ids := linuxInstances(t, app, 3, old, "") // one with a key, two without

	// Import: refused fields first, then the key.
	pub, private := apiEd25519(t, "carol@laptop")
	keys := "/api/v1/regions/" + testapp.Region + "/keypairs"
	r := a.call(http.MethodPost, keys, map[string]any{"name": "carol-2026", "public_key": private})
	if r.Status != http.StatusUnprocessableEntity || r.field("public_key") == "" || strings.Contains(r.Raw, "PRIVATE KEY") {
		t.Errorf("import a private key: %d %s, want 422 naming public_key without echoing it", r.Status, r.Raw)
	}
	r = a.call(http.MethodPost, keys, map[string]any{"name": "9-starts-with-a-digit", "public_key": pub})
	if r.Status != http.StatusUnprocessableEntity || r.field("name") == "" {
		t.Errorf("import with a bad name: %d %s, want 422 naming name", r.Status, r.Raw)
	}
	if n := app.Sandbox.Calls()["ImportKeyPair"]; n != 0 {
		t.Fatalf("ImportKeyPair called %d times for refused input", n)
	}
	imported := a.call(http.MethodPost, keys, map[string]any{"name": "carol-2026", "public_key": pub}).want(t, http.StatusCreated, "import")
	if imported.str("name") != "carol-2026" || !strings.HasPrefix(imported.str("sha256"), "SHA256:") || imported.Header.Get("Location") != keys+"/carol-2026" {
		t.Errorf("imported: %s (Location %q)", imported.Raw, imported.Header.Get("Location"))
	}
	a.get(keys+"/carol-2026").want(t, http.StatusOK, "the imported key pair")
	r = a.call(http.MethodPost, keys, map[string]any{"name": "carol-2026", "public_key": pub})
	if r.Status != http.StatusConflict || r.field("name") == "" {
		t.Errorf("import the same name again: %d %s, want 409 naming name", r.Status, r.Raw)
	}
	var intent, success int
	for _, e := range app.Audit(t, "ImportKeyPair") {
		if e.Username != "helen" || e.Via != "api" {
			t.Errorf("ImportKeyPair audited as %s via %s", e.Username, e.Via)
		}
		switch e.Outcome {
		case "intent":
			intent++
		case "success":
			success++
		}
	}
	if intent != 2 || success != 1 {
		t.Errorf("ImportKeyPair audit: %d intents, %d successes; want 2 and 1", intent, success)
	}

	// Bind with restarts after.
	bind := map[string]any{"region": testapp.Region, "key_pair": "carol-2026", "instance_ids": ids, "acknowledge": true, "after": "restart", "wave_size": 2}
	job := a.call(http.MethodPost, "/api/v1/jobs/bind", bind, "Idempotency-Key", "carol-bind-1").want(t, http.StatusCreated, "bind").Header.Get("Location")
	if r := a.call(http.MethodPost, job+"/rollback", nil, "Idempotency-Key", "too-early-1"); r.Status != http.StatusConflict {
		t.Errorf("rollback of a running job: %d %s, want 409", r.Status, r.Raw)
	}
	j := apiStepUntil(t, app, a, job)
	sameAsGrid(t, browser, j)
	if j.str("state") != "done" || jObj(j.JSON["policy"])["after"] != "restart" {
		t.Errorf("bind with restarts: state %q, policy %v; want done, restart", j.str("state"), j.JSON["policy"])
	}
	for _, id := range ids {
		if ks, _ := app.Sandbox.KeyInEffect(testapp.Region, id); ks.EffectiveKeyPair != "carol-2026" {
			t.Errorf("%s: key in effect %q, want carol-2026", id, ks.EffectiveKeyPair)
		}
	}

	// Rollback: each instance gets its previous key back (or none).
	rb := a.call(http.MethodPost, job+"/rollback", nil, "Idempotency-Key", "carol-rollback-1").want(t, http.StatusCreated, "rollback")
	if rb.str("kind") != "rollback" || jNum(rb.JSON["rollback_of"]) != jNum(j.JSON["id"]) {
		t.Errorf("rollback job: kind %q, rollback_of %v; want rollback of %v", rb.str("kind"), rb.JSON["rollback_of"], j.JSON["id"])
	}
	replay := a.call(http.MethodPost, job+"/rollback", map[string]any{}, "Idempotency-Key", "carol-rollback-1").want(t, http.StatusOK, "rollback retried")
	if replay.num("id") != rb.num("id") {
		t.Errorf("retried rollback answered job %d, want %d", replay.num("id"), rb.num("id"))
	}
	rbJob := rb.Header.Get("Location")
	a.call(http.MethodPost, rbJob+"/reboot-running", map[string]any{"force": false})
	rbDone := apiStepUntil(t, app, a, rbJob)
	sameAsGrid(t, browser, rbDone)
	want := []string{old, "", ""}
	for i, id := range ids {
		if got := sandboxKey(t, app, id); got != want[i] {
			t.Errorf("%s after rollback: key %q, want %q", id, got, want[i])
		}
	}

	// Unbind the old key from the instance that has it again; the others do
	// not have it and are left out.
	un := a.call(http.MethodPost, "/api/v1/jobs/unbind", map[string]any{"region": testapp.Region, "key_pair": old, "instance_ids": ids},
		"Idempotency-Key", "unbind-old-1").want(t, http.StatusCreated, "unbind")
	if un.str("kind") != "unbind" || jNum(jObj(un.JSON["counts"])["excluded"]) != 2 {
		t.Errorf("unbind: kind %q, counts %v; want unbind with 2 excluded", un.str("kind"), un.JSON["counts"])
	}
	u := apiStepUntil(t, app, a, un.Header.Get("Location"))
	sameAsGrid(t, browser, u)
	if got := sandboxKey(t, app, ids[0]); got != "" {
		t.Errorf("%s after unbind: key %q, want none", ids[0], got)
	}
	for _, it := range jList(u.JSON["items"]) {
		if item := jObj(it); item["instance_id"] == ids[0] && (item["action"] != "detach" || item["result"] != "Unbound") {
			t.Errorf("unbound item: action %v, result %v", item["action"], item["result"])
		}
	}
	// Unbinding from instances none of which has the key: nothing to do.
	r = a.call(http.MethodPost, "/api/v1/jobs/unbind", map[string]any{"region": testapp.Region, "key_pair": old, "instance_ids": ids[1:]},
		"Idempotency-Key", "unbind-old-2")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.field("instance_ids"), "does not have this key") {
		t.Errorf("unbind where nobody has the key: %d %s, want 422 naming instance_ids", r.Status, r.Raw)
	}
}

func sandboxKey(t *testing.T, app *testapp.App, id string) string {
	t.Helper()
	for _, in := range app.Sandbox.Instances(testapp.Region) {
		if in.InstanceID == id {
			return in.KeyPairName
		}
	}
	t.Fatalf("no instance %s", id)
	return ""
}

// Validation errors are 422 invalid_input naming each field or parameter
// at fault (400 for a body that is not JSON, 415 for another content type),
// with the request ID, and nothing reaches the cloud.
func TestAPIValidationNamesTheField(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 20})
	a := newAPIClient(t, app, apiToken(t, app.SignIn(t, "admin", testapp.AdminPassword), "validation"))
	key := app.FirstKey(t)
	id := app.Sandbox.Instances(testapp.Region)[0].InstanceID
	good := func(change map[string]any) map[string]any {
		b := map[string]any{"region": testapp.Region, "key_pair": key, "instance_ids": []string{id}, "acknowledge": true}
		for k, v := range change {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	bindPath := "/api/v1/jobs/bind"
	inst := "/api/v1/regions/" + testapp.Region + "/instances"
	cases := []struct {
		name, method, path string
		body               any
		headers            []string
		status             int
		code, field        string
	}{
		{"no acknowledgement", "POST", bindPath, good(map[string]any{"acknowledge": false}), nil, 422, "invalid_input", "acknowledge"},
		{"no instances", "POST", bindPath, good(map[string]any{"instance_ids": []string{}}), nil, 422, "invalid_input", "instance_ids"},
		{"a bad instance ID", "POST", bindPath, good(map[string]any{"instance_ids": []string{"i-OK", "rm -rf"}}), nil, 422, "invalid_input", "instance_ids"},
		{"too many instances", "POST", bindPath, good(map[string]any{"instance_ids": make([]string, 5001)}), nil, 422, "invalid_input", "instance_ids"},
		{"no key pair", "POST", bindPath, good(map[string]any{"key_pair": nil}), nil, 422, "invalid_input", "key_pair"},
		{"an unknown key pair", "POST", bindPath, good(map[string]any{"key_pair": "no-such-key"}), nil, 422, "invalid_input", "key_pair"},
		{"no region", "POST", bindPath, good(map[string]any{"region": nil}), nil, 422, "invalid_input", "region"},
		{"an unknown region", "POST", bindPath, good(map[string]any{"region": "xx-nowhere-1"}), nil, 422, "invalid_input", "region"},
		{"a bad after", "POST", bindPath, good(map[string]any{"after": "later"}), nil, 422, "invalid_input", "after"},
		{"wave size 0", "POST", bindPath, good(map[string]any{"wave_size": 0}), nil, 422, "invalid_input", "wave_size"},
		{"wave size too big", "POST", bindPath, good(map[string]any{"wave_size": 1001}), nil, 422, "invalid_input", "wave_size"},
		{"a string for a number", "POST", bindPath, good(map[string]any{"wave_size": "10"}), nil, 422, "invalid_input", "wave_size"},
		{"a string for a list", "POST", bindPath, good(map[string]any{"instance_ids": id}), nil, 422, "invalid_input", "instance_ids"},
		{"an unknown field", "POST", bindPath, good(map[string]any{"force_everything": true}), nil, 422, "invalid_input", "force_everything"},
		{"no idempotency key", "POST", bindPath, good(nil), []string{"Idempotency-Key", ""}, 400, "idempotency_key_required", "Idempotency-Key"},
		{"a short idempotency key", "POST", bindPath, good(nil), []string{"Idempotency-Key", "abc"}, 400, "idempotency_key_required", "Idempotency-Key"},
		{"not JSON", "POST", bindPath, `{"region": `, nil, 400, "bad_json", ""},
		{"a JSON array", "POST", bindPath, `[1, 2]`, nil, 400, "bad_json", ""},
		{"JSON null", "POST", bindPath, `null`, nil, 400, "bad_json", ""},
		{"two JSON objects", "POST", bindPath, `{} {}`, nil, 400, "bad_json", ""},
		{"a form", "POST", bindPath, "region=x", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type", ""},
		{"no content type", "POST", bindPath, "{}", []string{"Content-Type", ""}, 415, "unsupported_media_type", ""},
		{"unbind: a bad instance ID", "POST", "/api/v1/jobs/unbind", map[string]any{"region": testapp.Region, "key_pair": key, "instance_ids": []string{"I-UPPER"}}, nil, 422, "invalid_input", "instance_ids"},
		{"rollback: a bad wave size", "POST", "/api/v1/jobs/1/rollback", map[string]any{"wave_size": -1}, nil, 422, "invalid_input", "wave_size"},
		{"reboot: no instances", "POST", "/api/v1/jobs/1/reboot", map[string]any{}, nil, 422, "invalid_input", "instance_ids"},
		{"resolve: a bad decision", "POST", "/api/v1/jobs/1/items/i-abc/resolve", map[string]any{"decision": "maybe"}, nil, 422, "invalid_input", "decision"},
		{"import: no key", "POST", "/api/v1/regions/" + testapp.Region + "/keypairs", map[string]any{"name": "fine-name"}, nil, 422, "invalid_input", "public_key"},
		{"instances: a bad status", "GET", inst + "?status=Exploding", nil, nil, 422, "invalid_input", "status"},
		{"instances: a bad ip", "GET", inst + "?ip=10.0.0", nil, nil, 422, "invalid_input", "ip"},
		{"instances: a bad id", "GET", inst + "?id=vm-1", nil, nil, 422, "invalid_input", "id"},
		{"instances: a bad tag", "GET", inst + "?tag==x", nil, nil, 422, "invalid_input", "tag"},
		{"instances: page size 101", "GET", inst + "?page_size=101", nil, nil, 422, "invalid_input", "page_size"},
		{"instances: page 0", "GET", inst + "?page=0", nil, nil, 422, "invalid_input", "page"},
		{"instances: an unknown parameter", "GET", inst + "?pagesize=10", nil, nil, 422, "invalid_input", "pagesize"},
		{"key pairs: page size 51", "GET", "/api/v1/regions/" + testapp.Region + "/keypairs?page_size=51", nil, nil, 422, "invalid_input", "page_size"},
		{"jobs: page x", "GET", "/api/v1/jobs?page=x", nil, nil, 422, "invalid_input", "page"},
		{"audit: a bad date", "GET", "/api/v1/audit?from=26/11/2026", nil, nil, 422, "invalid_input", "from"},
		{"audit: a bad instance", "GET", "/api/v1/audit?instance=x", nil, nil, 422, "invalid_input", "instance"},
		{"an unknown region", "GET", "/api/v1/regions/xx-nowhere-1/instances", nil, nil, 404, "not_found", ""},
		{"a malformed region", "GET", "/api/v1/regions/..%2F..%2Fetc/instances", nil, nil, 404, "not_found", ""},
		{"an unknown key pair", "GET", "/api/v1/regions/" + testapp.Region + "/keypairs/no-such-key", nil, nil, 404, "not_found", ""},
		{"an unknown job", "GET", "/api/v1/jobs/999", nil, nil, 404, "not_found", ""},
		{"a job ID that is not a number", "GET", "/api/v1/jobs/abc", nil, nil, 404, "not_found", ""},
		{"a huge job ID", "GET", "/api/v1/jobs/99999999999999999999999", nil, nil, 404, "not_found", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			headers := append([]string{"Idempotency-Key", "validation-" + strings.ReplaceAll(tc.name, " ", "-")}, tc.headers...)
			r := a.call(tc.method, tc.path, tc.body, headers...)
			if r.Status != tc.status || r.str("code") != tc.code {
				t.Fatalf("status %d code %q, want %d %s; body %.400s", r.Status, r.str("code"), tc.status, tc.code, r.Raw)
			}
			if r.str("request_id") == "" || r.str("request_id") != r.Header.Get("X-Request-Id") || r.str("message") == "" {
				t.Errorf("body %s lacks the message or the request ID %q", r.Raw, r.Header.Get("X-Request-Id"))
			}
			if tc.field != "" && r.field(tc.field) == "" {
				t.Errorf("fields %v, want %q named", r.JSON["fields"], tc.field)
			}
		})
	}
	if calls := app.Sandbox.Calls(); calls["AttachKeyPair"]+calls["DetachKeyPair"]+calls["ImportKeyPair"] != 0 {
		t.Errorf("refused requests reached the cloud: %v", calls)
	}
	if r := a.get("/api/v1/jobs").want(t, http.StatusOK, "jobs"); r.num("total") != 0 {
		t.Errorf("refused requests made %d jobs", r.num("total"))
	}
}

// A body over the limit is 413 in the API's JSON, never a 500.
func TestAPIBodyLimit(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10, BodyLimit: "4K"})
	a := newAPIClient(t, app, apiToken(t, app.SignIn(t, "helen", testapp.HelpdeskPassword), "big"))
	ids := make([]string, 400)
	for i := range ids {
		ids[i] = fmt.Sprintf("i-%018d", i)
	}
	r := a.call(http.MethodPost, "/api/v1/jobs/bind", map[string]any{"region": testapp.Region, "key_pair": "k", "instance_ids": ids, "acknowledge": true},
		"Idempotency-Key", "too-big-1")
	if r.Status != http.StatusRequestEntityTooLarge || r.str("code") == "" || r.str("request_id") == "" {
		t.Errorf("oversized body: %d %s, want 413 with the JSON error", r.Status, r.Raw)
	}
}
