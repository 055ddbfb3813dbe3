package web_test

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/i18n"
	"keybind/internal/testapp"
)

// allowedLatin are the words a Chinese page may show in Latin letters:
// names of products, protocols and formats, and units. Anything read from
// the cloud or typed by people (instance names, key pair names, user names,
// IDs) is marked translate="no" or is in <code>, and is skipped.
var allowedLatin = map[string]bool{
	"keybind": true, "ECS": true, "SSH": true, "RSA": true, "HTTP": true, "ID": true, "IDs": true, "API": true,
	"CSV": true, "JSON": true, "UTC": true, "CST": true, "IP": true, "IPv": true, "Linux": true, "Windows": true,
	"Alibaba": true, "Cloud": true, "OpenSSH": true, "MD": true, "SHA": true, "PEM": true, "kb": true,
	"Bearer": true, "Authorization": true, "ed": true, "key": true, "value": true, "htmx": true, "RAM": true,
	"STS": true, "Secret": true, "External": true, "ARN": true, "MB": true, "KiB": true, "SSO": true, "OpenID": true, "Connect": true, "Enter": true, "Esc": true,
	"tag": true, "OS": true, "VPC": true, "vCPU": true, "IANA": true, "Asia": true, "Shanghai": true,
	// examples of data in placeholders
	"web": true, "db": true, "alice": true,
	// command-line and key format names
	"ssh": true, "chmod": true, "group": true, "everyone": true, "rsa": true, "ecdsa": true, "keygen": true, "lf": true, "env": true, "prod": true, "ops": true, "CHG": true, "bp": true,
}

var latinWord = regexp.MustCompile(`[A-Za-z][A-Za-z]+`)

// dataPattern finds identifiers in running text: instance IDs, region and
// zone IDs, instance types, IP-less host names.
var dataPattern = regexp.MustCompile(`/[a-z0-9/.*-]+|\bi-[a-z0-9…]+|\b[a-z]{2}-[a-z]+(-[0-9a-z]+)?\b|\becs\.[a-z0-9.-]+`)

// untranslated returns the Latin-letter words of a page that are not
// allowed, with a little context, skipping what is data (code, elements
// marked translate="no", elements in another language such as the language
// switch's buttons).
func untranslated(doc *goquery.Document, data []string) []string {
	doc.Find(`script, style, code, pre, kbd, samp, textarea, [translate="no"], body [lang], title`).Remove()
	var out []string
	check := func(where, s string) {
		for _, d := range data {
			s = strings.ReplaceAll(s, d, " ")
		}
		s = dataPattern.ReplaceAllString(s, " ")
		for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r > 0x2000 }) {
			if missingMessage(tok) {
				out = append(out, fmt.Sprintf("%s: message %q is not in the catalogue", where, tok))
				continue
			}
			if identifier(tok) {
				continue
			}
			for _, w := range latinWord.FindAllString(tok, -1) {
				if !allowedLatin[w] {
					out = append(out, fmt.Sprintf("%s %q in %q", where, w, snippet(s, w)))
				}
			}
		}
	}
	doc.Find("body *").Each(func(_ int, el *goquery.Selection) {
		for _, n := range el.Nodes {
			for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
				if ch.Type == 1 { // text node
					check("text", ch.Data)
				}
			}
		}
		for _, attr := range []string{"placeholder", "title", "aria-label", "alt", "data-send-error"} {
			if v, ok := el.Attr(attr); ok {
				check(attr, v)
			}
		}
		if el.Is(`input[type="submit"], input[type="button"]`) {
			v, _ := el.Attr("value")
			check("value", v)
		}
	})
	return out
}

var messageID = regexp.MustCompile(`^([a-z][a-z0-9_]*)\.[A-Za-z0-9_.-]+$`)

// sections are the first parts of the catalogue's message IDs.
var sections = func() map[string]bool {
	out := map[string]bool{}
	for _, id := range i18n.MessageIDs(i18n.English) {
		out[strings.SplitN(id, ".", 2)[0]] = true
	}
	return out
}()

// missingMessage reports whether a token is a message ID shown as itself:
// what T shows for a message the catalogue does not have.
func missingMessage(tok string) bool {
	m := messageID.FindStringSubmatch(tok)
	return m != nil && sections[m[1]] && !strings.HasSuffix(tok, ".pub") && !strings.HasSuffix(tok, ".pem")
}

