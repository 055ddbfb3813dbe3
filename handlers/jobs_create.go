package handlers

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/binding"
	"keybind/internal/jobs"
	"keybind/views"
)

// JobCreator plans a job again from a fresh read of the cloud and writes
// it; *binding.Service provides it.
type JobCreator interface {
	Planner
	Existing(ctx context.Context, userID int64, key string) (jobID int64, found bool, err error)
	Create(ctx context.Context, r binding.Request) (jobID int64, created bool, err error)
}

// SelectionStore reads and clears the selection of a flow.
type SelectionStore interface {
	SelectedIDs
	Clear(ctx context.Context, userID int64, region string) error
}

// JobsCreate handles the review form's submit.
type JobsCreate struct {
	jobs JobCreator
	sel  SelectionStore
}

// NewJobsCreate builds the submit handler.
func NewJobsCreate(j JobCreator, s SelectionStore) *JobsCreate { return &JobsCreate{jobs: j, sel: s} }

var idempotencyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// Create validates the binding form, re-plans from a fresh read of the
// cloud, writes the job and redirects (303) to its result grid. Submitting
// the same form twice yields the same job.
func (h *JobsCreate) Create(c echo.Context) error { return h.create(c, jobs.KindBind) }

// CreateUnbind does the same for an unbinding.
func (h *JobsCreate) CreateUnbind(c echo.Context) error { return h.create(c, jobs.KindUnbind) }

func (h *JobsCreate) create(c echo.Context, kind jobs.Kind) error {
	form, errs, err := parseReviewForm(c, kind != jobs.KindUnbind)
	if err != nil {
		return err
	}
	if id, found, err := h.jobs.Existing(c.Request().Context(), request.Get(c).User.ID, form.IdempotencyKey); err != nil || found {
		return redirectToJob(c, id, err) // a double submit or a retried POST goes to the job the first one made
	}
	rv, err := planSelection(c, h.jobs, h.sel, kind)
	if err != nil {
		return err
	}
	if rv == nil {
		return binding.ErrNothingSelected
	}
	*rv = sendAgain(c, *rv, form, errs)
	if len(errs) > 0 {
		return render(c, http.StatusUnprocessableEntity, views.Review(reviewPage(c, page(c, request.T(c, "review.title_binding"), "bind"), *rv, form, errs)))
	}
	id, created, err := h.jobs.Create(c.Request().Context(), reviewRequest(c, *rv, form))
	if err != nil {
		return reviewRefused(c, *rv, form, err)
	}
	if created {
		key := selectionKey(string(kind), rv.Region.ID)
		if err := h.sel.Clear(c.Request().Context(), request.Get(c).User.ID, key); err != nil {
			request.Get(c).Logger.Warn("clear the selection after creating a job", "job", id, "err", err)
		}
		if err := rememberSubmitted(c, flowKey(string(kind), rv.Region.ID, rv.Plan.KeyPair), id); err != nil {
			return err
		}
	}
	return redirect(c, jobURL(id))
}

// sendAgain includes the instances that already have the key when the
// person ticked the box; with nothing else to change and the box not
// ticked, it says so on the form.
func sendAgain(c echo.Context, rv binding.Review, form views.ReviewForm, errs map[string]string) binding.Review {
	if form.Same {
		rv.Plan = rv.Plan.IncludeSame()
	} else if rv.Plan.Counts.Included == 0 && rv.Plan.Counts.ExcludedBy[jobs.ExcludedAlreadyHas] > 0 {
		errs["same"] = request.T(c, "create.same")
	}
	return rv
}

// reviewRequest is the job request of a submitted review form.
func reviewRequest(c echo.Context, rv binding.Review, form views.ReviewForm) binding.Request {
	one := form.StartWithOne
	return binding.Request{Review: rv, IdempotencyKey: form.IdempotencyKey, Actor: request.JobActor(c, auth.ViaWeb),
		Reason: form.Reason, Rollout: binding.Rollout{AfterBind: form.After == "restart", Force: form.Force,
			Window: form.Window, MaxErrors: form.MaxErrors, StartWithOne: &one}}
}

// reviewRefused shows the review again when the job cannot be created from it: a rollout
// field that cannot be read, or instances that an active job works on (409, naming the jobs).
func reviewRefused(c echo.Context, rv binding.Review, form views.ReviewForm, err error) error {
	var overlap *jobs.OverlapError
	status, errs := http.StatusUnprocessableEntity, map[string]string{}
	switch {
	case errors.As(err, &overlap):
		rv.Overlaps, status = overlap.Overlaps, http.StatusConflict
	case errors.Is(err, jobs.ErrWindowInvalid):
		errs["window"] = request.T(c, "fault.window_invalid")
	case errors.Is(err, jobs.ErrMaxErrorsInvalid):
		errs["max_errors"] = request.T(c, "fault.max_errors_invalid")
	default:
		return err
	}
	return render(c, status, views.Review(reviewPage(c, page(c, request.T(c, "review.title"), "bind"), rv, form, errs)))
}

// redirectToJob answers a submit that found its job already made.
func redirectToJob(c echo.Context, id int64, err error) error {
	if err != nil {
		return err
	}
	return redirect(c, jobURL(id))
}

// parseReviewForm reads the review form and lists its field errors; needAck
// says the password-login acknowledgement is required. A form without its
// server-issued key was not submitted from the review page.
func parseReviewForm(c echo.Context, needAck bool) (views.ReviewForm, map[string]string, error) {
	f := views.ReviewForm{
		IdempotencyKey: c.FormValue("idempotency_key"),
		Ack:            c.FormValue("ack") == "yes",
		After:          c.FormValue("after"),
		Force:          c.FormValue("force") == "yes",
		Window:         strings.TrimSpace(c.FormValue("window")),
		MaxErrors:      strings.TrimSpace(c.FormValue("max_errors")),
		StartWithOne:   c.FormValue("start_with_one") == "yes",
		Same:           c.FormValue("same") == "yes",
	}
	if !idempotencyPattern.MatchString(f.IdempotencyKey) {
		return f, nil, apperr.BadRequest(request.T(c, "create.incomplete"))
	}
	errs := map[string]string{}
	var err error
	if f.Reason, err = jobs.CleanReason(c.FormValue("reason")); err != nil {
		errs["reason"] = apperr.Words(err)
	}
	if needAck && !f.Ack {
		errs["ack"] = request.T(c, "create.ack")
	}
	switch f.After {
	case "", "none":
		f.After = "none"
	case "restart":
	default:
		errs["after"] = request.T(c, "create.after")
	}
	if s := c.FormValue("wave"); f.Window == "" && s != "" {
		f.Window = s // the form before windows had "wave"
	}
	return f, errs, nil
}
