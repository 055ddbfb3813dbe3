package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"keybind/handlers/api"
	"keybind/internal/testapp"
)

// openAPI is the API's OpenAPI document, decoded, with a small checker of
// responses against it: the status must be documented for the operation,
// the documented headers present, and the JSON body must have every
// required property with the documented type, recursively, and no property
// the schema does not document. $ref, allOf, nullable and enum are
// understood; that is all the document uses.
type openAPI struct {
	doc map[string]any
	ops map[string]openAPIOp // "GET /jobs/{id}"
}

type openAPIOp struct {
	method, template string
	pattern          *regexp.Regexp
	responses        map[string]any
}

func loadOpenAPI(t *testing.T, raw []byte) *openAPI {
	t.Helper()
	o := &openAPI{ops: map[string]openAPIOp{}}
	if err := json.Unmarshal(raw, &o.doc); err != nil {
		t.Fatalf("the OpenAPI document is not JSON: %v", err)
	}
	if v := jStr(o.doc["openapi"]); !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi %q, want 3.x", v)
	}
	param := regexp.MustCompile(`\\\{[^}/]+\\\}`) // a {parameter} after QuoteMeta
	for tmpl, item := range jObj(o.doc["paths"]) {
		for method, op := range jObj(item) {
			if method == "parameters" {
				continue
			}
			re := regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(tmpl), `[^/]+`) + "$")
			o.ops[strings.ToUpper(method)+" "+tmpl] = openAPIOp{method: strings.ToUpper(method), template: tmpl, pattern: re,
				responses: jObj(jObj(op)["responses"])}
		}
	}
	return o
}

// op finds the documented operation of a call to /api/v1 + path.
func (o *openAPI) op(method, path string) (openAPIOp, bool) {
	path, _, _ = strings.Cut(strings.TrimPrefix(path, "/api/v1"), "?")
	var found []openAPIOp
	for _, op := range o.ops {
		if op.method == method && op.pattern.MatchString(path) {
			found = append(found, op)
		}
	}
	// A literal path (/jobs/bind) wins over a template (/jobs/{id}).
	sort.Slice(found, func(i, j int) bool {
		return strings.Count(found[i].template, "{") < strings.Count(found[j].template, "{")
	})
	if len(found) == 0 {
		return openAPIOp{}, false
	}
	return found[0], true
}

// ref follows a local $ref.
func (o *openAPI) ref(v map[string]any) map[string]any {
	for v != nil {
		r, ok := v["$ref"].(string)
		if !ok {
			return v
		}
		cur := any(o.doc)
		for _, part := range strings.Split(strings.TrimPrefix(r, "#/"), "/") {
			cur = jObj(cur)[part]
		}
		v = jObj(cur)
	}
	return v
}

