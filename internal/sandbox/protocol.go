package sandbox

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	apiVersion    = "2014-05-26" // ECS
	stsVersion    = "2015-04-01" // STS
	controlPrefix = "/_sandbox/"
	maxBody       = 1 << 20
)

// call is one ECS or STS request being served.
type call struct {
	requestID string
	action    string
	p         params
	prod      *product
	who       principal // the signer, and so the account the call works in
	region    *region   // RegionId in the signer's account, for actions that take it
	now       time.Time // simulation time, set under the state lock
	// instanceFaults are per-instance failures injected by fail-instances faults.
	instanceFaults map[string]*apiError
}

// handler serves one action. It runs with s.mu held and returns the response body.
type handler func(s *Sandbox, c *call) (any, *apiError)

// regionUse says what an action does with RegionId.
type regionUse int

const (
	regionIgnored  regionUse = iota
	regionOptional           // looked up when given
	regionRequired
)

// action is one API action and how it reads RegionId.
type action struct {
	run    handler
	region regionUse
}

// product is one API served on the listener; a request's Version picks it.
type product struct {
	name    string // as in the Recommend URL: Ecs, Sts
	version string
	actions map[string]action
}

// host is the HostId of an error: the product's regional endpoint when the request named a region.
func (pr *product) host(region string) string {
	h := strings.ToLower(pr.name)
	if pr.name == "Ecs" && region != "" && len(region) < 64 {
		h += "." + region
	}
	return h + ".aliyuncs.com"
}

var (
	ecs = &product{name: "Ecs", version: apiVersion, actions: merged(describeActions, keyPairActions, powerActions)}
	sts = &product{name: "Sts", version: stsVersion, actions: stsActions}
	// products by Version; an unknown Version is an ECS request with a bad Version.
	products = map[string]*product{apiVersion: ecs, stsVersion: sts}
)

func merged(tables ...map[string]action) map[string]action {
	out := map[string]action{}
	for _, t := range tables {
		maps.Copy(out, t)
	}
	return out
}

// Actions lists the ECS actions the sandbox implements, sorted.
func Actions() []string { return slices.Sorted(maps.Keys(ecs.actions)) }

// knownAction reports whether name is an action of any product.
func knownAction(name string) bool {
	for _, pr := range products {
		if _, ok := pr.actions[name]; ok {
			return true
		}
	}
	return false
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *Sandbox) serveAPI(w http.ResponseWriter, r *http.Request) {
	c := &call{requestID: newRequestID(), prod: ecs}
	w.Header().Set("x-acs-request-id", c.requestID)
	log := s.log.With("request_id", c.requestID)

	act, aerr := s.admit(r, c)
	log = log.With("action", c.action)
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
	resp, aerr := s.run(act, c)
	s.mu.Unlock()
	if after.apply(w, r, log) {
		return
	}
	if aerr != nil {
		s.writeError(w, c, aerr, log)
		return
	}
	log.Debug("api call", "status", http.StatusOK)
	writeJSON(w, http.StatusOK, resp)
}

// admit reads the request, verifies its signature and finds its product
// and action; every call that names an action is counted.
func (s *Sandbox) admit(r *http.Request, c *call) (action, *apiError) {
	body, p, aerr := readParams(r)
	c.p = p
	if aerr == nil && r.URL.Path != "/" {
		aerr = errAPINotFound
	}
	if aerr != nil {
		return action{}, aerr
	}
	c.action = cmp.Or(p.str("Action"), r.Header.Get("x-acs-action"))
	version := cmp.Or(p.str("Version"), r.Header.Get("x-acs-version"))
	if c.action == "" {
		return action{}, errMissing("Action")
	}
	if pr := products[version]; pr != nil {
		c.prod = pr
	}
	s.mu.Lock()
	s.calls[c.action]++
	s.mu.Unlock()

	if strings.HasPrefix(r.Header.Get("Authorization"), "ACS3-") {
		c.who, aerr = s.verifyACS3(r, body)
	} else {
		c.who, aerr = s.verifyV1(r.Method, p)
	}
	if aerr != nil {
		return action{}, aerr
	}
	s.mu.Lock()
	c.who.acct.calls[c.action]++
	s.mu.Unlock()
	switch {
	case version == "":
		return action{}, errMissing("Version")
	case version != c.prod.version:
		return action{}, errInvalid("Version")
	}
	act, ok := c.prod.actions[c.action]
	if !ok {
		return action{}, errAPINotFound // today's gateway; older ECS answered 403 InvalidAction
	}
	return act, nil
}

// run resolves RegionId in the signer's account as the action wants and
// runs it; s.mu is held.
func (s *Sandbox) run(act action, c *call) (any, *apiError) {
	if id := c.p.str("RegionId"); act.region != regionIgnored && id != "" {
		if c.region = c.who.acct.byRegion[id]; c.region == nil {
			return nil, newError(http.StatusNotFound, "InvalidRegionId.NotFound", "The specified RegionId does not exist.")
		}
	} else if act.region == regionRequired {
		return nil, errMissing("RegionId")
	}
	return act.run(s, c)
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
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	level := slog.LevelInfo
	if e.Status >= 500 {
		level = slog.LevelWarn
	}
	log.Log(context.Background(), level, "api call failed", "status", e.Status, "code", e.Code)
	writeJSON(w, e.Status, errorBody{
		RequestID: c.requestID,
		HostID:    c.prod.host(c.p.str("RegionId")),
		Code:      e.Code,
		Message:   e.Message,
		Recommend: "https://api.aliyun.com/troubleshoot?q=" + e.Code + "&product=" + c.prod.name + "&requestId=" + c.requestID,
	})
}
