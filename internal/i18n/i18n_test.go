package i18n_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"keybind/internal/i18n"
)

// Every message exists in every language: a message added in one file only
// fails here, naming it.
func TestSameIDs(t *testing.T) {
	en := i18n.MessageIDs(i18n.English)
	if len(en) < 50 {
		t.Fatalf("en has %d messages, want the whole catalogue", len(en))
	}
	for _, l := range i18n.Languages[1:] {
		other := i18n.MessageIDs(l.Code)
		for _, id := range en {
			if _, ok := slices.BinarySearch(other, id); !ok {
				t.Errorf("%s is in en.toml but not in %s.toml", id, l.Code)
			}
		}
		for _, id := range other {
			if _, ok := slices.BinarySearch(en, id); !ok {
				t.Errorf("%s is in %s.toml but not in en.toml", id, l.Code)
			}
		}
	}
}

// Each message has the plural forms its language needs (CLDR: English one
// and other, Chinese other only), and the same placeholders in every
// language.
func TestPluralFormsAndPlaceholders(t *testing.T) {
	en, err := i18n.Messages(i18n.English)
	if err != nil {
		t.Fatal(err)
	}
	zh, err := i18n.Messages(i18n.Chinese)
	if err != nil {
		t.Fatal(err)
	}
	for id, m := range en {
		if m.Other == "" {
			t.Errorf("en %s has no other form", id)
		}
		z := zh[id]
		if z == nil {
			continue // TestSameIDs names it
		}
		if z.Other == "" {
			t.Errorf("zh-CN %s has no other form", id)
		}
		if z.One != "" {
			t.Errorf("zh-CN %s has a one form; Chinese has no plural forms", id)
		}
		if a, b := placeholders(m.Other+m.One), placeholders(z.Other); !slices.Equal(a, b) {
			t.Errorf("%s: placeholders en %v, zh-CN %v", id, a, b)
		}
	}
}

func placeholders(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "{{.")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			break
		}
		out = append(out, s[i+3:i+j])
		s = s[i+j+2:]
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestChoose(t *testing.T) {
	tests := []struct {
		name, saved, cookie, accept, want string
	}{
		{"nothing: English", "", "", "", i18n.English},
		{"browser asks for Chinese", "", "", "zh-CN,zh;q=0.9,en;q=0.8", i18n.Chinese},
		{"browser asks for Taiwanese Mandarin: still Chinese", "", "", "zh-TW", i18n.Chinese},
		{"browser asks for French then English", "", "", "fr-FR,en;q=0.5", i18n.English},
		{"browser asks for French only: English", "", "", "fr", i18n.English},
		{"cookie beats the browser", "", "en", "zh-CN", i18n.English},
		{"saved choice beats the cookie", "zh-CN", "en", "en", i18n.Chinese},
		{"a bad cookie is ignored", "", "xx", "zh", i18n.Chinese},
		{"a malformed header is ignored", "", "", ";;;q=x", i18n.English},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := i18n.Choose(tt.saved, tt.cookie, tt.accept); got != tt.want {
				t.Errorf("Choose(%q, %q, %q) = %q, want %q", tt.saved, tt.cookie, tt.accept, got, tt.want)
			}
		})
	}
}

func TestPluralsAndNumbers(t *testing.T) {
	en, zh := i18n.New(i18n.English), i18n.New(i18n.Chinese)
	tests := []struct {
		l    *i18n.Localizer
		n    int
		want string
	}{
		{en, 1, "1 region reported by the cloud."},
		{en, 2, "2 regions reported by the cloud."},
		{en, 0, "0 regions reported by the cloud."},
		{en, 12345, "12,345 regions reported by the cloud."},
		{zh, 1, "云端报告了 1 个地域。"},
		{zh, 12345, "云端报告了 12,345 个地域。"},
	}
	for _, tt := range tests {
		if got := tt.l.T("dashboard.regions_count", "Count", tt.n); got != tt.want {
			t.Errorf("%s, %d: got %q, want %q", tt.l.Lang(), tt.n, got, tt.want)
		}
	}
}

func TestMissingMessageShowsItsID(t *testing.T) {
	if got := i18n.New(i18n.Chinese).T("no.such.message"); got != "no.such.message" {
		t.Errorf("got %q, want the ID", got)
	}
}

func TestEnglishFindsTheMessage(t *testing.T) {
	zh := i18n.New(i18n.Chinese)
	if got := zh.English("Wrong username or password."); got != "用户名或密码错误。" {
		t.Errorf("got %q", got)
	}
	if got := zh.English("words the catalogue does not have"); got != "words the catalogue does not have" {
		t.Errorf("unknown words changed: %q", got)
	}
	if got := i18n.New(i18n.English).English("Wrong username or password."); got != "Wrong username or password." {
		t.Errorf("English changed: %q", got)
	}
}

func TestTimeInZone(t *testing.T) {
	at := time.Date(2026, 11, 29, 23, 56, 0, 0, time.UTC)
	l := i18n.New(i18n.Chinese)
	if got := l.Time(at); got != "2026-11-29 23:56 UTC" {
		t.Errorf("UTC: %q", got)
	}
	sh, ok := i18n.LoadZone("Asia/Shanghai")
	if !ok {
		t.Fatal("Asia/Shanghai not found")
	}
	if got := l.InZone(sh).Time(at); got != "2026-11-30 07:56 CST" {
		t.Errorf("Shanghai: %q", got)
	}
	for _, bad := range []string{"", "Local", "Mars/Base", "../../etc/passwd"} {
		if _, ok := i18n.LoadZone(bad); ok {
			t.Errorf("LoadZone(%q) accepted", bad)
		}
	}
}

func TestContext(t *testing.T) {
	if got := i18n.From(context.Background()).Lang(); got != i18n.English {
		t.Errorf("no localizer: %q, want en", got)
	}
	ctx := i18n.With(context.Background(), i18n.New("zh"))
	if got := i18n.T(ctx, "nav.jobs"); got != "任务" {
		t.Errorf("T: %q", got)
	}
}

// A Localizer is shared by the goroutines of a request (and the English
// default by all): words and numbers from many at once (run with -race).
func TestLocalizerIsSafeToShare(t *testing.T) {
	l := i18n.From(context.Background())
	done := make(chan string)
	for range 8 {
		go func() { done <- l.T("dashboard.regions_count", "Count", 12345) }()
	}
	for range 8 {
		if got := <-done; got != "12,345 regions reported by the cloud." {
			t.Errorf("got %q", got)
		}
	}
}
