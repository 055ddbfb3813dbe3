package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/binding"
	"keybind/internal/jobs"
	"keybind/internal/text"
	"keybind/views"
	"keybind/views/components"
)

// Planner plans a binding or unbinding from a fresh read of the cloud;
// *binding.Service provides it.
type Planner interface {
	Plan(ctx context.Context, t binding.Target) (binding.Review, error)
}

// SelectedIDs reads the instances a user selected in a flow.
type SelectedIDs interface {
	IDs(ctx context.Context, userID int64, region string) ([]string, error)
}

// BindReview is step 4 of binding: what will happen, before anything is sent.
type BindReview struct {
	plans Planner
	sel   SelectedIDs
}

// NewBindReview builds the review step.
func NewBindReview(p Planner, s SelectedIDs) *BindReview { return &BindReview{plans: p, sel: s} }

// Show plans the binding of the selection and renders the review.
func (h *BindReview) Show(c echo.Context) error { return h.show(c, jobs.KindBind) }

// ShowUnbind plans the unbinding of the selection and renders the review.
func (h *BindReview) ShowUnbind(c echo.Context) error { return h.show(c, jobs.KindUnbind) }

func (h *BindReview) show(c echo.Context, kind jobs.Kind) error {
	rv, err := planSelection(c, h.plans, h.sel, kind)
	if err != nil {
		return err
	}
	if rv == nil {
		region, key := c.FormValue("region"), c.FormValue("key")
		if id := submittedJob(c, flowKey(string(kind), region, key)); id != 0 {
			if err := addFlash(c, "info", request.T(c, "review.flash_submitted", "Job", itoa64(id))); err != nil {
				return err
			}
			return redirect(c, jobURL(id))
		}
		if err := addFlash(c, "warning", request.T(c, "review.flash_select_first")); err != nil {
			return err
		}
		return redirect(c, backURL(kind, region, key))
	}
	return render(c, http.StatusOK, views.Review(reviewPage(c, page(c, request.T(c, "review.title"), "bind"), *rv, newReviewForm(*rv), nil)))
}

// planSelection plans the flow of kind for the user's selection in the
// region and key pair the form names; nil when nothing is selected.
func planSelection(c echo.Context, p Planner, sel SelectedIDs, kind jobs.Kind) (*binding.Review, error) {
	ctx := c.Request().Context()
	region, key := c.FormValue("region"), c.FormValue("key")
	ids, err := sel.IDs(ctx, request.Get(c).User.ID, selectionKey(string(kind), region))
	if err != nil {
		return nil, err
	}
	rv, err := p.Plan(ctx, binding.Target{Kind: kind, Region: region, KeyPair: key, InstanceIDs: ids})
	if errors.Is(err, binding.ErrNothingSelected) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &rv, nil
}

// newReviewForm is the review form's defaults, the same as the API's.
func newReviewForm(rv binding.Review) views.ReviewForm {
	return views.ReviewForm{IdempotencyKey: request.NewToken(), After: "none", Window: jobs.DefaultWindow,
		MaxErrors: jobs.DefaultMaxErrors, StartWithOne: rv.Plan.Counts.Included > jobs.StartWithOneThreshold}
}

// backURL is the instance picker of a flow.
func backURL(kind jobs.Kind, region, key string) string {
	q := url.Values{"region": {region}, "key": {key}}
	if kind == jobs.KindUnbind {
		q.Set("mode", "unbind")
	}
	return "/bind/instances?" + q.Encode()
}