// identifier reports whether a token is a name rather than a word: it has
// digits, '@', '_' or '.' inside, or capitals inside (AttachKeyPair).
func identifier(tok string) bool {
	tok = strings.TrimRight(strings.TrimLeft(tok, "(\"'"), ".,;:()!?\"'")
	if strings.ContainsAny(tok, "0123456789@_.") {
		return true
	}
	caps := 0
	for i, r := range tok {
		if i > 0 && unicode.IsUpper(r) {
			caps++
		}
	}
	return caps > 0 && !strings.ContainsAny(tok, "-")
}

func snippet(s, w string) string {
	s = strings.Join(strings.Fields(s), " ")
	i := strings.Index(s, w)
	return s[max(0, i-30):min(len(s), i+len(w)+30)]
}

// Every page, walked in Simplified Chinese, shows no untranslated English:
// the route table is walked, so a new page without an address here fails.
func TestEveryPageInChinese(t *testing.T) { walkEveryPage(t, "zh-CN", untranslated) }

// Every page, walked in English, shows no Chinese but for data (names from
// the cloud) and the language switch (marked lang="zh-CN").
func TestEveryPageInEnglish(t *testing.T) { walkEveryPage(t, "en", chineseLeft) }

var han = regexp.MustCompile(`\p{Han}+`)

// chineseLeft returns the Chinese words of an English page that are not
// data.
func chineseLeft(doc *goquery.Document, data []string) []string {
	doc.Find(`script, style, code, pre, kbd, samp, textarea, [translate="no"], body [lang], title`).Remove()
	var out []string
	check := func(where, s string) {
		for _, d := range data {
			s = strings.ReplaceAll(s, d, " ")
		}
		for _, w := range han.FindAllString(s, -1) {
			out = append(out, fmt.Sprintf("%s %q in %q", where, w, snippet(s, w)))
		}
	}
	doc.Find("body *").Each(func(_ int, el *goquery.Selection) {
		for _, n := range el.Nodes {
			for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
				if ch.Type == 1 {
					check("text", ch.Data)
				}
			}
		}
		for _, attr := range []string{"placeholder", "title", "aria-label", "alt", "data-send-error"} {
			if v, ok := el.Attr(attr); ok {
				check(attr, v)
			}
		}
	})
	return out
}

