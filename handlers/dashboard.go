package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/internal/cloud"
	"keybind/views"
)

// RegionLister lists the cloud's regions.
type RegionLister interface {
	Regions(ctx context.Context) ([]cloud.Region, error)
}

// Dashboard is the first page after sign-in: it lists the regions, which
// proves the path browser → console → gateway → cloud works.
type Dashboard struct {
	cloud RegionLister
}

// NewDashboard builds the dashboard handler.
func NewDashboard(c RegionLister) *Dashboard { return &Dashboard{cloud: c} }

// Show renders the dashboard.
func (h *Dashboard) Show(c echo.Context) error {
	d := views.DashboardPage{Page: page(c, "Dashboard", "dashboard")}
	regions, err := h.cloud.Regions(c.Request().Context())
	if err != nil {
		State(c).Logger.Warn("list regions", "err", err)
		d.Error = cloudMessage(err)
	}
	for _, r := range regions {
		d.Regions = append(d.Regions, views.Region{ID: r.ID, Name: r.Name, Available: r.Available})
	}
	return render(c, http.StatusOK, views.Dashboard(d))
}

// cloudMessage is the plain-language text for a failed cloud call.
func cloudMessage(err error) string {
	var ce *cloud.Error
	if errors.As(err, &ce) {
		return ce.UserMessage()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "The cloud did not answer in time. Try again in a moment."
	}
	return "The cloud could not be reached. Try again in a moment."
}
