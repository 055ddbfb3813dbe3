// Package i18n is the console's message catalogue: every word a person reads,
// in English and Simplified Chinese, with CLDR plural rules (go-i18n) and
// numbers formatted per language (x/text/message). Messages are whole
// sentences with named placeholders, never sentences glued from pieces.
//
// A Localizer is chosen per request (the person's saved language, else the
// lang cookie, else Accept-Language) and travels in the request's context,
// so templ components call T(ctx, id, ...) and handlers call l.T(id, ...).
// docs/I18N.md says how to add a message.
package i18n

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones on machines without a zoneinfo database

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The languages the console speaks, by the code pages, cookies and the
// database use.
const (
	English = "en"
	Chinese = "zh-CN"
)

// Lang is one language the console offers, named in itself.
type Lang struct {
	Code string // "en", "zh-CN"
	Name string // "English", "简体中文"
}

// Languages are the languages offered, English first (the default).
var Languages = []Lang{{Code: English, Name: "English"}, {Code: Chinese, Name: "简体中文"}}

//go:embed locales/*.toml
var locales embed.FS

// tags are the languages' tags, in the order of Languages; the matcher's
// first entry is its default.
var tags = []language.Tag{language.English, language.SimplifiedChinese}

// catalogue is every message in every language, loaded once at start; it
// is never written afterwards.
var catalogue = mustLoad()

type loaded struct {
	bundle  *goi18n.Bundle
	matcher language.Matcher
	ids     map[string][]string // language code → message IDs, sorted
	// byEnglish finds a message by its English words, for text made in
	// English below the edge (an error's message, a cloud error's words
	// kept with a job item); only messages without placeholders.
	byEnglish map[string]string
	// plain holds, per language code, the messages that are one fixed
	// text (no placeholder, no plural forms): most of a page's words, read
	// without running go-i18n's template machinery.
	plain map[string]map[string]string
	// simple holds, per language code, the messages whose placeholders are
	// all plain {{.Name}} and whose forms are one and other: filled in
	// without go-i18n's templates (TestSimpleMessagesReadAsGoI18n).
	simple map[string]map[string]simpleMessage
	// localizers are go-i18n's, one per language, made once: making one
	// parses its language tags (a Localizer only reads, so it is shared).
	localizers map[string]*goi18n.Localizer
}

// simpleMessage is a message of literal text and {{.Name}} placeholders,
// with the English "one" form when it has one.
type simpleMessage struct{ one, other []segment }

// segment is literal text, or (name != "") a placeholder.
type segment struct{ text, name string }

// placeholder is a {{.Name}} action; a message with any other action is
// left to go-i18n.
var placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// parseSimple splits a form into segments; ok is false when it holds an
// action that is not a plain placeholder.
func parseSimple(form string) (segs []segment, ok bool) {
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(form, -1) {
		if lit := form[last:m[0]]; lit != "" {
			segs = append(segs, segment{text: lit})
		}
		segs = append(segs, segment{name: form[m[2]:m[3]]})
		last = m[1]
	}
	if lit := form[last:]; lit != "" {
		segs = append(segs, segment{text: lit})
	}
	for _, sg := range segs {
		if sg.name == "" && (strings.Contains(sg.text, "{{") || strings.Contains(sg.text, "}}")) {
			return nil, false
		}
	}
	return segs, true
}

func mustLoad() *loaded {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	ids := map[string][]string{}
	byEnglish := map[string]string{}
	plain := map[string]map[string]string{}
	simple := map[string]map[string]simpleMessage{}
	entries, err := fs.ReadDir(locales, "locales")
	if err != nil {
		panic(fmt.Sprintf("i18n: read locales: %v", err))
	}
	for _, e := range entries {
		raw, err := locales.ReadFile(path.Join("locales", e.Name()))
		if err != nil {
			panic(fmt.Sprintf("i18n: read %s: %v", e.Name(), err))
		}
		mf, err := b.ParseMessageFileBytes(raw, e.Name())
		if err != nil {
			panic(fmt.Sprintf("i18n: parse %s: %v", e.Name(), err))
		}
		code := strings.TrimSuffix(e.Name(), ".toml")
		plain[code] = map[string]string{}
		simple[code] = map[string]simpleMessage{}
		for _, m := range mf.Messages {
			ids[code] = append(ids[code], m.ID)
			if m.Zero == "" && m.One == "" && m.Two == "" && m.Few == "" && m.Many == "" && !strings.Contains(m.Other, "{{") {
				plain[code][m.ID] = m.Other
			}
			if m.Zero == "" && m.Two == "" && m.Few == "" && m.Many == "" && m.Other != "" && (code == English || m.One == "") {
				other, okOther := parseSimple(m.Other)
				one, okOne := parseSimple(m.One)
				if okOther && okOne {
					simple[code][m.ID] = simpleMessage{one: one, other: other}
				}
			}
			if code == English && m.Other != "" && !strings.Contains(m.Other, "{{") {
				if _, dup := byEnglish[m.Other]; !dup {
					byEnglish[m.Other] = m.ID
				}
			}
		}
		slices.Sort(ids[code])
	}
	localizers := map[string]*goi18n.Localizer{}
	for _, l := range Languages {
		localizers[l.Code] = goi18n.NewLocalizer(b, l.Code, English)
	}
	return &loaded{bundle: b, matcher: language.NewMatcher(tags), ids: ids, byEnglish: byEnglish, plain: plain, simple: simple,
		localizers: localizers}
}

