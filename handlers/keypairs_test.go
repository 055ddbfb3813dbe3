package handlers_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"keybind/internal/cloud"
	"keybind/internal/sandbox"
	"keybind/internal/store"
	"keybind/internal/testapp"
)

const kpRegion = "cn-hangzhou"

// kpLog collects the console's log lines.
type kpLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *kpLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *kpLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// kpApp starts the console with its logs (debug level) captured.
func kpApp(t *testing.T) (*testapp.App, *kpLog) {
	t.Helper()
	logs := &kpLog{}
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 40,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	return app, logs
}

// kpEd25519 returns a fresh public key line and its private key in OpenSSH PEM form.
func kpEd25519(t *testing.T, comment string) (string, ssh.PublicKey, string) {
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
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " " + comment, pub, string(pem.EncodeToMemory(block))
}

// kpAudit returns the audit entries of one action, oldest first.
func kpAudit(t *testing.T, app *testapp.App, action string) []store.AuditEntry {
	t.Helper()
	list, _, err := app.Store.ListAudit(context.Background(), store.AuditFilter{Action: action, PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return list
}

// kpDump is every row of every table, as text.
func kpDump(t *testing.T, app *testapp.App) string {
	t.Helper()
	db := app.Store.DB()
	tables, err := app.Store.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&out, "%v\t", v)
			}
			out.WriteByte('\n')
		}
		rows.Close()
	}
	return out.String()
}

