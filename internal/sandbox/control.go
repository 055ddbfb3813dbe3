package sandbox

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

type regionDump struct {
	RegionID  string          `json:"region_id"`
	LocalName string          `json:"local_name"`
	Instances []InstanceState `json:"instances"`
	KeyPairs  []KeyPairState  `json:"key_pairs"`
}

type stateDump struct {
	Account            string       `json:"account"`
	Now                time.Time    `json:"now"`
	Seed               int64        `json:"seed"`
	InstancesPerRegion int          `json:"instances_per_region"`
	TransitionMS       int64        `json:"transition_ms"`
	Regions            []regionDump `json:"regions"`
}

type keyRow struct {
	InstanceID string `json:"instance_id"`
	KeyState
}

type accountRow struct {
	Name        string `json:"name"`
	UID         string `json:"uid"`
	AccessKeyID string `json:"access_key_id"`
}

// ctlHandler serves one control endpoint: its answer, or an error (404
// when it wraps ErrNotFound, 400 otherwise).
type ctlHandler func(r *http.Request) (any, error)

var okBody = map[string]any{"ok": true}

func (s *Sandbox) controlMux() *http.ServeMux {
	m := http.NewServeMux()
	for pattern, h := range map[string]ctlHandler{
		"GET /_sandbox/{$}":                     s.ctlIndex,
		"GET /_sandbox/info":                    s.ctlInfo,
		"GET /_sandbox/accounts":                s.ctlAccounts,
		"POST /_sandbox/reset":                  func(*http.Request) (any, error) { s.Reset(); return okBody, nil },
		"POST /_sandbox/reseed":                 withBody(s.ctlReseed),
		"GET /_sandbox/state":                   s.ctlState,
		"GET /_sandbox/keys":                    s.ctlKeys,
		"POST /_sandbox/advance":                withBody(s.ctlAdvance),
		"GET /_sandbox/calls":                   s.ctlCalls,
		"DELETE /_sandbox/calls":                func(*http.Request) (any, error) { s.ResetCalls(); return okBody, nil },
		"GET /_sandbox/faults":                  func(*http.Request) (any, error) { return s.Faults(), nil },
		"DELETE /_sandbox/faults":               func(*http.Request) (any, error) { s.ClearFaults(); return okBody, nil },
		"GET /_sandbox/instances/{region}/{id}": s.ctlGetInstance,
		"/_sandbox/": func(*http.Request) (any, error) {
			return nil, fmt.Errorf("no such control endpoint; GET /_sandbox/ lists them: %w", ErrNotFound)
		},
	} {
		m.Handle(pattern, ctlServe(http.StatusOK, h))
	}
	m.Handle("POST /_sandbox/faults", ctlServe(http.StatusCreated, withBody(s.ctlAddFault)))
	m.Handle("PATCH /_sandbox/instances/{region}/{id}", ctlServe(http.StatusOK, withBody(s.ctlUpdateInstance)))
	m.Handle("POST /_sandbox/instances/{region}/{id}", ctlServe(http.StatusOK, withBody(s.ctlUpdateInstance)))
	return m
}

// ctlServe answers with h's value and status, or with h's error.
func ctlServe(status int, h ctlHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		code := status
		if err != nil {
			code, v = http.StatusBadRequest, map[string]string{"error": err.Error()}
			if errors.Is(err, ErrNotFound) {
				code = http.StatusNotFound
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
	})
}

// withBody decodes the JSON body (unknown fields refused, an empty body
// leaves it zero) and passes it to h.
func withBody[T any](h func(r *http.Request, body T) (any, error)) ctlHandler {
	return func(r *http.Request) (any, error) {
		var body T
		dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return h(r, body)
	}
}

type reseedBody struct {
	Seed               int64 `json:"seed"`
	InstancesPerRegion int   `json:"instances_per_region"`
}

type advanceBody struct {
	Duration string  `json:"duration"`
	Seconds  float64 `json:"seconds"`
}

// fleetParam is the account named by ?account=, the default account when absent.
func (s *Sandbox) fleetParam(r *http.Request) (*Fleet, error) {
	name := cmp.Or(r.URL.Query().Get("account"), DefaultAccount)
	if f := s.Account(name); f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("account %q: %w", name, ErrNotFound)
}

func (s *Sandbox) ctlIndex(*http.Request) (any, error) {
	return map[string]any{"endpoints": []string{
		"GET /_sandbox/info",
		"GET /_sandbox/accounts",
		"POST /_sandbox/reset",
		"POST /_sandbox/reseed {seed, instances_per_region}",
		"GET /_sandbox/state[?account=][&region=]",
		"GET /_sandbox/keys?[account=&]region=[&instance=]",
		"POST /_sandbox/advance {duration | seconds}",
		"GET|DELETE /_sandbox/calls[?account=]",
		"GET|POST|DELETE /_sandbox/faults",
		"GET|PATCH /_sandbox/instances/{region}/{id}[?account=]",
	}}, nil
}

