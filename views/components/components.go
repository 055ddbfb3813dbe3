// Package components holds small reusable templ pieces with Props structs.
package components

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"keybind/internal/i18n"
)

// Tone is the colour family of a badge; the badge's words carry the meaning.
type Tone string

// Badge tones.
const (
	ToneOK    Tone = "ok"
	ToneWarn  Tone = "warn"
	ToneBad   Tone = "bad"
	ToneInfo  Tone = "info"
	ToneMuted Tone = "muted"
)

// PagerProps describes a paged list.
type PagerProps struct {
	Page, PageSize, Total int
	BaseURL               string     // path of the list
	Query                 url.Values // the current filter, without "page"
	Label                 string     // what is counted, e.g. "instances"
}

// Pages is the number of pages.
func (p PagerProps) Pages() int {
	if p.PageSize <= 0 || p.Total <= 0 {
		return 1
	}
	return (p.Total + p.PageSize - 1) / p.PageSize
}

// First is the 1-based index of the first item on the page.
func (p PagerProps) First() int {
	if p.Total == 0 {
		return 0
	}
	return (p.Page-1)*p.PageSize + 1
}

// Last is the 1-based index of the last item on the page.
func (p PagerProps) Last() int { return min(p.Page*p.PageSize, p.Total) }

// URL links to page n with the current filter.
func (p PagerProps) URL(n int) string {
	q := url.Values{}
	for k, v := range p.Query {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(n))
	return p.BaseURL + "?" + q.Encode()
}

// noun is what a pager counts ("instances", "key pairs", "jobs",
// "entries") in the person's language.
func noun(ctx context.Context, label string) string {
	return i18n.T(ctx, "pager.noun_"+strings.ReplaceAll(label, " ", "_"))
}
