package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

const (
	apiVersion    = "2014-05-26"
	controlPrefix = "/_sandbox/"
	maxBody       = 1 << 20
)

// call is one ECS request being served.
type call struct {
	requestID string
	action    string
	p         params
	now       time.Time // simulation time, set under the state lock
	// instanceFaults are per-instance failures injected by fail-instances faults.
	instanceFaults map[string]*apiError
}

// handler serves one action. It runs with s.mu held and returns the response body.
type handler func(s *Sandbox, c *call) (any, *apiError)

var actions = map[string]handler{
	"DescribeRegions":        (*Sandbox).describeRegions,
	"DescribeInstances":      (*Sandbox).describeInstances,
	"DescribeInstanceStatus": (*Sandbox).describeInstanceStatus,
	"DescribeKeyPairs":       (*Sandbox).describeKeyPairs,
	"ImportKeyPair":          (*Sandbox).importKeyPair,
	"CreateKeyPair":          (*Sandbox).createKeyPair,
	"DeleteKeyPairs":         (*Sandbox).deleteKeyPairs,
	"AttachKeyPair":          (*Sandbox).attachKeyPair,
	"DetachKeyPair":          (*Sandbox).detachKeyPair,
	"RebootInstance":         (*Sandbox).rebootInstance,
	"RebootInstances":        (*Sandbox).rebootInstances,
	"StartInstance":          (*Sandbox).startInstance,
	"StartInstances":         (*Sandbox).startInstances,
}

// Actions lists the ECS actions the sandbox implements, sorted.
func Actions() []string {
	out := make([]string, 0, len(actions))
	for a := range actions {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *Sandbox) serveAPI(w http.ResponseWriter, r *http.Request) {
	c := &call{requestID: newRequestID()}
	w.Header().Set("x-acs-request-id", c.requestID)
	log := s.log.With("request_id", c.requestID)

	body, p, aerr := readParams(r)
	c.p = p
	if aerr == nil && r.URL.Path != "/" {
		aerr = errAPINotFound()
	}
	if aerr != nil {
		s.writeError(w, c, aerr, log)
		return
	}
	acs3 := strings.HasPrefix(r.Header.Get("Authorization"), "ACS3-")
	c.action, _ = firstNonEmpty(p.str("Action"), r.Header.Get("x-acs-action"))
	version, _ := firstNonEmpty(p.str("Version"), r.Header.Get("x-acs-version"))
	log = log.With("action", c.action)
	if c.action == "" {
		s.writeError(w, c, errMissing("Action"), log)
		return
	}

	s.mu.Lock()
	s.calls[c.action]++
	s.mu.Unlock()

	if acs3 {
		aerr = s.verifyACS3(r, body, p)
	} else {
		aerr = s.verifyV1(r.Method, p)
	}
	if aerr == nil && version == "" {
		aerr = errMissing("Version")
	}
	if aerr == nil && version != apiVersion {
		aerr = errInvalid("Version")
	}
	h, ok := actions[c.action]
	if aerr == nil && !ok {
		aerr = errAPINotFound() // today's gateway; older ECS answered 403 InvalidAction
	}
	if aerr != nil {
		s.writeError(w, c, aerr, log)
		return
	}

	answered, after := s.applyFaults(w, r, c, log)
	if answered {
		return
	}

	s.mu.Lock()
	c.now = s.nowLocked()
	resp, aerr := h(s, c)
	s.mu.Unlock()
	if after.apply(w, r, log) {
		return
	}
	if aerr != nil {
		s.writeError(w, c, aerr, log)
		return
	}
	log.Debug("ecs call", "status", http.StatusOK)
	writeJSON(w, http.StatusOK, resp)
}

func firstNonEmpty(vs ...string) (string, bool) {
	for _, v := range vs {
		if v != "" {
			return v, true
		}
	}
	return "", false
}

// readParams merges the query string and an urlencoded body; it also returns the raw body for ACS3.
func readParams(r *http.Request) ([]byte, params, *apiError) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return nil, params{}, newError(http.StatusForbidden, "UnsupportedHTTPMethod", "This HTTP method is not supported.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return nil, params{}, newError(http.StatusBadRequest, "InvalidParameter", "The request body could not be read.")
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, params{}, newError(http.StatusBadRequest, "InvalidParameter", "The query string is malformed.")
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if len(bytes.TrimSpace(body)) > 0 && (ct == "application/x-www-form-urlencoded" || ct == "") {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, params{}, newError(http.StatusBadRequest, "InvalidParameter", "The request body is malformed.")
		}
		for k, vs := range form {
			q[k] = append(q[k], vs...)
		}
	}
	return body, params(q), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"Code":"InternalError","Message":"response encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Sandbox) writeError(w http.ResponseWriter, c *call, e *apiError, log *slog.Logger) {
	host := "ecs.aliyuncs.com"
	if region := c.p.str("RegionId"); region != "" && len(region) < 64 {
		host = "ecs." + region + ".aliyuncs.com"
	}
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	level := slog.LevelInfo
	if e.Status >= 500 {
		level = slog.LevelWarn
	}
	log.Log(context.Background(), level, "ecs call failed", "status", e.Status, "code", e.Code)
	writeJSON(w, e.Status, errorBody{
		RequestID: c.requestID,
		HostID:    host,
		Code:      e.Code,
		Message:   e.Message,
		Recommend: recommendURL(e.Code, c.requestID),
	})
}

// regionParam resolves RegionId; required controls whether an absent value is an error.
func (s *Sandbox) regionParam(c *call, required bool) (*region, *apiError) {
	id := c.p.str("RegionId")
	if id == "" {
		if required {
			return nil, errMissing("RegionId")
		}
		return nil, nil
	}
	r := s.byRegion[id]
	if r == nil {
		return nil, errRegionNotFound()
	}
	return r, nil
}