// ctlInfo identifies the endpoint as a keybind sandbox (keybind serve probes it).
func (s *Sandbox) ctlInfo(*http.Request) (any, error) {
	names := make([]string, len(s.accounts))
	for i, a := range s.accounts {
		names[i] = a.Name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]any{
		"sandbox":              "keybind",
		"api_version":          apiVersion,
		"sts_version":          stsVersion,
		"seed":                 s.seed,
		"instances_per_region": s.perRegion,
		"transition_ms":        s.opts.Transition.Milliseconds(),
		"now":                  s.nowLocked(),
		"regions":              seedRegionIDs(),
		"actions":              Actions(),
		"accounts":             names,
	}, nil
}

// ctlAccounts lists the accounts (without secrets) and the roles.
func (s *Sandbox) ctlAccounts(*http.Request) (any, error) {
	rows := make([]accountRow, len(s.accounts))
	for i, a := range s.accounts {
		rows[i] = accountRow{Name: a.Name, UID: a.uid, AccessKeyID: a.AccessKeyID}
	}
	return map[string]any{"accounts": rows, "roles": s.Roles()}, nil
}

func (s *Sandbox) ctlReseed(_ *http.Request, body reseedBody) (any, error) {
	if body.InstancesPerRegion < 0 || body.InstancesPerRegion > 100000 {
		return nil, errors.New("instances_per_region must be in [1, 100000]")
	}
	s.Reseed(body.Seed, body.InstancesPerRegion)
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]any{"seed": s.seed, "instances_per_region": s.perRegion}, nil
}

func (s *Sandbox) ctlState(r *http.Request) (any, error) {
	f, err := s.fleetParam(r)
	if err != nil {
		return nil, err
	}
	regions := f.Regions()
	if want := r.URL.Query().Get("region"); want != "" {
		if !slices.Contains(regions, want) {
			return nil, fmt.Errorf("region %q: %w", want, ErrNotFound)
		}
		regions = []string{want}
	}
	s.mu.Lock()
	dump := stateDump{Account: f.Name(), Now: s.nowLocked(), Seed: s.seed, InstancesPerRegion: s.perRegion, TransitionMS: s.opts.Transition.Milliseconds()}
	s.mu.Unlock()
	for _, id := range regions {
		dump.Regions = append(dump.Regions, regionDump{RegionID: id, LocalName: localName(id), Instances: f.Instances(id), KeyPairs: f.KeyPairs(id)})
	}
	return dump, nil
}

func (s *Sandbox) ctlKeys(r *http.Request) (any, error) {
	f, err := s.fleetParam(r)
	if err != nil {
		return nil, err
	}
	region, id := r.URL.Query().Get("region"), r.URL.Query().Get("instance")
	if id != "" {
		ks, found := f.KeyInEffect(region, id)
		if !found {
			return nil, fmt.Errorf("unknown region or instance: %w", ErrNotFound)
		}
		return keyRow{InstanceID: id, KeyState: ks}, nil
	}
	list := f.Instances(region)
	if list == nil {
		return nil, fmt.Errorf("unknown region (use ?region=): %w", ErrNotFound)
	}
	rows := make([]keyRow, 0, len(list))
	for _, st := range list {
		rows = append(rows, keyRow{InstanceID: st.InstanceID, KeyState: st.keyState()})
	}
	return rows, nil
}

func (s *Sandbox) ctlAdvance(_ *http.Request, body advanceBody) (any, error) {
	d := time.Duration(body.Seconds * float64(time.Second))
	if body.Duration != "" {
		var err error
		if d, err = time.ParseDuration(body.Duration); err != nil {
			return nil, err
		}
	}
	if d <= 0 {
		return nil, errors.New(`give a positive duration ("30s") or seconds`)
	}
	s.Advance(d)
	return map[string]any{"now": s.Now()}, nil
}

// ctlCalls counts every call, or with ?account= the calls that account's credentials signed.
func (s *Sandbox) ctlCalls(r *http.Request) (any, error) {
	if r.URL.Query().Get("account") == "" {
		return s.Calls(), nil
	}
	f, err := s.fleetParam(r)
	if err != nil {
		return nil, err
	}
	return f.Calls(), nil
}

func (s *Sandbox) ctlAddFault(_ *http.Request, f Fault) (any, error) { return f, s.addFault(f) }

func (s *Sandbox) ctlGetInstance(r *http.Request) (any, error) {
	f, err := s.fleetParam(r)
	if err != nil {
		return nil, err
	}
	st, found := f.Instance(r.PathValue("region"), r.PathValue("id"))
	if !found {
		return nil, fmt.Errorf("unknown region or instance: %w", ErrNotFound)
	}
	return st, nil
}

func (s *Sandbox) ctlUpdateInstance(r *http.Request, u InstanceUpdate) (any, error) {
	f, err := s.fleetParam(r)
	if err != nil {
		return nil, err
	}
	return f.UpdateInstance(r.PathValue("region"), r.PathValue("id"), u)
}