// MessageIDs returns the IDs of the messages of one language (a file in
// locales/), sorted; tests compare the languages.
func MessageIDs(code string) []string { return slices.Clone(catalogue.ids[code]) }

// Messages returns a language's messages as parsed from its file, for tests
// that check plural forms.
func Messages(code string) (map[string]*goi18n.Message, error) {
	raw, err := locales.ReadFile(path.Join("locales", code+".toml"))
	if err != nil {
		return nil, err
	}
	mf, err := goi18n.ParseMessageFileBytes(raw, code+".toml", map[string]goi18n.UnmarshalFunc{"toml": toml.Unmarshal})
	if err != nil {
		return nil, err
	}
	out := make(map[string]*goi18n.Message, len(mf.Messages))
	for _, m := range mf.Messages {
		out[m.ID] = m
	}
	return out, nil
}

// Normalize returns the language code a value names (a cookie, a form
// field, a saved choice): "zh-CN", "zh", "zh-Hans" → "zh-CN"; ok is false
// for a language the console does not offer.
func Normalize(s string) (code string, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "en", "en-us", "en-gb":
		return English, true
	case "zh-cn", "zh", "zh-hans", "zh-hans-cn", "zh-sg":
		return Chinese, true
	}
	return "", false
}

// Choose picks the language for a request: the person's saved choice,
// else the lang cookie, else the best match for Accept-Language, else
// English.
func Choose(saved, cookie, acceptLanguage string) string {
	for _, v := range []string{saved, cookie} {
		if code, ok := Normalize(v); ok {
			return code
		}
	}
	if acceptLanguage != "" {
		prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(prefs) > 0 {
			_, i, conf := catalogue.matcher.Match(prefs...)
			if conf != language.No {
				return Languages[i].Code
			}
		}
	}
	return English
}

// Localizer speaks one language and shows times in one time zone.
type Localizer struct {
	code string
	tag  language.Tag
	loc  *goi18n.Localizer
	zone *time.Location
}

// New returns a Localizer for a language code (English when the code is not
// offered), showing times in UTC.
func New(code string) *Localizer {
	code, ok := Normalize(code)
	if !ok {
		code = English
	}
	tag := tags[slices.IndexFunc(Languages, func(l Lang) bool { return l.Code == code })]
	return &Localizer{code: code, tag: tag, loc: catalogue.localizers[code], zone: time.UTC}
}

// InZone returns a copy of l that shows times in zone (UTC when nil).
func (l *Localizer) InZone(zone *time.Location) *Localizer {
	c := *l
	if zone == nil {
		zone = time.UTC
	}
	c.zone = zone
	return &c
}

// Lang is the language's code, for <html lang> and the language switch.
func (l *Localizer) Lang() string { return l.code }

// Zone is the time zone times are shown in.
func (l *Localizer) Zone() *time.Location { return l.zone }

// T returns the message id in l's language. kv are the placeholders, as
// name, value pairs: T("jobs.count", "Count", 3). An integer named Count
// also picks the plural form (CLDR rules); integers are formatted for the
// language. A message missing from the catalogue shows its ID, which the
// tests catch.
func (l *Localizer) T(id string, kv ...any) string {
	if len(kv) == 0 {
		if s, ok := catalogue.plain[l.code][id]; ok {
			return s
		}
		if _, found := slices.BinarySearch(catalogue.ids[l.code], id); !found {
			if s, ok := catalogue.plain[English][id]; ok {
				return s // not in this language: English, as go-i18n falls back
			}
		}
	}
	if s, ok := l.fillSimple(id, kv); ok {
		return s
	}
	return l.localize(id, kv)
}

