package handlers

import (
	"fmt"
	"hash/fnv"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/jobs"
	"keybind/views"
	"keybind/views/components"
)

// The grid's query in the URL (group, q, sort, size, page) and the view
// model of one grid page.

var gridSortLabels = map[jobs.GridSort]string{
	jobs.SortOrder: "order", jobs.SortName: "name", jobs.SortID: "instance_id",
	jobs.SortAttention: "attention", jobs.SortChanged: "changed",
}

var gridSizes = []int{50, jobs.DefaultGridPage, jobs.MaxGridPage}

// parseGridQuery reads the grid's query; values it does not know fall back
// to the defaults (a link is never refused for its filter).
func parseGridQuery(c echo.Context) jobs.GridQuery {
	q := jobs.GridQuery{Group: jobs.Group(c.QueryParam("group")), Sort: jobs.GridSort(c.QueryParam("sort")),
		Search: strings.TrimSpace(c.QueryParam("q")), Page: pageParam(c.QueryParam("page"))}
	if utf8.RuneCountInString(q.Search) > 128 {
		q.Search = string([]rune(q.Search)[:128])
	}
	if n, err := strconv.Atoi(c.QueryParam("size")); err == nil {
		q.PageSize = n
	}
	return q
}

// gridValues is the query of a grid page as URL parameters, defaults left
// out and the page number apart.
func gridValues(q jobs.GridQuery) url.Values {
	v := url.Values{}
	if q.Group != jobs.GroupAll {
		v.Set("group", string(q.Group))
	}
	if q.Search != "" {
		v.Set("q", q.Search)
	}
	if q.Sort != jobs.SortOrder {
		v.Set("sort", string(q.Sort))
	}
	if q.PageSize != jobs.DefaultGridPage && q.PageSize != 0 {
		v.Set("size", strconv.Itoa(q.PageSize))
	}
	return v
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// pageSig names the rows a grid page shows and how many match, so a poll
// can tell whether the page still shows the same rows.
func pageSig(p jobs.GridPage) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d", p.Matching)
	for _, it := range p.Items {
		h.Write([]byte{0})
		h.Write([]byte(it.InstanceID))
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// jobGrid maps a grid page to the grid's view model.
func jobGrid(c echo.Context, p jobs.GridPage) views.JobGridData {
	j, q := p.Job, p.Query
	base := jobURL(j.ID)
	vals := gridValues(q)
	g := views.JobGridData{Job: jobSummary(c, j), InMotion: j.InMotion(), Group: string(q.Group), Search: q.Search,
		Matching: p.Matching, Rev: j.Rev, Announce: announce(c, j, p.Groups),
		Pager: components.PagerProps{Page: q.Page, PageSize: q.PageSize, Total: p.Matching, BaseURL: base, Query: vals, Label: "instances"}}
	g.Job.HeldUp = heldUpWords(c, p.HeldUp)
	g.Job.Counts.Bound, g.Job.Counts.Failed, g.Job.Counts.Excluded = p.Groups[jobs.GroupBound], p.Groups[jobs.GroupFailed], p.Groups[jobs.GroupExcluded]
	g.Job.Counts.InEffect, g.Job.Counts.InMotion = p.Groups[jobs.GroupInEffect], p.Groups[jobs.GroupInMotion]
	g.Job.Counts.RebootReady, g.Job.Counts.StartReady, g.Job.Counts.Retryable = p.Ready.Reboot, p.Ready.Start, p.Ready.Retryable
	for _, grp := range jobs.Groups {
		n := p.Groups[grp]
		if n == 0 && grp == jobs.GroupCancelled && q.Group != grp {
			continue // only a cancelled job has cancelled items
		}
		cv := gridValues(jobs.GridQuery{Group: grp, Search: q.Search, Sort: q.Sort, PageSize: q.PageSize})
		card := views.GridCard{Group: string(grp), Label: groupLabel(c, grp), N: n, URL: withQuery(base, cv), Active: grp == q.Group}
		if n > 0 {
			card.Tone = cardTones[grp]
		}
		g.Cards = append(g.Cards, card)
	}
	for _, s := range jobs.GridSorts {
		g.Sorts = append(g.Sorts, views.Option{Value: string(s), Label: request.T(c, "sort."+gridSortLabels[s]), Selected: s == q.Sort})
	}
	for _, n := range gridSizes {
		g.Sizes = append(g.Sizes, views.Option{Value: strconv.Itoa(n), Label: strconv.Itoa(n), Selected: n == q.PageSize})
	}
	for _, it := range p.Items {
		g.Rows = append(g.Rows, jobRow(c, it))
	}
	poll := gridValues(q)
	poll.Set("page", strconv.Itoa(q.Page))
	poll.Set("since", strconv.FormatInt(j.Rev, 10))
	poll.Set("sig", pageSig(p))
	g.PollURL = base + "/changes?" + poll.Encode()
	return g
}

// announce says the job's counts in one sentence, for screen readers.
func announce(c echo.Context, j jobs.Job, groups map[jobs.Group]int) string {
	parts := []string{request.T(c, "announce.bound", "Count", groups[jobs.GroupBound])}
	for _, g := range []jobs.Group{jobs.GroupFailed, jobs.GroupDecision, jobs.GroupWaiting, jobs.GroupInMotion, jobs.GroupInEffect} {
		if n := groups[g]; n > 0 {
			parts = append(parts, request.T(c, "announce."+string(g), "Count", n))
		}
	}
	return request.T(c, "announce.job", "Job", itoa64(j.ID), "State", jobStateWords(c, j), "Counts", strings.Join(parts, request.T(c, "list.separator")))
}
