package sandbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// Fault kinds.
const (
	FaultThrottle      = "throttle"       // 400 Throttling.User with x-acs-retry-after
	FaultUnavailable   = "unavailable"    // 503 ServiceUnavailable
	FaultInternal      = "internal"       // 500 InternalError
	FaultLatency       = "latency"        // delay the response by Latency
	FaultDrop          = "drop"           // close the connection without a response; the call does not run
	FaultFailInstances = "fail-instances" // fail InstanceIDs inside AttachKeyPair/DetachKeyPair
	FaultDropAfter     = "drop-after"     // run the call, then close the connection without its answer
	FaultDelayAfter    = "delay-after"    // run the call, then hold its answer back by Latency
)

// FaultKinds lists every fault kind.
var FaultKinds = []string{FaultThrottle, FaultUnavailable, FaultInternal, FaultLatency, FaultDrop,
	FaultDropAfter, FaultDelayAfter, FaultFailInstances}

const defaultRetryAfter = time.Second

// Fault injects a failure into matching API calls. With Count > 0 it hits the
// next Count matching calls and is then spent; otherwise with Probability > 0
// it hits each matching call with that probability (seeded RNG); with neither
// it hits every matching call until ClearFaults.
type Fault struct {
	Action      string        `json:"action"`                 // ECS or STS action, "" = every action
	Account     string        `json:"account,omitempty"`      // calls signed for this account, "" = every account
	Kind        string        `json:"kind"`                   // see the Fault* constants
	Probability float64       `json:"probability,omitempty"`  // each matching call, seeded RNG
	Count       int           `json:"count,omitempty"`        // the next Count matching calls, then spent
	Latency     time.Duration `json:"-"`                      // JSON: "latency_ms" (latency, delay-after)
	RetryAfter  time.Duration `json:"-"`                      // JSON: "retry_after_ms" (throttle)
	InstanceIDs []string      `json:"instance_ids,omitempty"` // fail-instances
	Code        string        `json:"code,omitempty"`         // fail-instances code, default "InternalError"
	Message     string        `json:"message,omitempty"`
}

type faultJSON struct {
	faultAlias
	LatencyMS    int64 `json:"latency_ms,omitempty"`
	RetryAfterMS int64 `json:"retry_after_ms,omitempty"`
}

type faultAlias Fault

// MarshalJSON writes durations as latency_ms and retry_after_ms.
func (f Fault) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultJSON{faultAlias(f), f.Latency.Milliseconds(), f.RetryAfter.Milliseconds()})
}

// UnmarshalJSON reads durations from latency_ms and retry_after_ms.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Fault(j.faultAlias)
	f.Latency = time.Duration(j.LatencyMS) * time.Millisecond
	f.RetryAfter = time.Duration(j.RetryAfterMS) * time.Millisecond
	return nil
}

// Validate reports what is wrong with a fault, so a caller can refuse it
// before AddFault.
func (f Fault) Validate() error { return f.validate() }

func (f Fault) validate() error {
	switch f.Kind {
	case FaultThrottle, FaultUnavailable, FaultInternal, FaultDrop, FaultDropAfter:
	case FaultLatency, FaultDelayAfter:
		if f.Latency <= 0 {
			return fmt.Errorf("sandbox: %s fault needs a positive latency", f.Kind)
		}
	case FaultFailInstances:
		if len(f.InstanceIDs) == 0 {
			return fmt.Errorf("sandbox: fail-instances fault needs instance_ids")
		}
	default:
		return fmt.Errorf("sandbox: unknown fault kind %q", f.Kind)
	}
	if f.Action != "" && !knownAction(f.Action) {
		return fmt.Errorf("sandbox: unknown action %q", f.Action)
	}
	if f.Probability < 0 || f.Probability > 1 || f.Count < 0 {
		return fmt.Errorf("sandbox: probability must be in [0,1] and count >= 0")
	}
	return nil
}

type faultState struct {
	Fault
	remaining int
}

// AddFault installs a fault. It panics on an invalid fault, which is a bug in the caller.
func (s *Sandbox) AddFault(f Fault) {
	if err := s.addFault(f); err != nil {
		panic(err)
	}
}