// reviewPage maps a review to the review page's view model.
func reviewPage(c echo.Context, pg views.Page, rv binding.Review, form views.ReviewForm, errs map[string]string) views.ReviewPage {
	region, plan := rv.Region, rv.Plan
	p := views.ReviewPage{
		Page: pg, Kind: string(plan.Kind), Region: region.ID, RegionName: region.Name, Key: plan.KeyPair,
		Form: form, Errors: errs, Action: "/jobs", BackURL: backURL(plan.Kind, region.ID, plan.KeyPair),
	}
	switch {
	case rv.Parent != nil:
		p.RollbackOf, p.Key = rv.Parent.ID, rv.Parent.KeyPair
		p.Action = jobURL(rv.Parent.ID) + "/rollback"
		p.BackURL = jobURL(rv.Parent.ID)
	case plan.Kind == jobs.KindUnbind:
		p.Action = "/jobs/unbind"
	}
	pc := plan.Counts
	p.Counts = views.ReviewCounts{
		Bind: pc.Included, PasswordLoginLost: pc.PasswordLoginDisabled, PasswordLoginBack: pc.PasswordLoginRestored, Remove: pc.Removals,
		Replace: pc.Replacements, New: pc.NewKeys, Already: pc.AlreadyHave, SameExcluded: pc.ExcludedBy[jobs.ExcludedAlreadyHas],
		Reboot: pc.Reboots, Start: pc.Starts, Transition: pc.InTransition, Excluded: pc.Excluded,
	}
	for _, k := range plan.LosingAccess() {
		p.Counts.LosingAccess = append(p.Counts.LosingAccess, views.KeyCount{Key: k.Key, N: k.Instances})
	}
	for _, r := range jobs.ExcludeReasons {
		if n := pc.ExcludedBy[r]; n > 0 {
			p.Counts.ExcludedBy = append(p.Counts.ExcludedBy, views.ReasonCount{Reason: excludeLabel(c, r), N: n})
		}
	}
	for _, o := range rv.Overlaps {
		p.Overlaps = append(p.Overlaps, views.Overlap{JobID: o.JobID,
			Title: jobTitle(c, jobs.Job{Kind: o.Kind, KeyPair: o.KeyPair, ParentID: o.ParentID}), Instances: len(o.InstanceIDs), First: text.FirstFew(o.InstanceIDs, 5)})
	}
	for _, r := range plan.Rows {
		if r.Included() && len(p.Rows) >= views.MaxReviewRows || !r.Included() && len(p.Excluded) >= views.MaxReviewRows {
			continue
		}
		row := views.ReviewRow{ID: r.InstanceID, Name: r.Name, Status: string(r.Status), StatusTone: statusTone(r.Status), CurrentKey: r.CurrentKey}
		if row.Name == "" {
			row.Name = r.InstanceID
		}
		if row.Status == "" {
			row.Status, row.StatusTone = "Unknown", components.ToneMuted // views.InstanceStatus words it
		}
		if !r.Included() {
			row.Reason = excludeLabel(c, r.Excluded)
			p.Excluded = append(p.Excluded, row)
			continue
		}
		row.Change = changeText(c, r)
		row.Restart, row.RestartTone = needText(c, r.Restart)
		p.Rows = append(p.Rows, row)
	}
	return p
}

// changeText says what happens to one instance's key, in words.
func changeText(c echo.Context, r jobs.PlanRow) string {
	switch r.Change {
	case jobs.ChangeNew:
		return request.T(c, "review.change_none_new", "Key", r.ExpectKey)
	case jobs.ChangeReplace:
		return request.T(c, "review.change_replace", "From", r.CurrentKey, "Key", r.ExpectKey)
	case jobs.ChangeSame:
		return request.T(c, "review.change_same", "From", r.CurrentKey)
	case jobs.ChangeRemove:
		return request.T(c, "review.change_remove", "From", r.CurrentKey)
	}
	return string(r.Change)
}

// needText says what makes the change take effect.
func needText(c echo.Context, n jobs.RestartNeed) (string, components.Tone) {
	switch n {
	case jobs.NeedReboot:
		return request.T(c, "review.need_reboot"), components.ToneWarn
	case jobs.NeedStart:
		return request.T(c, "review.need_start"), components.ToneWarn
	case jobs.NeedInTransition:
		return request.T(c, "review.need_transition"), components.ToneInfo
	}
	return request.T(c, "review.need_nothing"), components.ToneMuted
}
