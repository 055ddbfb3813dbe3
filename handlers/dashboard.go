package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/views"
)

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
		request.Get(c).Logger.Warn("list regions", "err", err)
		d.Error = apperr.CloudMessage(err)
	}
	for _, r := range regions {
		d.Regions = append(d.Regions, views.Region{ID: r.ID, Name: r.Name, Available: r.Available})
	}
	return render(c, http.StatusOK, views.Dashboard(d))
}