func (s *Sandbox) addFault(f Fault) error {
	if err := f.validate(); err != nil {
		return err
	}
	if f.Account != "" && s.byName[f.Account] == nil {
		return fmt.Errorf("sandbox: unknown account %q", f.Account)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, remaining: f.Count})
	return nil
}

// ClearFaults removes every fault.
func (s *Sandbox) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Faults lists the installed faults; Count shows the calls each has left.
func (s *Sandbox) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, 0, len(s.faults))
	for _, f := range s.faults {
		g := f.Fault
		g.Count = f.remaining
		out = append(out, g)
	}
	return out
}

// fires decides, under s.mu, whether f hits this call, spending a count.
func (s *Sandbox) fires(f *faultState, c *call) bool {
	switch {
	case f.Action != "" && f.Action != c.action,
		f.Account != "" && f.Account != c.who.acct.Name,
		f.Kind == FaultFailInstances && c.action != "AttachKeyPair" && c.action != "DetachKeyPair":
		return false
	}
	switch {
	case f.Count > 0:
		if f.remaining == 0 {
			return false
		}
		f.remaining--
		return true
	case f.Probability > 0:
		return s.rng.Float64() < f.Probability
	default:
		return true
	}
}

// afterCall is what the faults that hit a call do once it has run.
type afterCall struct {
	delay time.Duration // hold the answer back (delay-after)
	drop  bool          // close the connection instead of answering (drop-after)
}

// apply delays and drops as the faults asked. It reports true when the
// answer must not be written: the connection was dropped, or the client
// went away during the delay.
func (a afterCall) apply(w http.ResponseWriter, r *http.Request, log *slog.Logger) bool {
	if a.delay > 0 {
		log.Info("fault: answer delayed after the call ran", "delay", a.delay)
		t := time.NewTimer(a.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if a.drop {
		log.Info("fault: connection dropped after the call ran")
		dropConnection(w)
		return true
	}
	return false
}

// applyFaults runs the faults that hit this call. It reports true when it
// has answered (or dropped) the request, and what to do once the call has
// run.
func (s *Sandbox) applyFaults(w http.ResponseWriter, r *http.Request, c *call, log *slog.Logger) (bool, afterCall) {
	var latency time.Duration
	var after afterCall
	var terminal *Fault
	s.mu.Lock()
	kept := s.faults[:0]
	for _, f := range s.faults {
		if s.fires(f, c) {
			switch f.Kind {
			case FaultLatency:
				latency += f.Latency
			case FaultDelayAfter:
				after.delay += f.Latency
			case FaultDropAfter:
				after.drop = true
			case FaultFailInstances:
				if c.instanceFaults == nil {
					c.instanceFaults = map[string]*apiError{}
				}
				e := newError(errInternal.Status, cmp.Or(f.Code, errInternal.Code), cmp.Or(f.Message, errInternal.Message))
				for _, id := range f.InstanceIDs {
					c.instanceFaults[id] = e
				}
			default:
				if terminal == nil {
					g := f.Fault
					terminal = &g
				}
			}
		}
		if f.Count == 0 || f.remaining > 0 {
			kept = append(kept, f)
		}
	}
	for i := len(kept); i < len(s.faults); i++ {
		s.faults[i] = nil
	}
	s.faults = kept
	s.mu.Unlock()

	if latency > 0 {
		log.Info("fault: latency", "latency", latency)
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true, after
		}
	}
	if terminal == nil {
		return false, after
	}
	log.Info("fault injected", "kind", terminal.Kind)
	switch terminal.Kind {
	case FaultDrop:
		dropConnection(w)
	case FaultThrottle:
		ms := strconv.FormatInt(cmp.Or(max(terminal.RetryAfter, 0), defaultRetryAfter).Milliseconds(), 10)
		e := newError(http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control.")
		e.header = http.Header{}
		e.header.Set("x-acs-retry-after", ms)
		e.header.Set("x-ratelimit-user-api", "Limit:0,Remain:0,TimeLeft:"+ms)
		s.writeError(w, c, e, log)
	case FaultUnavailable:
		s.writeError(w, c, newError(http.StatusServiceUnavailable, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."), log)
	case FaultInternal:
		s.writeError(w, c, errInternal, log)
	}
	return true, after
}

// dropConnection closes the client connection without writing a response.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // the server aborts the connection silently
}