// kpSecretLines are the lines of a PEM private key that would give it away.
func kpSecretLines(pemText string) []string {
	var out []string
	for _, l := range strings.Split(pemText, "\n") {
		if l = strings.TrimSpace(l); len(l) >= 16 && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}

func kpPostMultipart(t *testing.T, c *testapp.Client, base, path string, fields map[string]string, fileName string, file []byte) *testapp.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fields["csrf_token"] = c.CSRF
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("public_key_file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(file); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

func TestKeypairImportPastedKeyAppearsInList(t *testing.T) {
	app, _ := kpApp(t)
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	line, pub, _ := kpEd25519(t, "zoe@laptop")
	if r := c.Get("/keypairs/import?region=" + kpRegion); r.StatusCode != http.StatusOK {
		t.Fatalf("GET import form = %d, want 200", r.StatusCode)
	}
	r := c.PostForm("/keypairs/import", url.Values{"region": {kpRegion}, "name": {"zoe-laptop"}, "public_key": {line + "\r\n"}})
	wantLoc := "/keypairs/key?name=zoe-laptop&region=" + kpRegion
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != wantLoc {
		t.Fatalf("POST import = %d to %q, want 303 to %q; errors %q %q %q", r.StatusCode, r.Header.Get("Location"), wantLoc, r.Doc.Find(`[data-testid="error-name"]`).Text(), r.Doc.Find(`[data-testid="error-public_key"]`).Text(), r.Doc.Find(`[data-testid="import-error"]`).Text())
	}

	var sandboxMD5 string
	for _, k := range app.Sandbox.KeyPairs(kpRegion) {
		if k.Name == "zoe-laptop" {
			sandboxMD5 = k.Fingerprint
		}
	}
	if sandboxMD5 == "" || sandboxMD5 != ssh.FingerprintLegacyMD5(pub) {
		t.Fatalf("sandbox fingerprint %q, want %q", sandboxMD5, ssh.FingerprintLegacyMD5(pub))
	}

	// The key pair's page: both fingerprints, the type, and the way to bind it.
	r = c.Get(wantLoc)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET key page = %d", r.StatusCode)
	}
	if got := r.Doc.Find(`[data-testid="flash-region"]`).Text(); !strings.Contains(got, "Imported key pair zoe-laptop") {
		t.Errorf("flash = %q, want the import confirmed", got)
	}
	for id, want := range map[string]string{"key-md5": sandboxMD5, "key-sha256": ssh.FingerprintSHA256(pub), "key-type": "Ed25519, 256 bits", "key-comment": "zoe@laptop"} {
		if got := strings.TrimSpace(r.Doc.Find(`[data-testid="` + id + `"]`).Text()); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if href, _ := r.Doc.Find(`[data-testid="bind-link"]`).Attr("href"); href != "/bind/instances?key=zoe-laptop&region="+kpRegion {
		t.Errorf("bind link = %q", href)
	}
	if n := r.Doc.Find(`[data-testid="delete-form"]`).Length(); n != 0 {
		t.Error("a helpdesk user is offered the delete form")
	}

	// The list, searched with a plain word: the row, its MD5 fingerprint, no users yet.
	r = c.Get("/keypairs?region=" + kpRegion + "&q=zoe")
	rows := r.Doc.Find(`[data-testid="keypair-row"]`)
	if rows.Length() != 1 {
		t.Fatalf("search for zoe shows %d rows, want 1", rows.Length())
	}
	if got := rows.Find(`[data-testid="keypair-fingerprint"]`).Text(); got != sandboxMD5 {
		t.Errorf("listed fingerprint %q, want the sandbox's %q", got, sandboxMD5)
	}
	if got := strings.TrimSpace(rows.Find(`[data-testid="keypair-in-use"]`).Text()); got != "Not in use" {
		t.Errorf("in use = %q, want Not in use", got)
	}
	if href, _ := rows.Find(`[data-testid="bind-link"]`).Attr("href"); href != "/bind/instances?key=zoe-laptop&region="+kpRegion {
		t.Errorf("row's bind link = %q", href)
	}
	if r.Doc.Find(`[data-testid="delete-link"]`).Length() != 0 {
		t.Error("a helpdesk user sees Delete links")
	}
	if got := c.Get("/bind/instances?key=zoe-laptop&region=" + kpRegion).StatusCode; got != http.StatusOK {
		t.Errorf("the bind link answers %d, want 200", got)
	}

	// Audit: intent before, success after, both by helen.
	entries := kpAudit(t, app, "ImportKeyPair")
	if len(entries) != 2 || entries[0].Outcome != store.OutcomeIntent || entries[1].Outcome != store.OutcomeSuccess {
		t.Fatalf("audit = %+v, want intent then success", entries)
	}
	for _, e := range entries {
		if e.Username != "helen" || e.Region != kpRegion || e.KeyPair != "zoe-laptop" || !strings.Contains(e.Detail, sandboxMD5) {
			t.Errorf("audit entry %+v, want helen, the region, the key pair and its fingerprint", e)
		}
	}
}

func TestKeypairImportUploadedFile(t *testing.T) {
	app, _ := kpApp(t)
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	line, pub, _ := kpEd25519(t, "bob@desk")
	c.Get("/keypairs/import?region=" + kpRegion)
	r := kpPostMultipart(t, c, app.URL, "/keypairs/import", map[string]string{"region": kpRegion, "name": "bob-desk"}, "id_ed25519.pub", []byte(line+"\n"))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload = %d, want 303; body %.400s", r.StatusCode, r.Body)
	}
	kp, err := app.Gateway.KeyPair(context.Background(), kpRegion, "bob-desk")
	if err != nil || kp.Fingerprint != ssh.FingerprintLegacyMD5(pub) {
		t.Errorf("imported key pair = %+v, %v; want fingerprint %s", kp, err, ssh.FingerprintLegacyMD5(pub))
	}

	big := []byte(line + "\n" + strings.Repeat("#", 20<<10))
	r = kpPostMultipart(t, c, app.URL, "/keypairs/import", map[string]string{"region": kpRegion, "name": "too-big"}, "big.pub", big)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find(`[data-testid="error-public_key"]`).Text(), "too large") {
		t.Errorf("a 20 KB file = %d %q, want 422 saying it is too large", r.StatusCode, r.Doc.Find(`[data-testid="error-public_key"]`).Text())
	}
}

