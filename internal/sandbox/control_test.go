package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func control(t *testing.T, srv *httptest.Server, method, path, body string, wantStatus int, out any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("%s %s: got HTTP %d (%s), want %d", method, path, resp.StatusCode, b, wantStatus)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

func TestControlAPI(t *testing.T) {
	clock := NewManualClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	s := New(Options{InstancesPerRegion: 20, Clock: clock})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)

	var index map[string][]string
	control(t, srv, "GET", "/_sandbox/", "", 200, &index)
	if len(index["endpoints"]) == 0 {
		t.Error("index lists no endpoints")
	}

	var info map[string]any
	control(t, srv, "GET", "/_sandbox/info", "", 200, &info)
	if info["sandbox"] != "keybind" || info["api_version"] != "2014-05-26" {
		t.Errorf("info: got %v", info)
	}

	var dump stateDump
	control(t, srv, "GET", "/_sandbox/state?region=cn-beijing", "", 200, &dump)
	if len(dump.Regions) != 1 || len(dump.Regions[0].Instances) != 20 || len(dump.Regions[0].KeyPairs) == 0 {
		t.Fatalf("state: got %d regions", len(dump.Regions))
	}
	control(t, srv, "GET", "/_sandbox/state?region=mars-1", "", 404, nil)

	id := dump.Regions[0].Instances[0].InstanceID
	var st InstanceState
	control(t, srv, "PATCH", "/_sandbox/instances/cn-beijing/"+id, `{"status":"Stopping","key_pair_name":"ci-runner"}`, 200, &st)
	if st.Status != StatusStopping || st.EffectiveKeyPair != "ci-runner" {
		t.Errorf("patch: got %s %q, want Stopping with ci-runner", st.Status, st.EffectiveKeyPair)
	}
	control(t, srv, "PATCH", "/_sandbox/instances/cn-beijing/i-nope", `{}`, 404, nil)
	control(t, srv, "PATCH", "/_sandbox/instances/cn-beijing/"+id, `{"status":"Flying"}`, 400, nil)
	control(t, srv, "PATCH", "/_sandbox/instances/cn-beijing/"+id, `{"colour":"red"}`, 400, nil)

	var adv map[string]time.Time
	control(t, srv, "POST", "/_sandbox/advance", `{"duration":"1m"}`, 200, &adv)
	if want := clock.Now().Add(time.Minute); !adv["now"].Equal(want) {
		t.Errorf("advance: got now %v, want %v", adv["now"], want)
	}
	control(t, srv, "POST", "/_sandbox/advance", `{"seconds":-1}`, 400, nil)

	var row keyRow
	control(t, srv, "GET", "/_sandbox/keys?region=cn-beijing&instance="+id, "", 200, &row)
	if row.Status != StatusRunning || row.EffectiveKeyPair != "ci-runner" || row.PasswordLogin {
		t.Errorf("keys: got %+v", row)
	}
	var rows []keyRow
	control(t, srv, "GET", "/_sandbox/keys?region=cn-beijing", "", 200, &rows)
	if len(rows) != 20 {
		t.Errorf("keys: got %d rows, want 20", len(rows))
	}

	var f Fault
	control(t, srv, "POST", "/_sandbox/faults", `{"action":"DescribeRegions","kind":"throttle","count":1,"retry_after_ms":700}`, 201, &f)
	if f.RetryAfter != 700*time.Millisecond || f.Count != 1 {
		t.Errorf("fault: got %+v", f)
	}
	control(t, srv, "POST", "/_sandbox/faults", `{"kind":"meteor"}`, 400, nil)
	control(t, srv, "POST", "/_sandbox/faults", `{"kind":"latency"}`, 400, nil)
	status, body := doCall(t, s, "DescribeRegions", nil)
	if status != 400 || body["Code"] != "Throttling.User" {
		t.Errorf("throttled call: got %d %v", status, body["Code"])
	}
	var faults []Fault
	control(t, srv, "GET", "/_sandbox/faults", "", 200, &faults)
	if len(faults) != 0 {
		t.Errorf("spent fault still listed: %+v", faults)
	}
	control(t, srv, "POST", "/_sandbox/faults", `{"kind":"internal","probability":0.5}`, 201, nil)
	control(t, srv, "DELETE", "/_sandbox/faults", "", 200, nil)
	if len(s.Faults()) != 0 {
		t.Error("DELETE /faults left faults installed")
	}

	var calls map[string]int
	control(t, srv, "GET", "/_sandbox/calls", "", 200, &calls)
	if calls["DescribeRegions"] != 1 {
		t.Errorf("calls: got %v, want DescribeRegions:1", calls)
	}
	control(t, srv, "DELETE", "/_sandbox/calls", "", 200, nil)
	if len(s.Calls()) != 0 {
		t.Error("DELETE /calls left counts")
	}

	var seeded map[string]int
	control(t, srv, "POST", "/_sandbox/reseed", `{"seed":5,"instances_per_region":7}`, 200, &seeded)
	if seeded["seed"] != 5 || len(s.Instances("cn-hangzhou")) != 7 {
		t.Errorf("reseed: got %v and %d instances", seeded, len(s.Instances("cn-hangzhou")))
	}
	control(t, srv, "POST", "/_sandbox/reset", "", 200, nil)
	if len(s.Instances("cn-hangzhou")) != 7 {
		t.Error("reset changed the size chosen by reseed")
	}
	control(t, srv, "GET", "/_sandbox/nope", "", 404, nil)
}

