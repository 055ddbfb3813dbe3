package handlers

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/sandbox"
	"keybind/internal/selection"
	"keybind/internal/store"
	"keybind/views"
)

// Recorder writes to the audit trail on behalf of an actor.
type Recorder interface {
	Record(ctx context.Context, actor auth.Actor, e store.AuditEntry) error
}

// SandboxControls is the admins' panel for the embedded ECS sandbox.
type SandboxControls struct {
	sb    *sandbox.Sandbox
	audit Recorder
}

// NewSandboxControls builds the panel; sb is nil outside sandbox mode.
func NewSandboxControls(sb *sandbox.Sandbox, a Recorder) *SandboxControls {
	return &SandboxControls{sb: sb, audit: a}
}

func (h *SandboxControls) sandbox() (*sandbox.Sandbox, error) {
	if h.sb == nil {
		return nil, apperr.NotFound("The sandbox (the console talks to a real cloud)")
	}
	return h.sb, nil
}

var faultKinds = sandbox.FaultKinds

// faultCode is the error code a fail-instances fault may give (empty: InternalError).
var faultCode = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9.]{0,63})?$`)

// Show renders the panel.
func (h *SandboxControls) Show(c echo.Context) error { return h.render(c, http.StatusOK, nil) }

func (h *SandboxControls) render(c echo.Context, status int, errs map[string]string) error {
	sb, err := h.sandbox()
	if err != nil {
		return err
	}
	p := views.SandboxPage{Page: page(c, request.T(c, "sb.title"), "sandbox"), Now: formatTime(c, sb.Now()), Actions: sandbox.Actions(), Kinds: faultKinds, Errors: errs}
	for _, f := range sb.Faults() {
		action := f.Action
		if action == "" {
			action = request.T(c, "sb.every_action")
		}
		parts := []string{request.T(c, "sb.always")}
		switch {
		case f.Count > 0:
			parts[0] = request.T(c, "sb.next_calls", "Count", f.Count)
		case f.Probability > 0:
			parts[0] = request.T(c, "sb.share", "Percent", fmt.Sprintf("%.0f%%", f.Probability*100))
		}
		switch f.Kind {
		case sandbox.FaultLatency, sandbox.FaultDelayAfter:
			parts = append(parts, request.T(c, "sb.each", "Latency", f.Latency.String()))
		case sandbox.FaultFailInstances:
			parts = append(parts, request.T(c, "sb.with_code", "Count", len(f.InstanceIDs), "Code", cmp.Or(f.Code, "InternalError")))
		}
		detail := strings.Join(parts, request.T(c, "list.separator"))
		p.Faults = append(p.Faults, views.SandboxFault{Action: action, Kind: f.Kind, Detail: detail})
	}
	for a, n := range sb.Calls() {
		p.Calls = append(p.Calls, views.SandboxCall{Action: a, N: n})
	}
	sort.Slice(p.Calls, func(i, j int) bool { return p.Calls[i].Action < p.Calls[j].Action })
	return render(c, status, views.Sandbox(p))
}

// Advance moves simulated time forward: transitions complete.
func (h *SandboxControls) Advance(c echo.Context) error {
	sb, err := h.sandbox()
	if err != nil {
		return err
	}
	secs, err := strconv.Atoi(c.FormValue("seconds"))
	if err != nil || secs < 1 || secs > 86400 {
		return apperr.BadRequest(request.T(c, "sb.advance_range"))
	}
	sb.Advance(time.Duration(secs) * time.Second)
	return h.done(c, "sandbox.advance", fmt.Sprintf("advanced %d s", secs), request.T(c, "sb.advanced", "Count", secs))
}

// Reset puts the fleet back to its seed and removes faults.
func (h *SandboxControls) Reset(c echo.Context) error {
	return h.whole(c, (*sandbox.Sandbox).Reset, "sandbox.reset", "reset to the seed", "sb.reset_done")
}

// AddFault makes the sandbox misbehave.
func (h *SandboxControls) AddFault(c echo.Context) error {
	sb, err := h.sandbox()
	if err != nil {
		return err
	}
	errs := map[string]string{}
	f := sandbox.Fault{Action: c.FormValue("action"), Kind: c.FormValue("kind")}
	if f.Count, err = strconv.Atoi(c.FormValue("count")); err != nil || f.Count < 0 {
		errs["count"] = request.T(c, "sb.e_count")
	}
	if f.Probability, err = strconv.ParseFloat(c.FormValue("probability"), 64); err != nil || f.Probability < 0 || f.Probability > 1 {
		errs["probability"] = request.T(c, "sb.e_probability")
	}
	ms, err := strconv.Atoi(c.FormValue("latency_ms"))
	if err != nil || ms < 0 || ms > 60000 {
		errs["latency_ms"] = request.T(c, "sb.e_latency")
	}
	f.Latency = time.Duration(ms) * time.Millisecond
	if f.Kind == sandbox.FaultFailInstances {
		ids, err := selection.ParseIDs(c.FormValue("instance_ids"))
		if err != nil || len(ids) == 0 {
			errs["instance_ids"] = request.T(c, "sb.e_ids")
		}
		f.InstanceIDs, f.Code = ids, strings.TrimSpace(c.FormValue("code"))
		if !faultCode.MatchString(f.Code) {
			errs["code"] = request.T(c, "sb.e_code")
		}
	}
	if f.Count == 0 && f.Probability == 0 {
		errs["count"] = request.T(c, "sb.e_how_many")
	}
	if len(errs) == 0 {
		if err := f.Validate(); err != nil {
			errs["kind"] = err.Error()
		}
	}
	if len(errs) > 0 {
		return h.render(c, http.StatusUnprocessableEntity, errs)
	}
	sb.AddFault(f)
	return h.done(c, "sandbox.fault", fmt.Sprintf("%s on %q", f.Kind, f.Action), request.T(c, "sb.fault_added"))
}

// ClearFaults removes every fault.
func (h *SandboxControls) ClearFaults(c echo.Context) error {
	return h.whole(c, (*sandbox.Sandbox).ClearFaults, "sandbox.faults.clear", "cleared faults", "sb.faults_cleared")
}

// whole does a change to the whole sandbox that takes no input, audits it
// and returns to the panel saying so (msgID).
func (h *SandboxControls) whole(c echo.Context, change func(*sandbox.Sandbox), action, detail, msgID string) error {
	sb, err := h.sandbox()
	if err != nil {
		return err
	}
	change(sb)
	return h.done(c, action, detail, request.T(c, msgID))
}

// done audits a control action and returns to the panel.
func (h *SandboxControls) done(c echo.Context, action, detail, msg string) error {
	if err := h.audit.Record(c.Request().Context(), request.Actor(c, auth.ViaWeb), store.AuditEntry{Action: action, Outcome: store.OutcomeSuccess, Detail: detail}); err != nil {
		return err
	}
	if err := addFlash(c, "success", msg); err != nil {
		return err
	}
	return redirect(c, "/sandbox")
}