func TestKeypairImportRefusesPrivateKey(t *testing.T) {
	app, logs := kpApp(t)
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	_, _, private := kpEd25519(t, "me@laptop")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}))
	for name, send := range map[string]func() *testapp.Response{
		"pasted OpenSSH": func() *testapp.Response {
			return c.PostForm("/keypairs/import", url.Values{"region": {kpRegion}, "name": {"mine"}, "public_key": {private}})
		},
		"uploaded PKCS#1": func() *testapp.Response {
			return kpPostMultipart(t, c, app.URL, "/keypairs/import", map[string]string{"region": kpRegion, "name": "mine"}, "id_rsa", []byte(pkcs1))
		},
	} {
		t.Run(name, func(t *testing.T) {
			c.Get("/keypairs/import?region=" + kpRegion)
			r := send()
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.StatusCode)
			}
			want := "This is a private key. Never paste a private key anywhere; paste the .pub file instead."
			if got := strings.TrimSpace(r.Doc.Find(`[data-testid="error-public_key"]`).Text()); got != want {
				t.Errorf("message %q, want %q", got, want)
			}
			if got := r.Doc.Find(`textarea[name="public_key"]`).Text(); got != "" {
				t.Errorf("the form echoes the pasted text (%d characters)", len(got))
			}
			if r.Doc.Find(`[data-testid="private-key-refused"]`).Length() != 1 {
				t.Error("no prominent warning says a private key was refused")
			}
			for _, l := range append(kpSecretLines(private), kpSecretLines(pkcs1)...) {
				if strings.Contains(r.Body, l) {
					t.Fatal("the response contains a line of the private key")
				}
			}
		})
	}
	dump, logText := kpDump(t, app), logs.String()
	for _, l := range append(kpSecretLines(private), kpSecretLines(pkcs1)...) {
		if strings.Contains(dump, l) {
			t.Fatal("the database contains a line of the private key")
		}
		if strings.Contains(logText, l) {
			t.Fatal("the log contains a line of the private key")
		}
	}
	if strings.Contains(dump, "PRIVATE KEY") || strings.Contains(logText, "PRIVATE KEY") {
		t.Error("the database or the log mentions a PEM private key block")
	}
	if n := len(kpAudit(t, app, "ImportKeyPair")); n != 0 {
		t.Errorf("%d ImportKeyPair audit entries, want none: nothing was sent", n)
	}
	if got := app.Sandbox.Calls()["ImportKeyPair"]; got != 0 {
		t.Errorf("ImportKeyPair called %d times, want 0", got)
	}
}

func TestKeypairImportRefusals(t *testing.T) {
	app, _ := kpApp(t)
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	good, _, _ := kpEd25519(t, "x@y")
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weakPub, _ := ssh.NewPublicKey(&weak.PublicKey)
	weakLine := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(weakPub)))
	existing := app.Sandbox.KeyPairs(kpRegion)[0].Name
	tests := []struct {
		name, keyName, key string
		field, inMsg       string
		echoed             bool // the key is shown again (it is a valid public key)
	}{
		{"weak rsa", "old-key", weakLine, "public_key", "only 1024 bits", false},
		{"garbage", "some-key", "hello, here is my key", "public_key", "not an OpenSSH public key", false},
		{"empty", "some-key", "", "public_key", "Paste a public key", false},
		{"name starts with a digit", "1key", good, "name", "start with a letter", true},
		{"name with a space", "my key", good, "name", "not spaces", true},
		{"name taken", existing, good, "name", "already exists", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Get("/keypairs/import?region=" + kpRegion)
			r := c.PostForm("/keypairs/import", url.Values{"region": {kpRegion}, "name": {tt.keyName}, "public_key": {tt.key}})
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.StatusCode)
			}
			if got := r.Doc.Find(`[data-testid="error-` + tt.field + `"]`).Text(); !strings.Contains(got, tt.inMsg) {
				t.Errorf("%s message %q, want it to say %q", tt.field, got, tt.inMsg)
			}
			field := map[string]string{"name": "#kp-name", "public_key": "#kp-public-key"}[tt.field]
			if v, _ := r.Doc.Find(field).Attr("aria-invalid"); v != "true" {
				t.Errorf("%s is not marked aria-invalid", field)
			}
			if got := r.Doc.Find(`textarea[name="public_key"]`).Text(); (got != "") != tt.echoed {
				t.Errorf("textarea = %q, want echoed=%v", got, tt.echoed)
			}
		})
	}
	if n := len(kpAudit(t, app, "ImportKeyPair")); n != 2 { // only "name taken" reached the cloud
		t.Errorf("%d ImportKeyPair audit entries, want 2 (intent and failure of the taken name)", n)
	}
	if e := kpAudit(t, app, "ImportKeyPair"); len(e) == 2 && (e[1].Outcome != store.OutcomeFailure || len(e[1].RequestIDs) != 1 || !strings.Contains(e[1].Detail, "KeyPair.AlreadyExist")) {
		t.Errorf("failure entry %+v, want the code and the RequestId", e[1])
	}
}

