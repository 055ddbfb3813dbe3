package web

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/internal/store"
)

// ReadyChecker says whether the database can serve: *store.Store.
type ReadyChecker interface {
	Ready(ctx context.Context, now time.Time) error
}

// readyReuse is how long one readiness answer is reused: GET /readyz is
// public and writes to the database, so a flood of probes costs at most one
// write a second.
const readyReuse = time.Second

// readiness runs the check behind GET /readyz at most once per readyReuse;
// concurrent probes wait for the one check in progress.
type readiness struct {
	check ReadyChecker
	clock auth.Clock

	mu   sync.Mutex
	at   time.Time
	last error
}

func newReadiness(check ReadyChecker, clock auth.Clock) *readiness {
	return &readiness{check: check, clock: clock}
}

func (r *readiness) result(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clock.Now()
	if !r.at.IsZero() && now.Sub(r.at) < readyReuse && now.Sub(r.at) >= 0 {
		return r.last
	}
	r.last, r.at = r.check.Ready(ctx, now), now
	return r.last
}

// readyz answers 200 when the console can do its work — the database takes
// writes, has room, and has every migration applied — and 503 otherwise,
// with a short reason; the detail goes to the log. GET /healthz stays
// liveness only.
func (s *Server) readyz(c echo.Context) error {
	err := s.ready.result(c.Request().Context())
	if err == nil {
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	}
	reason := "the database cannot be checked"
	var nr *store.NotReadyError
	if errors.As(err, &nr) {
		reason = nr.Reason
	}
	request.Get(c).Logger.Warn("not ready", "reason", reason, "err", err)
	return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
}
