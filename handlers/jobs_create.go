package handlers

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/jobs"
	"keybind/views"
)

// JobCreator turns a reviewed plan into a job.
type JobCreator interface {
	Create(ctx context.Context, r jobs.CreateRequest) (jobID int64, created bool, err error)
	JobByIdempotencyKey(ctx context.Context, userID int64, key string) (jobID int64, found bool, err error)
}

// JobsCreate handles the review form's submit.
type JobsCreate struct {
	review *BindReview
	jobs   JobCreator
	sel    Selections
}

// NewJobsCreate builds the submit handler.
func NewJobsCreate(review *BindReview, j JobCreator, s Selections) *JobsCreate {
	return &JobsCreate{review: review, jobs: j, sel: s}
}

var idempotencyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// Create validates the binding form, re-plans from a fresh read of the
// cloud, writes the job and redirects (303) to its result grid. Submitting
// the same form twice yields the same job.
func (h *JobsCreate) Create(c echo.Context) error { return h.create(c, jobs.KindBind) }

// CreateUnbind does the same for an unbinding.
func (h *JobsCreate) CreateUnbind(c echo.Context) error { return h.create(c, jobs.KindUnbind) }

func (h *JobsCreate) create(c echo.Context, kind jobs.Kind) error {
	region, key, err := h.review.target(c)
	if err != nil {
		return err
	}
	form, errs := parseReviewForm(c, kind != jobs.KindUnbind)
	if !idempotencyPattern.MatchString(form.IdempotencyKey) {
		return apperr.BadRequest("This form is incomplete. Go back to the review page and submit it from there.")
	}
	// A double submit or a retried POST goes to the job the first one made.
	if id, found, err := h.jobs.JobByIdempotencyKey(c.Request().Context(), State(c).User.ID, form.IdempotencyKey); err != nil {
		return err
	} else if found {
		return redirect(c, fmt.Sprintf("/jobs/%d", id))
	}
	plan, err := h.review.planKind(c, kind, region.ID, key)
	if err != nil {
		return err
	}
	if plan == nil {
		return apperr.Conflict("No instances are selected any more. Choose instances and review again.")
	}
	if len(errs) > 0 {
		pg := page(c, "Review the binding", "bind")
		return render(c, http.StatusUnprocessableEntity, views.Review(reviewPage(pg, region, *plan, form, errs)))
	}
	st := State(c)
	id, created, err := h.jobs.Create(c.Request().Context(), jobs.CreateRequest{
		IdempotencyKey: form.IdempotencyKey,
		Actor:          jobActor(c),
		Plan:           *plan,
		Policy:         jobs.RestartPolicy{AfterBind: form.After == "restart", Force: form.Force, WaveSize: form.Wave},
	})
	if err != nil {
		return err
	}
	if created {
		lr := listRequest{region: region, mode: string(kind)}
		if err := h.sel.Clear(c.Request().Context(), st.User.ID, lr.selKey()); err != nil {
			st.Logger.Warn("clear the selection after creating a job", "job", id, "err", err)
		}
	}
	return redirect(c, fmt.Sprintf("/jobs/%d", id))
}

// parseReviewForm reads the review form and lists its field errors; needAck
// says the password-login acknowledgement is required.
func parseReviewForm(c echo.Context, needAck bool) (views.ReviewForm, map[string]string) {
	f := views.ReviewForm{
		IdempotencyKey: c.FormValue("idempotency_key"),
		Ack:            c.FormValue("ack") == "yes",
		After:          c.FormValue("after"),
		Force:          c.FormValue("force") == "yes",
		Wave:           defaultWave,
	}
	errs := map[string]string{}
	if needAck && !f.Ack {
		errs["ack"] = "Tick this box to confirm you understand that password login will be disabled."
	}
	switch f.After {
	case "", "none":
		f.After = "none"
	case "restart":
	default:
		errs["after"] = "Choose what happens after binding."
	}
	if s := c.FormValue("wave"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > jobs.MaxWaveSize {
			errs["wave"] = fmt.Sprintf("Enter a whole number from 1 to %d.", jobs.MaxWaveSize)
		} else {
			f.Wave = n
		}
	}
	return f, errs
}

// jobActor is who asked, as the job engine records it.
func jobActor(c echo.Context) jobs.Actor {
	u := State(c).User
	return jobs.Actor{UserID: u.ID, Username: u.Name, Role: string(u.Role), IP: c.RealIP(), Via: "web"}
}