// walkEveryPage visits every page of the route table as an administrator
// whose browser asks for lang, and reports what bad finds on each.
func walkEveryPage(t *testing.T, lang string, bad func(*goquery.Document, []string) []string) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 30})
	jobID, failed := app.BoundJob(t, 12, 2)
	key := app.FirstKey(t)
	region := testapp.Region
	ids := app.LinuxInstances(t, 3)

	// What people and the cloud named (shown as it is, in any language).
	data := []string{"admin", "helen", "default"}
	for _, k := range app.Sandbox.KeyPairs(region) {
		data = append(data, k.Name)
	}
	for _, in := range app.Sandbox.Instances(region) {
		data = append(data, in.InstanceName)
	}
	slices.SortFunc(data, func(a, b string) int { return len(b) - len(a) }) // longest first
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	admin.Lang = lang
	admin.Get("/")
	rk := url.Values{"region": {region}, "key": {key}}.Encode()
	admin.PostHTMX("/bind/selection/paste", url.Values{"region": {region}, "key": {key}, "ids": {strings.Join(ids, "\n")}})
	var haveKey []string
	for _, in := range app.Sandbox.Instances(region) {
		if in.KeyPairName == key {
			haveKey = append(haveKey, in.InstanceID)
		}
	}
	admin.PostHTMX("/bind/selection/paste", url.Values{"region": {region}, "key": {key}, "mode": {"unbind"}, "ids": {strings.Join(haveKey, "\n")}})

	job := fmt.Sprint(jobID)
	pages := map[string][]string{
		"/":                     {"/"},
		"/account":              {"/account"},
		"/bind":                 {"/bind"},
		"/bind/key":             {"/bind/key?region=" + region},
		"/bind/instances":       {"/bind/instances?" + rk, "/bind/instances?" + rk + "&status=Stopped"},
		"/bind/review":          {"/bind/review?" + rk},
		"/unbind/review":        {"/unbind/review?" + rk},
		"/jobs":                 {"/jobs", "/jobs?state=unfinished"},
		"/jobs/:id":             {"/jobs/" + job, "/jobs/" + job + "?group=failed", "/jobs/" + job + "?q=" + failed[0]},
		"/jobs/:id/grid":        {"/jobs/" + job + "/grid"},
		"/jobs/:id/changes":     {"/jobs/" + job + "/changes?rev=0"},
		"/jobs/:id/rollback":    {"/jobs/" + job + "/rollback"},
		"/keypairs":             {"/keypairs?region=" + region},
		"/keypairs/key":         {"/keypairs/key?" + url.Values{"region": {region}, "name": {key}}.Encode()},
		"/keypairs/import":      {"/keypairs/import?region=" + region},
		"/keypairs/create":      {"/keypairs/create?region=" + region},
		"/users":                {"/users"},
		"/audit":                {"/audit"},
		"/sandbox":              {"/sandbox"},
		"/login":                {},
		"/healthz":              {},
		"/readyz":               {},
		"/metrics":              {},
		"/accounts":             {"/accounts"},
		"/accounts/choose":      {"/accounts/choose"},
		"/favicon.ico":          {},
		"/static/*":             {},
		"/jobs/export.csv":      {},
		"/jobs/export.json":     {},
		"/jobs/:id/export.csv":  {},
		"/jobs/:id/export.json": {},
		"/audit/export.csv":     {},
		"/audit/export.json":    {},
	}
	var missing []string
	for _, r := range app.Web.Routes() {
		if r.Method != "GET" || strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		if _, ok := pages[r.Path]; !ok {
			missing = append(missing, r.Path)
		}
	}
	if len(missing) > 0 {
		t.Errorf("pages with no address to walk: %v", missing)
	}
	var paths []string
	for _, list := range pages {
		paths = append(paths, list...)
	}
	sort.Strings(paths)
	anon := app.Client(t)
	anon.Lang = lang
	walk := []struct {
		c    *testapp.Client
		path string
	}{{anon, "/login"}, {anon, "/login?changed=1"}, {admin, "/no/such/page"}, {admin, "/jobs/999999"}}
	for _, p := range paths {
		walk = append(walk, struct {
			c    *testapp.Client
			path string
		}{admin, p})
	}
	for _, w := range walk {
		r := w.c.Get(w.path)
		if r.Doc == nil {
			t.Errorf("%s: %d, not HTML", w.path, r.StatusCode)
			continue
		}
		if got, _ := r.Doc.Find("html").Attr("lang"); strings.Contains(r.Body, "<html") && got != lang {
			t.Errorf("%s: <html lang=%q>, want %s", w.path, got, lang)
		}
		if bad := bad(r.Doc, data); len(bad) > 0 {
			bad = slices.Compact(bad)
			t.Errorf("%s (%d): %d untranslated words:\n  %s", w.path, r.StatusCode, len(bad), strings.Join(bad[:min(len(bad), 40)], "\n  "))
		}
	}
}

