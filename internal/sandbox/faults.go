package sandbox

import (
	"log/slog"
	"net/http"
)

type faultState struct{}

func (s *Sandbox) applyFaults(w http.ResponseWriter, c *call, log *slog.Logger) bool { return false }