// check returns what is wrong with value v under schema s, each problem
// with its JSON path.
func (o *openAPI) check(path string, s map[string]any, v any) []string {
	s = o.ref(s)
	if s == nil {
		return []string{path + ": no schema"}
	}
	if _, ok := s["allOf"]; ok {
		s = o.flatten(s)
	}
	if v == nil {
		if s["nullable"] == true {
			return nil
		}
		return []string{path + ": null where the document does not allow it"}
	}
	var errs []string
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", path, v, enum))
	}
	switch typ := jStr(s["type"]); typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: %T, want an object", path, v))
		}
		for _, r := range jList(s["required"]) {
			if _, ok := m[jStr(r)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required property %q is missing", path, jStr(r)))
			}
		}
		props, hasProps := s["properties"].(map[string]any)
		extra, hasExtra := s["additionalProperties"].(map[string]any)
		for k, val := range m {
			switch ps, ok := props[k]; {
			case ok:
				errs = append(errs, o.check(path+"."+k, jObj(ps), val)...)
			case hasExtra:
				errs = append(errs, o.check(path+"."+k, extra, val)...)
			case hasProps && len(props) > 0:
				errs = append(errs, fmt.Sprintf("%s: property %q is not in the document", path, k))
			}
		}
	case "array":
		l, ok := v.([]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: %T, want an array", path, v))
		}
		for i, item := range l {
			errs = append(errs, o.check(fmt.Sprintf("%s[%d]", path, i), jObj(s["items"]), item)...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			errs = append(errs, fmt.Sprintf("%s: %T, want a string", path, v))
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != math.Trunc(f) {
			errs = append(errs, fmt.Sprintf("%s: %v, want an integer", path, v))
		}
	case "number":
		if _, ok := v.(float64); !ok {
			errs = append(errs, fmt.Sprintf("%s: %T, want a number", path, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs = append(errs, fmt.Sprintf("%s: %T, want a boolean", path, v))
		}
	default:
		errs = append(errs, fmt.Sprintf("%s: the document gives no type (%q)", path, typ))
	}
	return errs
}

// flatten merges an allOf schema into one object schema.
func (o *openAPI) flatten(s map[string]any) map[string]any {
	out := map[string]any{"type": "object", "properties": map[string]any{}, "required": []any{}}
	for _, part := range jList(s["allOf"]) {
		p := o.ref(jObj(part))
		if _, nested := p["allOf"]; nested {
			p = o.flatten(p)
		}
		for k, v := range jObj(p["properties"]) {
			jObj(out["properties"])[k] = v
		}
		out["required"] = append(jList(out["required"]), jList(p["required"])...)
	}
	return out
}

// conforms checks one real response against the document and returns the
// operation it belongs to.
func (o *openAPI) conforms(t *testing.T, method, path string, r apiResp) string {
	t.Helper()
	op, ok := o.op(method, path)
	if !ok {
		t.Errorf("%s %s is not in the OpenAPI document", method, path)
		return ""
	}
	key := op.method + " " + op.template
	resp := o.ref(jObj(op.responses[fmt.Sprint(r.Status)]))
	if resp == nil {
		t.Errorf("%s (%s %s): status %d is not documented; body %.300s", key, method, path, r.Status, r.Raw)
		return key
	}
	for h := range jObj(resp["headers"]) {
		if r.Header.Get(h) == "" {
			t.Errorf("%s: %d response lacks the documented header %s", key, r.Status, h)
		}
	}
	schema := jObj(jObj(jObj(resp["content"])["application/json"])["schema"])
	if schema == nil {
		t.Errorf("%s: %d has no JSON schema", key, r.Status)
		return key
	}
	if r.JSON == nil {
		t.Errorf("%s: %d body is not a JSON object: %.300s", key, r.Status, r.Raw)
		return key
	}
	for _, e := range o.check("$", schema, r.JSON) {
		t.Errorf("%s → %d: %s", key, r.Status, e)
	}
	return key
}

// Every documented operation is called for real and its answers checked
// against the document: successes, and errors with their documented
// statuses. Every API route is documented.
func TestAPIConformsToOpenAPI(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 40})
	admin := newAPIClient(t, app, apiToken(t, app.SignIn(t, "admin", testapp.AdminPassword), "conformance"))
	helpdesk := newAPIClient(t, app, apiToken(t, app.SignIn(t, "helen", testapp.HelpdeskPassword), "conformance"))
	anon := newAPIClient(t, app, "")
	served := helpdesk.get("/api/v1/openapi.json").want(t, http.StatusOK, "GET /api/v1/openapi.json")
	if served.Raw != string(api.OpenAPIDocument()) {
		t.Fatal("the served document differs from the embedded one")
	}
	doc := loadOpenAPI(t, []byte(served.Raw))

	succeeded := map[string]bool{}
	call := func(a *apiClient, method, path string, body any, headers ...string) apiResp {
		t.Helper()
		r := a.call(method, path, body, headers...)
		if op := doc.conforms(t, method, path, r); op != "" && r.Status < 300 {
			succeeded[op] = true
		}
		return r
	}
	expect := func(r apiResp, status int, what string) apiResp {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%s: status %d, want %d; body %.400s", what, r.Status, status, r.Raw)
		}
		return r
	}

	expect(call(helpdesk, "GET", "/api/v1/openapi.json", nil), 200, "the document")
	expect(call(anon, "GET", "/api/v1/openapi.json", nil), 401, "the document without a token")
	expect(call(admin, "GET", "/api/v1/me", nil), 200, "me")
	expect(call(anon, "GET", "/api/v1/me", nil), 401, "me without a token")
	expect(call(admin, "GET", "/api/v1/accounts", nil), 200, "accounts")
	expect(call(admin, "GET", "/api/v1/regions", nil), 200, "regions")
	expect(call(admin, "GET", "/api/v1/regions?account=default", nil), 200, "regions in the account default")
	expect(call(admin, "GET", "/api/v1/regions?x=1", nil), 422, "regions with a parameter")

	kp := "/api/v1/regions/" + testapp.Region + "/keypairs"
	expect(call(admin, "GET", kp+"?name=a&page_size=2", nil), 200, "key pairs")
	expect(call(admin, "GET", kp+"?page_size=99", nil), 422, "key pairs, page size 99")
	expect(call(admin, "GET", "/api/v1/regions/xx-nowhere-1/keypairs", nil), 404, "key pairs of no region")
	pub, _ := apiEd25519(t, "conformance")
	expect(call(admin, "POST", kp, map[string]any{"name": "conformance-key", "public_key": pub}), 201, "import")
	expect(call(admin, "POST", kp, map[string]any{"name": "conformance-key", "public_key": pub}), 409, "import again")
	expect(call(admin, "POST", kp, map[string]any{"name": "x", "public_key": "ssh-rsa AAAA"}), 422, "import nonsense")
	expect(call(admin, "POST", kp, "name=x", "Content-Type", "text/plain"), 415, "import as text")
	expect(call(admin, "POST", kp, "{", nil...), 400, "import broken JSON")
	expect(call(helpdesk, "GET", kp+"/conformance-key", nil), 200, "one key pair")
	expect(call(admin, "GET", kp+"/no-such-key", nil), 404, "no such key pair")

	inst := "/api/v1/regions/" + testapp.Region + "/instances"
	expect(call(admin, "GET", inst+"?status=Running&page_size=5", nil), 200, "instances")
	expect(call(admin, "GET", inst+"?status=Bad", nil), 422, "instances, bad status")
	expect(call(admin, "GET", "/api/v1/regions/xx-nowhere-1/instances", nil), 404, "instances of no region")

	key := app.FirstKey(t)
	f := pickFleet(app, 20)
	bind := map[string]any{"region": testapp.Region, "key_pair": key, "instance_ids": f.ids, "acknowledge": true}
	created := expect(call(admin, "POST", "/api/v1/jobs/bind", bind, "Idempotency-Key", "conformance-bind"), 201, "bind")
	expect(call(admin, "POST", "/api/v1/jobs/bind", bind, "Idempotency-Key", "conformance-bind"), 200, "bind replayed")
	expect(call(admin, "POST", "/api/v1/jobs/bind", map[string]any{"region": testapp.Region}, "Idempotency-Key", "conformance-bad"), 422, "bind, fields missing")
	expect(call(admin, "POST", "/api/v1/jobs/bind", bind, "Idempotency-Key", ""), 400, "bind without a key")
	job := created.Header.Get("Location")
	apiStepUntil(t, app, admin, job)

	expect(call(admin, "GET", "/api/v1/jobs", nil), 200, "jobs")
	expect(call(admin, "GET", "/api/v1/jobs?page=0", nil), 422, "jobs, page 0")
	expect(call(admin, "GET", job, nil), 200, "job")
	expect(call(admin, "GET", "/api/v1/jobs/999", nil), 404, "no such job")
	expect(call(helpdesk, "GET", "/api/v1/audit", nil), 403, "audit as helpdesk")

	expect(call(admin, "POST", job+"/reboot", map[string]any{"instance_ids": f.stopped[:1]}), 409, "reboot a stopped instance")
	expect(call(admin, "POST", job+"/reboot", map[string]any{"instance_ids": []string{"x"}}), 422, "reboot a bad ID")
	expect(call(admin, "POST", job+"/reboot", map[string]any{"instance_ids": f.running[:1], "force": true}), 202, "reboot one")
	expect(call(admin, "POST", job+"/start", map[string]any{"instance_ids": f.stopped[:1]}), 202, "start one")
	expect(call(admin, "POST", job+"/reboot-running", nil), 202, "reboot the running")
	expect(call(admin, "POST", job+"/start-stopped", nil), 202, "start the stopped")
	expect(call(admin, "POST", job+"/start-stopped", nil), 409, "start the stopped again")
	expect(call(admin, "POST", "/api/v1/jobs/999/reboot-running", nil), 404, "reboot in no job")
	apiStepUntil(t, app, admin, job)

	// A retryable failure and a restart of unknown outcome, as the engine
	// would leave them after a throttled call and a lost answer.
	jobID := created.num("id")
	db := app.Store.DB()
	ctx := context.Background()
	expect(call(admin, "POST", job+"/retry-failed", nil), 409, "retry with nothing failed")
	if _, err := db.ExecContext(ctx, `UPDATE job_items SET key_state = 'failed', key_retryable = 1, key_code = 'Throttling', key_message = 'Request was denied due to request throttling.', restart_state = '' WHERE job_id = $1 AND instance_id = $2`, jobID, f.running[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE job_items SET restart_state = 'needs-decision' WHERE job_id = $1 AND instance_id = $2`, jobID, f.running[2]); err != nil {
		t.Fatal(err)
	}
	j := expect(call(admin, "GET", job, nil), 200, "job with a failure")
	if jNum(jObj(j.JSON["counts"])["retryable"]) != 1 || jNum(jObj(j.JSON["counts"])["decisions"]) != 1 {
		t.Errorf("counts %v, want 1 retryable and 1 decision", j.JSON["counts"])
	}
	expect(call(admin, "POST", job+"/items/"+f.running[2]+"/resolve", map[string]any{"decision": "done"}), 202, "resolve")
	expect(call(admin, "POST", job+"/items/"+f.running[2]+"/resolve", map[string]any{"decision": "done"}), 409, "resolve again")
	expect(call(admin, "POST", job+"/items/"+f.running[2]+"/resolve", map[string]any{"decision": "?"}), 422, "resolve, bad decision")
	expect(call(admin, "POST", job+"/retry-failed", map[string]any{}), 202, "retry")
	apiStepUntil(t, app, admin, job)

	unbind := map[string]any{"region": testapp.Region, "key_pair": key, "instance_ids": f.running[:2]}
	un := expect(call(admin, "POST", "/api/v1/jobs/unbind", unbind, "Idempotency-Key", "conformance-unbind"), 201, "unbind")
	expect(call(admin, "POST", "/api/v1/jobs/unbind", unbind, "Idempotency-Key", "conformance-unbind"), 200, "unbind replayed")
	expect(call(admin, "POST", "/api/v1/jobs/unbind", map[string]any{"key_pair": key}, "Idempotency-Key", "conformance-unbind-2"), 422, "unbind, fields missing")
	apiStepUntil(t, app, admin, un.Header.Get("Location"))

	expect(call(admin, "POST", job+"/rollback", map[string]any{"after": "restart", "wave_size": 5}, "Idempotency-Key", "conformance-rollback"), 201, "rollback")
	expect(call(admin, "POST", job+"/rollback", map[string]any{"after": "restart", "wave_size": 5}, "Idempotency-Key", "conformance-rollback"), 200, "rollback replayed")
	expect(call(admin, "POST", "/api/v1/jobs/999/rollback", nil, "Idempotency-Key", "conformance-rollback-2"), 404, "rollback of no job")

	// Pause, resume and cancel a job, and a job on the instances of an active one.
	rb := expect(call(admin, "POST", job+"/rollback", map[string]any{"after": "restart", "window": "10%"}, "Idempotency-Key", "conformance-rollback-3"), 409, "rollback while the first one runs")
	_ = rb
	restore := "/api/v1/jobs/" + fmt.Sprint(jNum(expect(call(admin, "GET", "/api/v1/jobs?page_size=1", nil), 200, "newest job").JSON["items"].([]any)[0].(map[string]any)["id"]))
	expect(call(admin, "POST", restore+"/pause", nil), 202, "pause")
	expect(call(admin, "POST", restore+"/pause", nil), 409, "pause again")
	expect(call(admin, "POST", restore+"/resume", map[string]any{}), 202, "resume")
	expect(call(admin, "POST", restore+"/resume", nil), 409, "resume a running job")
	expect(call(admin, "POST", restore+"/cancel", nil), 202, "cancel")
	expect(call(admin, "POST", restore+"/cancel", nil), 409, "cancel again")
	expect(call(admin, "POST", "/api/v1/jobs/999/cancel", nil), 404, "cancel no job")

	expect(call(admin, "GET", "/api/v1/audit?page_size=20", nil), 200, "audit")
	expect(call(admin, "GET", "/api/v1/audit?from=yesterday", nil), 422, "audit, bad date")

	// Every documented operation answered with success at least once.
	var missing []string
	for key := range doc.ops {
		if !succeeded[key] {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("documented operations never called with success: %v", missing)
	}
	// Every API route is documented.
	for _, r := range apiRoutes(t, app) {
		if _, ok := doc.op(r.Method, apiPath(r.Path)); !ok {
			t.Errorf("route %s %s is not in the OpenAPI document", r.Method, r.Path)
		}
	}
}

// The checker itself finds a dropped field, a renamed field, a wrong type
// and an undocumented field, so the test above can fail.
func TestOpenAPICheckerFindsProblems(t *testing.T) {
	doc := loadOpenAPI(t, api.OpenAPIDocument())
	schema := map[string]any{"$ref": "#/components/schemas/Job"}
	good := map[string]any{}
	if err := json.Unmarshal([]byte(`{"id":1,"kind":"bind","title":"Bind k","account":"default","region":"r","key_pair":"k","rollback_of":null,
		"created_by":"u","created_via":"api","created_at":"2026-01-01T00:00:00Z","finished_at":null,"reason":"","state":"done","state_label":"Done",
		"in_motion":false,"after":"a","policy":{"after":"none","force":false,"wave_size":20,"window":"10%","max_errors":"0","error_budget":0,"start_with_one":false},
		"paused":null,"cancelled_at":null,"cancelled_by":"",
		"counts":{"total":1,"bound":1,"failed":0,"excluded":0,"pending":0,"in_effect":1,"in_motion":0,"decisions":0,"restarting":0,"queued":0,"replaced":0,"cancelled":0,"reboot_ready":0,"start_ready":0,"retryable":0},
		"items":[{"instance_id":"i-a","name":"a","previous_key":"","target_key":"k","action":"attach","result":"Bound","result_detail":"",
		"key_state":"done","key_code":"","key_message":"","key_request_id":"","excluded_reason":"","restart":"Running — key in effect","waiting":"",
		"restart_state":"key-in-effect","restart_op":"reboot","restart_code":"","restart_message":"","last_status":"Running",
		"can_reboot":false,"can_start":false,"needs_decision":false}]}`), &good); err != nil {
		t.Fatal(err)
	}
	if errs := doc.check("$", schema, good); len(errs) != 0 {
		t.Fatalf("a good job is refused: %v", errs)
	}
	mutations := map[string]func(m map[string]any){
		"dropped":      func(m map[string]any) { delete(m, "state_label") },
		"renamed":      func(m map[string]any) { m["stateLabel"] = m["state_label"]; delete(m, "state_label") },
		"wrong type":   func(m map[string]any) { m["id"] = "1" },
		"not integer":  func(m map[string]any) { jObj(m["counts"])["bound"] = 1.5 },
		"null":         func(m map[string]any) { m["title"] = nil },
		"bad enum":     func(m map[string]any) { m["state"] = "finished" },
		"item dropped": func(m map[string]any) { delete(jObj(jList(m["items"])[0]), "restart") },
		"undocumented": func(m map[string]any) { jObj(m["policy"])["colour"] = "red" },
	}
	for name, mutate := range mutations {
		var m map[string]any
		b, _ := json.Marshal(good)
		_ = json.Unmarshal(b, &m)
		mutate(m)
		if errs := doc.check("$", schema, m); len(errs) == 0 {
			t.Errorf("%s: the checker finds nothing wrong", name)
		}
	}
}