// The pages and messages that answer actions, in Chinese: confirmations,
// forms shown again with their errors, one-time secrets, flash messages.
func TestActionAnswersInChinese(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 30})
	jobID, _ := app.BoundJob(t, 12, 2)
	key := app.FirstKey(t)
	region := testapp.Region
	data := []string{"admin", "helen", "default", "zoe", "ci-bot", "nightly", `"Instance ID"`, `"nothing here"`, `"header"`}
	for _, k := range app.Sandbox.KeyPairs(region) {
		data = append(data, k.Name)
	}
	for _, in := range app.Sandbox.Instances(region) {
		data = append(data, in.InstanceName)
	}
	slices.SortFunc(data, func(a, b string) int { return len(b) - len(a) })

	c := app.SignIn(t, "admin", testapp.AdminPassword)
	c.Lang = "zh-CN"
	c.Get("/")
	job := fmt.Sprint(jobID)
	ids := app.LinuxInstances(t, 3)
	rk := url.Values{"region": {region}, "key": {key}}
	check := func(what string, r *testapp.Response) {
		t.Helper()
		if r.Doc == nil {
			t.Errorf("%s: %d, not HTML", what, r.StatusCode)
			return
		}
		if bad := untranslated(r.Doc, data); len(bad) > 0 {
			t.Errorf("%s (%d): %d untranslated words:\n  %s", what, r.StatusCode, len(bad), strings.Join(bad[:min(len(bad), 20)], "\n  "))
		}
	}
	follow := func(what string, r *testapp.Response) {
		t.Helper()
		if loc := r.Header.Get("Location"); loc != "" {
			check(what+" → "+loc, c.Get(loc))
			return
		}
		check(what, r)
	}
	check("restart confirmation", c.PostForm("/jobs/"+job+"/reboot-all", nil))
	check("cancel confirmation", c.PostForm("/jobs/"+job+"/cancel", nil))
	follow("pause", c.PostForm("/jobs/"+job+"/pause", nil))
	follow("resume", c.PostForm("/jobs/"+job+"/resume", nil))
	check("paste with an error", c.PostHTMX("/bind/selection/paste", url.Values{"region": {region}, "key": {key}, "ids": {"Instance ID\nnothing here"}}))
	check("paste", c.PostHTMX("/bind/selection/paste", url.Values{"region": {region}, "key": {key}, "ids": {strings.Join(ids, "\n") + "\ni-doesnotexist1\nheader"}}))
	review := c.Get("/bind/review?" + rk.Encode())
	idem, _ := review.Doc.Find(`input[name="idempotency_key"]`).Attr("value")
	check("review without the acknowledgement", c.PostForm("/jobs", url.Values{"region": {region}, "key": {key}, "idempotency_key": {idem}, "after": {"restart"}, "window": {"x"}, "max_errors": {"-1"}}))
	check("key pair created", c.PostForm("/keypairs/create", url.Values{"region": {region}, "name": {"zoe"}}))
	check("key pair name refused", c.PostForm("/keypairs/create", url.Values{"region": {region}, "name": {"9 bad name"}}))
	check("key pair in use, not deleted", c.PostForm("/keypairs/delete", url.Values{"region": {region}, "name": {key}}))
	check("user created", c.PostForm("/users", url.Values{"name": {"ci-bot"}, "role": {"helpdesk"}}))
	check("user name refused", c.PostForm("/users", url.Values{"name": {"9x"}, "role": {"helpdesk"}}))
	follow("user disabled", c.PostForm("/users/ci-bot/disable", nil))
	check("token created", c.PostForm("/account/tokens", url.Values{"name": {"nightly"}, "expires_days": {"30"}}))
	check("token refused", c.PostForm("/account/tokens", url.Values{"name": {"x"}, "expires_days": {"9999"}}))
	check("time zone refused", c.PostForm("/account/preferences", url.Values{"language": {"zh-CN"}, "time_zone": {"Mars/Base"}}))
	check("password refused", c.PostForm("/account/password", url.Values{"current": {"wrong"}, "next": {"short"}, "confirm": {"short"}}))
	follow("sandbox clock", c.PostForm("/sandbox/advance", url.Values{"seconds": {"60"}}))
	check("sandbox fault refused", c.PostForm("/sandbox/faults", url.Values{"kind": {"drop"}, "count": {"0"}, "probability": {"0"}, "latency_ms": {"0"}}))
	check("cloud account refused", c.PostForm("/accounts", url.Values{"name": {"-bad name"}, "access_key_id": {"x"}}))
	check("cloud account tested", c.PostForm("/accounts/default/test", nil))
	follow("cloud account granted", c.PostForm("/accounts/default/grants", url.Values{"subject": {"helen"}}))
	follow("language saved", c.PostForm("/account/preferences", url.Values{"language": {"zh-CN"}, "time_zone": {"Asia/Shanghai"}}))
	check("wrong password at sign-in", func() *testapp.Response {
		anon := app.Client(t)
		anon.Lang = "zh-CN"
		anon.Get("/login")
		return anon.PostForm("/login", url.Values{"username": {"helen"}, "password": {"wrong password"}})
	}())
}

// The walkers know a message ID shown as itself from names with dots.
func TestMissingMessageIsFound(t *testing.T) {
	for tok, want := range map[string]bool{"tokens.nosuch": true, "review.h_bind": true, "key.pub": false, "10.0.0.5": false, "user.role.sso": false, "cn-hangzhou": false} {
		if got := missingMessage(tok); got != want {
			t.Errorf("missingMessage(%q) = %v, want %v", tok, got, want)
		}
	}
}