func TestErrorBodyShape(t *testing.T) {
	s := New(Options{InstancesPerRegion: 3})
	status, body := doCall(t, s, "DescribeInstances", map[string][]string{"RegionId": {"cn-hangzhou"}, "PageSize": {"1000"}})
	if status != 400 {
		t.Fatalf("got HTTP %d, want 400", status)
	}
	for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
		if v, ok := body[k].(string); !ok || v == "" {
			t.Errorf("error body field %s: got %#v, want a non-empty string", k, body[k])
		}
	}
	if body["HostId"] != "ecs.cn-hangzhou.aliyuncs.com" || !strings.Contains(body["Message"].(string), `"PageSize"`) {
		t.Errorf("got %v", body)
	}
	status, body = doCall(t, s, "DescribeInstances", nil)
	if status != 400 || body["Code"] != "MissingParameter" || !strings.Contains(body["Message"].(string), `"RegionId"`) {
		t.Errorf("missing RegionId: got %d %v", status, body)
	}
}

func TestUnsupportedMethod(t *testing.T) {
	s := New(Options{InstancesPerRegion: 3})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/?Action=DescribeRegions", nil))
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "UnsupportedHTTPMethod") {
		t.Errorf("got %d %s", rec.Code, rec.Body.String())
	}
}

// The control API reads and changes the fleet of ?account= (default: the default account).
func TestControlAPIAccounts(t *testing.T) {
	s := New(Options{InstancesPerRegion: 8, Accounts: []Account{prodAccount},
		Roles: []Role{{Account: "prod", Name: "keybind-operator", Trusted: []string{"default"}}}})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	prod := s.Account("prod")
	prodID := prod.Instances("cn-beijing")[0].InstanceID

	var raw map[string]any
	var listing struct {
		Accounts []accountRow `json:"accounts"`
		Roles    []RoleInfo   `json:"roles"`
	}
	control(t, srv, "GET", "/_sandbox/accounts", "", 200, &listing)
	if len(listing.Accounts) != 2 || listing.Accounts[1] != (accountRow{Name: "prod", UID: prod.UID(), AccessKeyID: prodAccount.AccessKeyID}) {
		t.Errorf("accounts: got %+v", listing.Accounts)
	}
	if len(listing.Roles) != 1 || listing.Roles[0].ARN != prod.RoleARN("keybind-operator") || listing.Roles[0].Trusted[0] != "default" {
		t.Errorf("roles: got %+v", listing.Roles)
	}
	var secrets []any
	control(t, srv, "GET", "/_sandbox/accounts", "", 200, &raw)
	secrets = append(secrets, raw)
	control(t, srv, "GET", "/_sandbox/info", "", 200, &raw)
	if names, _ := raw["accounts"].([]any); len(names) != 2 || names[1] != "prod" {
		t.Errorf("info accounts: got %v", raw["accounts"])
	}
	if b, _ := json.Marshal(append(secrets, raw)); strings.Contains(string(b), prodAccount.AccessKeySecret) || strings.Contains(string(b), DefaultAccessKeySecret) {
		t.Errorf("the control API shows a secret: %s", b)
	}

	var dump stateDump
	control(t, srv, "GET", "/_sandbox/state?account=prod&region=cn-beijing", "", 200, &dump)
	if dump.Account != "prod" || len(dump.Regions) != 1 || dump.Regions[0].Instances[0].InstanceID != prodID {
		t.Errorf("prod's state: got account %q with %d regions", dump.Account, len(dump.Regions))
	}
	control(t, srv, "GET", "/_sandbox/state?account=nobody", "", 404, nil)

	var st InstanceState
	control(t, srv, "PATCH", "/_sandbox/instances/cn-beijing/"+prodID+"?account=prod", `{"status":"Stopped"}`, 200, &st)
	if got, _ := prod.Instance("cn-beijing", prodID); st.Status != StatusStopped || got.Status != StatusStopped {
		t.Errorf("patch in prod: answered %s, prod has %s; want Stopped", st.Status, got.Status)
	}
	control(t, srv, "PATCH", "/_sandbox/instances/cn-beijing/"+prodID, `{"status":"Running"}`, 404, nil)
	control(t, srv, "GET", "/_sandbox/instances/cn-beijing/"+prodID+"?account=prod", "", 200, &st)
	var row keyRow
	control(t, srv, "GET", "/_sandbox/keys?account=prod&region=cn-beijing&instance="+prodID, "", 200, &row)
	control(t, srv, "GET", "/_sandbox/keys?region=cn-beijing&instance="+prodID, "", 404, nil)

	control(t, srv, "POST", "/_sandbox/faults", `{"account":"prod","kind":"internal","count":1}`, 201, nil)
	control(t, srv, "POST", "/_sandbox/faults", `{"account":"nobody","kind":"internal"}`, 400, nil)
	if status, _ := doCall(t, s, "DescribeRegions", nil); status != http.StatusOK {
		t.Errorf("a default-account call hit prod's fault: %d", status)
	}
	if status, _ := doCallAs(t, s, prodKey, "DescribeRegions", nil); status != http.StatusInternalServerError {
		t.Errorf("prod's call: %d, want its fault's 500", status)
	}
	var calls map[string]int
	control(t, srv, "GET", "/_sandbox/calls?account=prod", "", 200, &calls)
	if len(calls) != 1 || calls["DescribeRegions"] != 1 {
		t.Errorf("prod's calls: got %v, want DescribeRegions:1", calls)
	}
	control(t, srv, "GET", "/_sandbox/calls", "", 200, &calls)
	if calls["DescribeRegions"] != 2 {
		t.Errorf("all calls: got %v, want DescribeRegions:2", calls)
	}
	control(t, srv, "DELETE", "/_sandbox/calls", "", 200, nil)
	if len(prod.Calls()) != 0 {
		t.Error("DELETE /calls left prod's counts")
	}
}
