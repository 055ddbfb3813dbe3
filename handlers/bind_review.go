package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/views"
	"keybind/views/components"
)

// KeyPairGetter looks up one key pair.
type KeyPairGetter interface {
	KeyPair(ctx context.Context, region, name string) (cloud.KeyPair, error)
}

// BindReview is step 4 of binding: what will happen, before anything is sent.
type BindReview struct {
	regions   *regionCache
	keys      KeyPairGetter
	instances InstanceLister
	sel       Selections
}

// NewBindReview builds the review step.
func NewBindReview(r RegionLister, k KeyPairGetter, i InstanceLister, s Selections) *BindReview {
	return &BindReview{regions: newRegionCache(r), keys: k, instances: i, sel: s}
}

const defaultWave = 20

// Show plans the binding of the selection and renders the review.
func (h *BindReview) Show(c echo.Context) error { return h.show(c, jobs.KindBind) }

// ShowUnbind plans the unbinding of the selection and renders the review.
func (h *BindReview) ShowUnbind(c echo.Context) error { return h.show(c, jobs.KindUnbind) }

func (h *BindReview) show(c echo.Context, kind jobs.Kind) error {
	region, key, err := h.target(c)
	if err != nil {
		return err
	}
	plan, err := h.planKind(c, kind, region.ID, key)
	if err != nil {
		return err
	}
	if plan == nil {
		if err := addFlash(c, "warning", "Select at least one instance first."); err != nil {
			return err
		}
		return redirect(c, backURL(kind, region.ID, key))
	}
	form := views.ReviewForm{IdempotencyKey: newToken(), After: "none", Wave: defaultWave}
	return render(c, http.StatusOK, views.Review(reviewPage(page(c, "Review", "bind"), region, *plan, form, nil)))
}

// backURL is the instance picker of a flow.
func backURL(kind jobs.Kind, region, key string) string {
	q := url.Values{"region": {region}, "key": {key}}
	if kind == jobs.KindUnbind {
		q.Set("mode", "unbind")
	}
	return "/bind/instances?" + q.Encode()
}

// target reads and checks the region and the key pair (which must exist).
func (h *BindReview) target(c echo.Context) (cloud.Region, string, error) {
	ctx := c.Request().Context()
	region, err := h.regions.lookup(ctx, c.FormValue("region"))
	if err != nil {
		return region, "", err
	}
	key := c.FormValue("key")
	if !validKeyPairName(key) {
		return region, "", apperr.BadRequest("Choose a key pair first.")
	}
	if _, err := h.keys.KeyPair(ctx, region.ID, key); err != nil {
		var ce *cloud.Error
		if asCloud(err, &ce) && ce.Kind == cloud.KindNotFound {
			return region, "", apperr.NotFound(fmt.Sprintf("Key pair %q in %s", key, region.ID))
		}
		return region, "", err
	}
	return region, key, nil
}

// planKind classifies the user's selection for a bind or an unbind from a
// fresh read of the cloud; nil when nothing is selected.
func (h *BindReview) planKind(c echo.Context, kind jobs.Kind, region, key string) (*jobs.Plan, error) {
	ctx := c.Request().Context()
	lr := listRequest{region: cloud.Region{ID: region}, key: key, mode: "bind"}
	if kind == jobs.KindUnbind {
		lr.mode = "unbind"
	}
	ids, err := h.sel.IDs(ctx, State(c).User.ID, lr.selKey())
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	found, missing, err := h.instances.InstancesByID(ctx, region, ids)
	if err != nil {
		return nil, err
	}
	p := lr.plan(ids, found, missing)
	return &p, nil
}

// reviewPage maps a plan to the review page's view model.
func reviewPage(pg views.Page, region cloud.Region, plan jobs.Plan, form views.ReviewForm, errs map[string]string) views.ReviewPage {
	p := views.ReviewPage{
		Page: pg, Kind: string(plan.Kind), Region: region.ID, RegionName: region.Name, Key: plan.KeyPair,
		Form: form, Errors: errs, Action: "/jobs", BackURL: backURL(plan.Kind, region.ID, plan.KeyPair),
	}
	if plan.Kind == jobs.KindUnbind {
		p.Action = "/jobs/unbind"
	}
	pc := plan.Counts
	p.Counts = views.ReviewCounts{
		Bind: pc.Included, PasswordLoginLost: pc.PasswordLoginDisabled, PasswordLoginBack: pc.PasswordLoginRestored, Remove: pc.Removals,
		Replace: pc.Replacements, New: pc.NewKeys,
		Already: pc.AlreadyHave, Reboot: pc.Reboots, Start: pc.Starts, Transition: pc.InTransition, Excluded: pc.Excluded,
	}
	for k, n := range plan.Replaced() {
		p.Counts.Replaced = append(p.Counts.Replaced, views.KeyCount{Key: k, N: n})
	}
	sort.Slice(p.Counts.Replaced, func(i, j int) bool {
		a, b := p.Counts.Replaced[i], p.Counts.Replaced[j]
		return a.N > b.N || (a.N == b.N && a.Key < b.Key)
	})
	for _, r := range jobs.ExcludeReasons {
		if n := pc.ExcludedBy[r]; n > 0 {
			p.Counts.ExcludedBy = append(p.Counts.ExcludedBy, views.ReasonCount{Reason: r.Label(), N: n})
		}
	}
	for _, r := range plan.Rows {
		row := views.ReviewRow{ID: r.InstanceID, Name: r.Name, Status: string(r.Status), StatusTone: statusTone(r.Status), CurrentKey: r.CurrentKey}
		if row.Name == "" {
			row.Name = r.InstanceID
		}
		if row.Status == "" {
			row.Status, row.StatusTone = "Unknown", components.ToneMuted
		}
		if !r.Included() {
			row.Reason = r.Excluded.Label()
			p.Excluded = append(p.Excluded, row)
			continue
		}
		row.Change = changeText(r)
		row.Restart, row.RestartTone = needText(r.Restart)
		p.Rows = append(p.Rows, row)
	}
	return p
}

// changeText says what happens to one instance's key, in words.
func changeText(r jobs.PlanRow) string {
	switch r.Change {
	case jobs.ChangeNew:
		return "none → " + r.ExpectKey
	case jobs.ChangeReplace:
		return r.CurrentKey + " → " + r.ExpectKey
	case jobs.ChangeSame:
		return r.CurrentKey + " (already has it)"
	case jobs.ChangeRemove:
		return r.CurrentKey + " → none (password login returns after a reset)"
	}
	return string(r.Change)
}

// needText says what makes the change take effect.
func needText(n jobs.RestartNeed) (string, components.Tone) {
	switch n {
	case jobs.NeedReboot:
		return "Needs a reboot", components.ToneWarn
	case jobs.NeedStart:
		return "Needs a start", components.ToneWarn
	case jobs.NeedInTransition:
		return "In transition: restart later", components.ToneInfo
	}
	return "Nothing needed", components.ToneMuted
}
