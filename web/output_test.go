package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

// hostileNames are instance names an attacker who controls an instance can
// set in the cloud.
var hostileNames = []string{
	`<script>alert(1)</script>`,
	`" onmouseover="x`,
	`'><img src=x onerror=alert(1)>`,
	strings.Repeat("长", 64) + strings.Repeat("W", 64), // 128 characters, the ECS maximum
	"生产服务器-Ω-مرحبا-серверный",
}

// SECURITY.md, Output: attacker-controlled instance names render as inert
// text on the instance list (page and htmx fragment), and so does a filter
// value reflected into the page.
func TestHostileInstanceNamesRenderAsText(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	const region = "cn-hangzhou"
	keys := app.Sandbox.KeyPairs(region)
	if len(keys) == 0 {
		t.Fatal("the sandbox seeded no key pairs in " + region)
	}
	instances := app.Sandbox.Instances(region)
	named := map[string]string{} // instance ID -> name
	for i, name := range hostileNames {
		id := instances[i].InstanceID
		if _, err := app.Sandbox.UpdateInstance(region, id, sandbox.InstanceUpdate{InstanceName: &name}); err != nil {
			t.Fatal(err)
		}
		named[id] = name
	}
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	list := "/bind/instances?" + url.Values{"region": {region}, "key": {keys[0].Name}}.Encode()

	check := func(t *testing.T, r *testapp.Response, nonce string) {
		t.Helper()
		if r.StatusCode != 200 || r.Doc == nil {
			t.Fatalf("status %d, want a 200 HTML page; body %.300s", r.StatusCode, r.Body)
		}
		for id, name := range named {
			row := r.Doc.Find(`[data-testid="instance-row"][data-instance-id="` + id + `"]`)
			if row.Length() != 1 {
				t.Errorf("no row for %s (%q)", id, name)
				continue
			}
			label := row.Find(`label[for="sel-` + id + `"]`)
			if got := label.Text(); got != name {
				t.Errorf("row %s shows %q, want the name %q as text", id, got, name)
			}
			if got, _ := label.Attr("title"); got != name {
				t.Errorf("row %s title %q, want %q", id, got, name)
			}
		}
		if n := r.Doc.Find("img").Length(); n != 0 {
			t.Errorf("%d <img> elements, want none (one came from data)", n)
		}
		r.Doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if src, ok := s.Attr("src"); !ok || strings.TrimSpace(s.Text()) != "" {
				t.Errorf("<script src=%q>%s</script> came from data", src, s.Text())
			}
		})
		if nonce != "" {
			checkInertMarkup(t, r.Doc, nonce)
		} else {
			r.Doc.Find("[onmouseover], [onerror]").Each(func(_ int, s *goquery.Selection) {
				t.Errorf("<%s> has an event handler attribute from data", goquery.NodeName(s))
			})
		}
		for _, raw := range []string{`<script>alert(1)`, `<img src=x`, `" onmouseover="x"`} {
			if strings.Contains(r.Body, raw) {
				t.Errorf("body contains %q unescaped", raw)
			}
		}
		if !strings.Contains(r.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Error("body lacks the escaped script name &lt;script&gt;…")
		}
	}

	t.Run("page", func(t *testing.T) {
		r := c.Get(list)
		m := cspPattern.FindStringSubmatch(r.Header.Get("Content-Security-Policy"))
		if m == nil {
			t.Fatal("no CSP")
		}
		check(t, r, m[1])
	})
	t.Run("htmx fragment", func(t *testing.T) {
		check(t, c.GetHTMX(list), "")
	})
	t.Run("reflected filter", func(t *testing.T) {
		for _, name := range hostileNames[:3] {
			r := c.Get(list + "&" + url.Values{"name": {name}}.Encode())
			if r.StatusCode != 200 && r.StatusCode != 422 {
				t.Fatalf("filter %q: status %d, want 200 or 422", name, r.StatusCode)
			}
			if got, _ := r.Doc.Find(`[data-testid="instance-filter"] input[name="name"]`).Attr("value"); got != name {
				t.Errorf("filter field value %q, want %q", got, name)
			}
			if n := r.Doc.Find("img, [onmouseover], [onerror]").Length(); n != 0 {
				t.Errorf("filter %q: %d elements from data", name, n)
			}
			if strings.Contains(r.Body, `<script>alert(1)`) {
				t.Errorf("filter %q is reflected unescaped", name)
			}
		}
	})
}
