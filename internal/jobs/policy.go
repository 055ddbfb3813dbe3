package jobs

import (
	"math"
	"strconv"
	"strings"

	"keybind/internal/fault"
)

// Rollout defaults, the same for the review page and the API.
const (
	DefaultWindow         = "10%" // of the instances the job changes, at least 1
	DefaultMaxErrors      = "0"
	StartWithOneThreshold = 10 // start with one by default for more instances than this
)

// Errors of a rollout policy.
var (
	ErrWindowInvalid    = fault.New(fault.KindInvalid, "window_invalid").OnField("window")
	ErrMaxErrorsInvalid = fault.New(fault.KindInvalid, "max_errors_invalid").OnField("max_errors")
)

// ParseRollout turns the window and the error budget as people write them ("10%" or "25";
// "0", "5" or "2%"; "" for the defaults) into a policy for a job that changes n instances. A
// share is of n: the window is rounded up and at least 1, the error budget rounded down.
func ParseRollout(window, maxErrors string, n int) (RestartPolicy, error) {
	var p RestartPolicy
	var err error
	if window = strings.TrimSpace(window); window == "" {
		window = DefaultWindow
	}
	if p.WaveSize, err = amount(window, n, math.Ceil, 1, MaxWaveSize); err != nil {
		return p, ErrWindowInvalid
	}
	p.WaveSize = max(p.WaveSize, 1)
	if maxErrors = strings.TrimSpace(maxErrors); maxErrors == "" {
		maxErrors = DefaultMaxErrors
	}
	if p.MaxErrors, err = amount(maxErrors, n, math.Floor, 0, 100000); err != nil {
		return p, ErrMaxErrorsInvalid
	}
	p.Window, p.MaxErrorsSpec = window, maxErrors
	return p, nil
}

// amount reads a whole number in [lo, hi], or a percentage (0 < p ≤ 100) of n rounded by round
// and clamped to hi.
func amount(s string, n int, round func(float64) float64, lo, hi int) (int, error) {
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
		if err != nil || f <= 0 || f > 100 || math.IsNaN(f) {
			return 0, ErrWindowInvalid
		}
		return min(int(round(f*float64(n)/100)), hi), nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, ErrWindowInvalid
	}
	return v, nil
}