func TestKeypairCreateOffersPrivateKeyOnce(t *testing.T) {
	app, logs := kpApp(t)
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	c.Get("/keypairs/create?region=" + kpRegion)
	r := c.PostForm("/keypairs/create", url.Values{"region": {kpRegion}, "name": {"web-team"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("POST create = %d, want 200; body %.300s", r.StatusCode, r.Body)
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	private := r.Doc.Find(`[data-testid="private-key"]`).Text()
	key, err := ssh.ParseRawPrivateKey([]byte(private))
	if err != nil {
		t.Fatalf("the page's private key does not parse: %v", err)
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	link := r.Doc.Find(`[data-testid="download-private-key"]`)
	href, _ := link.Attr("href")
	name, _ := link.Attr("download")
	b64, ok := strings.CutPrefix(href, "data:application/x-pem-file;base64,")
	download, err := base64.StdEncoding.DecodeString(b64)
	if !ok || err != nil || string(download) != private || name != "web-team.pem" {
		t.Errorf("download link %.60q named %q, want the same PEM as web-team.pem", href, name)
	}
	kp, err := app.Gateway.KeyPair(context.Background(), kpRegion, "web-team")
	if err != nil || kp.Fingerprint != ssh.FingerprintLegacyMD5(signer.PublicKey()) {
		t.Errorf("key pair %+v, %v; want the downloaded key's fingerprint", kp, err)
	}
	if got := r.Doc.Find(`[data-testid="key-sha256"]`).Text(); got != ssh.FingerprintSHA256(signer.PublicKey()) {
		t.Errorf("SHA256 shown %q", got)
	}
	// Binding is offered only once the key is saved: no bare link, a form whose box is required.
	if r.Doc.Find(`a[data-testid="bind-link"]`).Length() != 0 || r.Doc.Find(`[data-testid="bind-after-save"] #key-saved[required]`).Length() != 1 ||
		r.Doc.Find(`[data-testid="bind-after-save"] button[data-testid="bind-link"]`).Length() != 1 {
		t.Error("the created key pair's page offers binding without asking that the private key be saved first")
	}

	entries := kpAudit(t, app, "CreateKeyPair")
	if len(entries) != 2 || entries[0].Outcome != store.OutcomeIntent || entries[1].Outcome != store.OutcomeSuccess || entries[1].Username != "helen" {
		t.Errorf("audit = %+v, want helen's intent then success", entries)
	}
	dump, logText := kpDump(t, app), logs.String()
	for _, l := range kpSecretLines(private) {
		if strings.Contains(dump, l) || strings.Contains(logText, l) {
			t.Fatal("the database or the log contains a line of the private key")
		}
	}
	if strings.Contains(dump, "PRIVATE KEY") || strings.Contains(logText, "PRIVATE KEY") {
		t.Error("the database or the log contains a PEM private key block")
	}
	// Shown once: the key pair's page never has it.
	if r := c.Get("/keypairs/key?region=" + kpRegion + "&name=web-team"); strings.Contains(r.Body, "PRIVATE KEY") {
		t.Error("the key pair page shows the private key again")
	}

	c.Get("/keypairs/create?region=" + kpRegion)
	r = c.PostForm("/keypairs/create", url.Values{"region": {kpRegion}, "name": {"web-team"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find(`[data-testid="error-name"]`).Text(), "already exists") {
		t.Errorf("same name again = %d %q, want 422 saying it exists", r.StatusCode, r.Doc.Find(`[data-testid="error-name"]`).Text())
	}
	if strings.Contains(r.Body, "PRIVATE KEY") {
		t.Error("the refusal shows a private key")
	}

	c.Get("/keypairs/create?region=" + kpRegion)
	r = c.PostForm("/keypairs/create", url.Values{"region": {kpRegion}, "name": {"http://x"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find(`[data-testid="error-name"]`).Text(), "http://") {
		t.Errorf("bad name = %d %q, want 422 naming the rule", r.StatusCode, r.Doc.Find(`[data-testid="error-name"]`).Text())
	}
}

// kpBusiestKey is the seeded key pair with the most instances, and their count.
func kpBusiestKey(t *testing.T, app *testapp.App) (string, int) {
	t.Helper()
	counts := map[string]int{}
	for _, in := range app.Sandbox.Instances(kpRegion) {
		if in.KeyPairName != "" {
			counts[in.KeyPairName]++
		}
	}
	best, n := "", 0
	for k, v := range counts {
		if v > n || (v == n && k < best) {
			best, n = k, v
		}
	}
	if n < 2 {
		t.Fatalf("no seeded key pair is used by 2 or more instances: %v", counts)
	}
	return best, n
}

func TestKeypairDeleteInUse(t *testing.T) {
	app, _ := kpApp(t)
	c := app.SignIn(t, "admin", testapp.AdminPassword)
	name, n := kpBusiestKey(t, app)
	c.Get("/keypairs/key?region=" + kpRegion + "&name=" + url.QueryEscape(name))

	for _, confirm := range []string{"", fmt.Sprint(n - 1)} {
		r := c.PostForm("/keypairs/delete", url.Values{"region": {kpRegion}, "name": {name}, "confirm_in_use": {confirm}})
		if r.StatusCode != http.StatusConflict {
			t.Fatalf("delete with confirm %q = %d, want 409", confirm, r.StatusCode)
		}
		if got := r.Doc.Find(`[data-testid="in-use-count"]`).Text(); got != fmt.Sprintf("%d instances", n) {
			t.Errorf("refusal says %q, want %d instances", got, n)
		}
		if got := r.Doc.Find(`[data-testid="delete-button"]`).Text(); !strings.Contains(got, "keep the key until it is replaced") {
			t.Errorf("confirm button %q does not say what happens to the instances", got)
		}
	}
	if len(kpAudit(t, app, "DeleteKeyPairs")) != 0 || app.Sandbox.Calls()["DeleteKeyPairs"] != 0 {
		t.Fatal("a refused delete reached the cloud")
	}

	r := c.PostForm("/keypairs/delete", url.Values{"region": {kpRegion}, "name": {name}, "confirm_in_use": {fmt.Sprint(n)}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/keypairs?region="+kpRegion {
		t.Fatalf("confirmed delete = %d to %q, want 303 to the list", r.StatusCode, r.Header.Get("Location"))
	}
	for _, k := range app.Sandbox.KeyPairs(kpRegion) {
		if k.Name == name {
			t.Fatal("the key pair still exists")
		}
	}
	page, err := app.Gateway.Instances(context.Background(), kpRegion, cloud.InstanceFilter{KeyPairName: name, PageSize: 100})
	if err != nil || page.Total != n {
		t.Errorf("after delete %d instances report %s (%v), want %d: ECS does not unbind", page.Total, name, err, n)
	}
	r = c.Get("/keypairs?region=" + kpRegion)
	if got := r.Doc.Find(`[data-testid="flash-region"]`).Text(); !strings.Contains(got, fmt.Sprintf("The %d instances that use it keep the key", n)) {
		t.Errorf("flash %q", got)
	}
	entries := kpAudit(t, app, "DeleteKeyPairs")
	if len(entries) != 2 || entries[0].Outcome != store.OutcomeIntent || entries[1].Outcome != store.OutcomeSuccess ||
		entries[1].Username != "admin" || !strings.Contains(entries[0].Detail, fmt.Sprintf("used by %d instances", n)) {
		t.Errorf("audit = %+v, want admin's intent (with the count) then success", entries)
	}
}

func TestKeypairDeleteUnused(t *testing.T) {
	app, _ := kpApp(t)
	c := app.SignIn(t, "admin", testapp.AdminPassword)
	line, _, _ := kpEd25519(t, "tmp")
	if _, err := app.Gateway.ImportKeyPair(context.Background(), kpRegion, "unused-key", line); err != nil {
		t.Fatal(err)
	}
	r := c.Get("/keypairs/key?region=" + kpRegion + "&name=unused-key")
	if got := r.Doc.Find(`[data-testid="delete-button"]`).Text(); got != "Delete unused-key" {
		t.Errorf("delete button %q", got)
	}
	r = c.PostForm("/keypairs/delete", url.Values{"region": {kpRegion}, "name": {"unused-key"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete unused = %d, want 303", r.StatusCode)
	}
	if _, err := app.Gateway.KeyPair(context.Background(), kpRegion, "unused-key"); err == nil {
		t.Error("the key pair still exists")
	}
	r = c.PostForm("/keypairs/delete", url.Values{"region": {kpRegion}, "name": {"unused-key"}})
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("deleting it again = %d, want 404", r.StatusCode)
	}
}

func TestKeypairPermissions(t *testing.T) {
	app, _ := kpApp(t)
	name, _ := kpBusiestKey(t, app)
	helen := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	helen.Get("/keypairs?region=" + kpRegion)
	r := helen.PostForm("/keypairs/delete", url.Values{"region": {kpRegion}, "name": {name}, "confirm_in_use": {"1000"}})
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("helpdesk delete = %d, want 403", r.StatusCode)
	}
	denied := kpAudit(t, app, "access.delete_keys")
	if len(denied) != 1 || denied[0].Outcome != store.OutcomeDenied || denied[0].Username != "helen" {
		t.Errorf("audit = %+v, want one denied entry for helen", denied)
	}
	if app.Sandbox.Calls()["DeleteKeyPairs"] != 0 {
		t.Error("a refused delete reached the cloud")
	}

	line, _, _ := kpEd25519(t, "x")
	for _, path := range []string{"/keypairs/import", "/keypairs/create", "/keypairs/delete"} {
		r := helen.PostNoCSRF(path, url.Values{"region": {kpRegion}, "name": {"no-csrf"}, "public_key": {line}})
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without CSRF token = %d, want 403", path, r.StatusCode)
		}
	}
	if calls := app.Sandbox.Calls(); calls["ImportKeyPair"]+calls["CreateKeyPair"]+calls["DeleteKeyPairs"] != 0 {
		t.Errorf("requests without a CSRF token reached the cloud: %v", calls)
	}
	anon := app.Client(t)
	if r := anon.Get("/keypairs?region=" + kpRegion); r.StatusCode != http.StatusSeeOther {
		t.Errorf("signed out GET /keypairs = %d, want 303 to sign in", r.StatusCode)
	}
}

func TestKeypairListUsageAndRegionChooser(t *testing.T) {
	app, _ := kpApp(t)
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	r := c.Get("/keypairs")
	if r.StatusCode != http.StatusOK || r.Doc.Find(`[data-testid="keypair-region-form"] select[name="region"] option`).Length() < 5 {
		t.Fatalf("GET /keypairs = %d, want the region chooser", r.StatusCode)
	}

	name, n := kpBusiestKey(t, app)
	r = c.Get("/keypairs?region=" + kpRegion + "&q=" + url.QueryEscape(name))
	row := r.Doc.Find(`[data-testid="keypair-row"][data-name="` + name + `"]`)
	if got := strings.TrimSpace(row.Find(`[data-testid="keypair-in-use"]`).Text()); got != fmt.Sprintf("%d instances", n) {
		t.Errorf("%s used by %q, want %d instances", name, got, n)
	}
	line, _, _ := kpEd25519(t, "bulk")
	for i := range 20 {
		if _, err := app.Gateway.ImportKeyPair(context.Background(), kpRegion, fmt.Sprintf("bulk-%02d", i), line); err != nil {
			t.Fatal(err)
		}
	}
	total := len(app.Sandbox.KeyPairs(kpRegion))
	r = c.Get("/keypairs?region=" + kpRegion)
	if got := r.Doc.Find(`[data-testid="keypair-row"]`).Length(); got != 20 {
		t.Errorf("first page has %d rows, want 20", got)
	}
	r = c.Get("/keypairs?region=" + kpRegion + "&page=2")
	if got := r.Doc.Find(`[data-testid="keypair-row"]`).Length(); got != total-20 {
		t.Errorf("second page has %d rows, want %d", got, total-20)
	}
	if got := r.Doc.Find(`[data-testid="pager"]`).Text(); !strings.Contains(got, fmt.Sprintf("21–%d of %d key pairs", total, total)) {
		t.Errorf("pager = %q", got)
	}
	for q, want := range map[string]int{"bulk-1*": 10, "ulk-0": 10, "*-05": 1, "nothing-like-this": 0} {
		r = c.Get("/keypairs?region=" + kpRegion + "&q=" + url.QueryEscape(q))
		if got := r.Doc.Find(`[data-testid="keypair-row"]`).Length(); got != want {
			t.Errorf("search %q shows %d rows, want %d", q, got, want)
		}
		if got := r.Doc.Find(`[data-testid="keypairs-empty"]`).Text(); want == 0 && !strings.Contains(got, "No key pair name matches") {
			t.Errorf("empty search says %q", got)
		}
	}

	// The counts are counted in the background and kept a while; the page says when.
	if got := r.Doc.Find(`[data-testid="usage-counted"]`).Text(); !strings.Contains(got, "just now") {
		t.Errorf("usage note = %q, want it counted just now", got)
	}
	// Counting fails: the list still shows, with the counts from before and a note.
	app.Sandbox.AddFault(sandbox.Fault{Action: "DescribeInstances", Kind: sandbox.FaultUnavailable})
	app.Clock.Advance(5 * time.Minute)
	r = c.Get("/keypairs?region=" + kpRegion)
	if r.StatusCode != http.StatusOK || r.Doc.Find(`[data-testid="keypair-row"]`).Length() == 0 {
		t.Fatalf("list with failing counts = %d, want 200 with rows", r.StatusCode)
	}
	if got := strings.TrimSpace(r.Doc.Find(`[data-testid="keypair-in-use"]`).First().Text()); got == "—" {
		t.Errorf("in use = %q, want the count from before", got)
	}
	if got := r.Doc.Find(`[data-testid="usage-counted"]`).Text(); !strings.Contains(got, "5 minutes ago") {
		t.Errorf("usage note = %q, want it counted 5 minutes ago", got)
	}
	if r.Doc.Find(`[data-testid="usage-error"]`).Length() != 1 {
		t.Error("no note says the counts failed")
	}
	// A region never counted shows — and the note.
	r = c.Get("/keypairs?region=cn-shanghai")
	if got := strings.TrimSpace(r.Doc.Find(`[data-testid="keypair-in-use"]`).First().Text()); got != "—" {
		t.Errorf("in use in an uncounted region = %q, want —", got)
	}
	if r.Doc.Find(`[data-testid="usage-error"]`).Length() != 1 {
		t.Error("no note says the counts failed in the uncounted region")
	}
	// And a delete refuses to go ahead blind.
	a := app.SignIn(t, "admin", testapp.AdminPassword)
	a.Get("/keypairs?region=" + kpRegion)
	if r := a.PostForm("/keypairs/delete", url.Values{"region": {kpRegion}, "name": {name}}); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("delete while counts fail = %d, want 503", r.StatusCode)
	}
	if app.Sandbox.Calls()["DeleteKeyPairs"] != 0 {
		t.Error("a delete went ahead without a count")
	}
}

func TestKeypairImportUnknownOutcome(t *testing.T) {
	app, _ := kpApp(t)
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	line, _, _ := kpEd25519(t, "x")
	app.Sandbox.AddFault(sandbox.Fault{Action: "ImportKeyPair", Kind: sandbox.FaultDrop})
	c.Get("/keypairs/import?region=" + kpRegion)
	r := c.PostForm("/keypairs/import", url.Values{"region": {kpRegion}, "name": {"lost-answer"}, "public_key": {line}})
	if r.StatusCode < 500 || !strings.Contains(r.Doc.Find(`[data-testid="import-error"]`).Text(), "It is not known whether ECS imported lost-answer") {
		t.Errorf("dropped answer = %d %q, want 5xx saying the outcome is unknown", r.StatusCode, r.Doc.Find(`[data-testid="import-error"]`).Text())
	}
	if e := kpAudit(t, app, "ImportKeyPair"); len(e) != 2 || e[1].Outcome != "unknown" {
		t.Errorf("audit = %+v, want intent then unknown", e)
	}
}

func TestKeypairHostileNamesAreText(t *testing.T) {
	app, _ := kpApp(t)
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	c.Get("/keypairs/import?region=" + kpRegion)
	hostile := `<script>alert(1)</script>`
	r := c.PostForm("/keypairs/import", url.Values{"region": {kpRegion}, "name": {hostile}, "public_key": {"x"}})
	if strings.Contains(r.Body, hostile) {
		t.Error("the name is echoed as markup")
	}
}
