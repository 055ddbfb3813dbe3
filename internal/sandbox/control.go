package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"time"
)

// KeyPairState is a key pair as the sandbox stores it (public half only).
type KeyPairState struct {
	Name            string    `json:"name"`
	ID              string    `json:"id"`
	Fingerprint     string    `json:"fingerprint"`
	PublicKey       string    `json:"public_key"`
	CreationTime    time.Time `json:"creation_time"`
	ResourceGroupID string    `json:"resource_group_id,omitempty"`
	Tags            []Tag     `json:"tags"`
}

// KeyPairs returns a region's key pairs sorted by name.
func (s *Sandbox) KeyPairs(regionID string) []KeyPairState {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.byRegion[regionID]
	if r == nil {
		return nil
	}
	out := make([]KeyPairState, 0, len(r.keyPairs))
	for _, name := range r.keyPairNames() {
		kp := r.keyPairs[name]
		out = append(out, KeyPairState{Name: kp.Name, ID: kp.ID, Fingerprint: kp.Fingerprint, PublicKey: kp.PublicKey,
			CreationTime: kp.CreationTime, ResourceGroupID: kp.ResourceGroupID, Tags: append([]Tag{}, kp.Tags...)})
	}
	return out
}

type regionDump struct {
	RegionID  string          `json:"region_id"`
	LocalName string          `json:"local_name"`
	Instances []InstanceState `json:"instances"`
	KeyPairs  []KeyPairState  `json:"key_pairs"`
}

type stateDump struct {
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

func (s *Sandbox) controlMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /_sandbox/{$}", s.ctlIndex)
	m.HandleFunc("GET /_sandbox/info", s.ctlInfo)
	m.HandleFunc("POST /_sandbox/reset", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		ctlJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	m.HandleFunc("POST /_sandbox/reseed", s.ctlReseed)
	m.HandleFunc("GET /_sandbox/state", s.ctlState)
	m.HandleFunc("GET /_sandbox/keys", s.ctlKeys)
	m.HandleFunc("POST /_sandbox/advance", s.ctlAdvance)
	m.HandleFunc("GET /_sandbox/calls", func(w http.ResponseWriter, r *http.Request) { ctlJSON(w, http.StatusOK, s.Calls()) })
	m.HandleFunc("DELETE /_sandbox/calls", func(w http.ResponseWriter, r *http.Request) {
		s.ResetCalls()
		ctlJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	m.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) { ctlJSON(w, http.StatusOK, s.Faults()) })
	m.HandleFunc("POST /_sandbox/faults", s.ctlAddFault)
	m.HandleFunc("DELETE /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		ctlJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	m.HandleFunc("GET /_sandbox/instances/{region}/{id}", s.ctlGetInstance)
	m.HandleFunc("PATCH /_sandbox/instances/{region}/{id}", s.ctlUpdateInstance)
	m.HandleFunc("POST /_sandbox/instances/{region}/{id}", s.ctlUpdateInstance)
	m.HandleFunc("/_sandbox/", func(w http.ResponseWriter, r *http.Request) {
		ctlError(w, http.StatusNotFound, "no such control endpoint; GET /_sandbox/ lists them")
	})
	return m
}

func ctlJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func ctlError(w http.ResponseWriter, status int, msg string) {
	ctlJSON(w, status, map[string]string{"error": msg})
}

// decodeBody reads a JSON body into v; an empty body leaves v alone.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

func (s *Sandbox) ctlIndex(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]any{"endpoints": []string{
		"GET /_sandbox/info",
		"POST /_sandbox/reset",
		"POST /_sandbox/reseed {seed, instances_per_region}",
		"GET /_sandbox/state[?region=]",
		"GET /_sandbox/keys?region=[&instance=]",
		"POST /_sandbox/advance {duration | seconds}",
		"GET|DELETE /_sandbox/calls",
		"GET|POST|DELETE /_sandbox/faults",
		"GET|PATCH /_sandbox/instances/{region}/{id}",
	}})
}

// ctlInfo identifies the endpoint as a keybind sandbox (keybind serve probes it).
func (s *Sandbox) ctlInfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	info := map[string]any{
		"sandbox":              "keybind",
		"api_version":          apiVersion,
		"seed":                 s.seed,
		"instances_per_region": s.perRegion,
		"transition_ms":        s.opts.Transition.Milliseconds(),
		"now":                  s.nowLocked(),
	}
	s.mu.Unlock()
	info["regions"] = s.Regions()
	info["actions"] = Actions()
	ctlJSON(w, http.StatusOK, info)
}