// localize is T through go-i18n.
func (l *Localizer) localize(id string, kv []any) string {
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if len(kv) > 0 {
		data := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			name, _ := kv[i].(string)
			v := kv[i+1]
			if n, ok := asInt(v); ok {
				if name == "Count" {
					cfg.PluralCount = n
				}
				v = l.Number(n)
			}
			data[name] = v
		}
		cfg.TemplateData = data
	}
	s, err := l.loc.Localize(cfg)
	if err != nil && s == "" {
		return id
	}
	return s
}

// fillSimple is T for a simple message (see loaded.simple); ok is false
// when the message is not one, or a placeholder has no value (go-i18n then
// writes what it writes for that).
func (l *Localizer) fillSimple(id string, kv []any) (string, bool) {
	m, ok := catalogue.simple[l.code][id]
	lang := l.code
	if !ok {
		if _, found := slices.BinarySearch(catalogue.ids[l.code], id); found {
			return "", false
		}
		if m, ok = catalogue.simple[English][id]; !ok {
			return "", false
		}
		lang = English // not in this language: English, as go-i18n falls back
	}
	form := m.other
	for i := 0; i+1 < len(kv); i += 2 {
		if name, _ := kv[i].(string); name == "Count" {
			if n, isInt := asInt(kv[i+1]); isInt && n == 1 && lang == English && m.one != nil {
				form = m.one // CLDR: English "one" is the integer 1; Chinese has only "other"
			}
		}
	}
	var b strings.Builder
	for _, sg := range form {
		if sg.name == "" {
			b.WriteString(sg.text)
			continue
		}
		v, found := value(kv, sg.name)
		if !found {
			return "", false
		}
		if n, isInt := asInt(v); isInt {
			b.WriteString(l.Number(n))
		} else if s, isString := v.(string); isString {
			b.WriteString(s)
		} else {
			fmt.Fprint(&b, v)
		}
	}
	return b.String(), true
}

// value is the value of the placeholder name in kv.
func value(kv []any, name string) (v any, found bool) {
	for i := 0; i+1 < len(kv); i += 2 {
		if n, _ := kv[i].(string); n == name {
			v, found = kv[i+1], true // the last one, as go-i18n's map keeps it
		}
	}
	return v, found
}

// English returns text written in English below the edge (an error
// message, a cloud error's explanation kept with a job item) in l's
// language, when the catalogue has a message with exactly those words;
// otherwise the text as it is.
func (l *Localizer) English(text string) string {
	if l.code == English || text == "" {
		return text
	}
	if id, ok := catalogue.byEnglish[text]; ok {
		return l.T(id)
	}
	return text
}

// Has reports whether the catalogue has message id.
func Has(id string) bool {
	_, ok := slices.BinarySearch(catalogue.ids[English], id)
	return ok
}

// Sentences joins whole sentences as the language writes them: with a
// space in English, with nothing in Chinese (its full stop is wide).
func (l *Localizer) Sentences(list []string) string {
	if l.code == Chinese {
		return strings.Join(list, "")
	}
	return strings.Join(list, " ")
}

// Number formats n for the language: 1,234. English and Chinese both group
// digits by three with a comma, as x/text's printer does (TestNumber);
// that printer costs more than the rest of a message.
func (l *Localizer) Number(n int) string {
	if l.code != English && l.code != Chinese {
		return printerNumber(l, n)
	}
	digits := strconv.Itoa(n)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	if len(digits) <= 3 {
		return sign + digits
	}
	var b strings.Builder
	b.WriteString(sign)
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(digits[:first])
	for i := first; i < len(digits); i += 3 {
		b.WriteByte(',')
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// printerNumber is Number through x/text. (A message.Printer is not safe
// for concurrent use, and a Localizer is shared: one printer per call.)
func printerNumber(l *Localizer, n int) string { return message.NewPrinter(l.tag).Sprintf("%d", n) }

// Time shows t in the person's time zone, minute precision, with the
// zone's abbreviation; "—" when unknown.
func (l *Localizer) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(l.zone).Format("2006-01-02 15:04 MST")
}

func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case int32:
		return int(n), true
	}
	return 0, false
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Localizer) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// english is the Localizer of a context that carries none.
var english = New(English)

// From returns the Localizer ctx carries, or an English one in UTC.
func From(ctx context.Context) *Localizer {
	if l, ok := ctx.Value(ctxKey{}).(*Localizer); ok && l != nil {
		return l
	}
	return english
}

// T is From(ctx).T(id, kv...), for templ components.
func T(ctx context.Context, id string, kv ...any) string { return From(ctx).T(id, kv...) }

// LoadZone returns the time zone an IANA name ("Asia/Shanghai", "UTC")
// names; ok is false for anything else ("", "Local", nonsense).
func LoadZone(name string) (*time.Location, bool) {
	if name == "" || name == "Local" || len(name) > 64 {
		return nil, false
	}
	z, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	return z, true
}