func (s *Sandbox) ctlReseed(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Seed               int64 `json:"seed"`
		InstancesPerRegion int   `json:"instances_per_region"`
	}
	if err := decodeBody(r, &body); err != nil {
		ctlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if body.InstancesPerRegion < 0 || body.InstancesPerRegion > 100000 {
		ctlError(w, http.StatusBadRequest, "instances_per_region must be in [1, 100000]")
		return
	}
	s.Reseed(body.Seed, body.InstancesPerRegion)
	s.mu.Lock()
	seed, per := s.seed, s.perRegion
	s.mu.Unlock()
	ctlJSON(w, http.StatusOK, map[string]any{"seed": seed, "instances_per_region": per})
}

func (s *Sandbox) ctlState(w http.ResponseWriter, r *http.Request) {
	want := r.URL.Query().Get("region")
	if want != "" && s.Instances(want) == nil {
		ctlError(w, http.StatusNotFound, "unknown region")
		return
	}
	s.mu.Lock()
	dump := stateDump{Now: s.nowLocked(), Seed: s.seed, InstancesPerRegion: s.perRegion, TransitionMS: s.opts.Transition.Milliseconds()}
	var ids []string
	for _, rg := range s.regions {
		if want == "" || rg.info.ID == want {
			ids = append(ids, rg.info.ID)
		}
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.mu.Lock()
		name := s.byRegion[id].info.LocalName["en-US"]
		s.mu.Unlock()
		dump.Regions = append(dump.Regions, regionDump{RegionID: id, LocalName: name, Instances: s.Instances(id), KeyPairs: s.KeyPairs(id)})
	}
	ctlJSON(w, http.StatusOK, dump)
}

func (s *Sandbox) ctlKeys(w http.ResponseWriter, r *http.Request) {
	region, id := r.URL.Query().Get("region"), r.URL.Query().Get("instance")
	if id != "" {
		ks, ok := s.KeyInEffect(region, id)
		if !ok {
			ctlError(w, http.StatusNotFound, "unknown region or instance")
			return
		}
		ctlJSON(w, http.StatusOK, keyRow{InstanceID: id, KeyState: ks})
		return
	}
	list := s.Instances(region)
	if list == nil {
		ctlError(w, http.StatusNotFound, "unknown region (use ?region=)")
		return
	}
	rows := make([]keyRow, 0, len(list))
	for _, st := range list {
		rows = append(rows, keyRow{InstanceID: st.InstanceID, KeyState: st.keyState()})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].InstanceID < rows[j].InstanceID })
	ctlJSON(w, http.StatusOK, rows)
}

func (s *Sandbox) ctlAdvance(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Duration string  `json:"duration"`
		Seconds  float64 `json:"seconds"`
	}
	if err := decodeBody(r, &body); err != nil {
		ctlError(w, http.StatusBadRequest, err.Error())
		return
	}
	d := time.Duration(body.Seconds * float64(time.Second))
	if body.Duration != "" {
		var err error
		if d, err = time.ParseDuration(body.Duration); err != nil {
			ctlError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if d <= 0 {
		ctlError(w, http.StatusBadRequest, "give a positive duration (\"30s\") or seconds")
		return
	}
	s.Advance(d)
	ctlJSON(w, http.StatusOK, map[string]any{"now": s.Now()})
}

func (s *Sandbox) ctlAddFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if err := decodeBody(r, &f); err != nil {
		ctlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.addFault(f); err != nil {
		ctlError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctlJSON(w, http.StatusCreated, f)
}

func (s *Sandbox) ctlGetInstance(w http.ResponseWriter, r *http.Request) {
	st, ok := s.Instance(r.PathValue("region"), r.PathValue("id"))
	if !ok {
		ctlError(w, http.StatusNotFound, "unknown region or instance")
		return
	}
	ctlJSON(w, http.StatusOK, st)
}

func (s *Sandbox) ctlUpdateInstance(w http.ResponseWriter, r *http.Request) {
	var u InstanceUpdate
	if err := decodeBody(r, &u); err != nil {
		ctlError(w, http.StatusBadRequest, err.Error())
		return
	}
	st, err := s.UpdateInstance(r.PathValue("region"), r.PathValue("id"), u)
	if errors.Is(err, ErrNotFound) {
		ctlError(w, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		ctlError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctlJSON(w, http.StatusOK, st)
}
