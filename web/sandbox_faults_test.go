package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

// Issue #11, item 9: the sandbox controls page offers every fault kind,
// fail-instances (with its instance IDs and code), drop-after and
// delay-after included.
func TestSandboxControlsOfferEveryFault(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	page := admin.Get("/sandbox")
	var offered []string
	page.Doc.Find(`[data-testid="fault-form"] select[name="kind"] option`).Each(func(_ int, o *goquery.Selection) {
		offered = append(offered, o.AttrOr("value", ""))
	})
	for _, kind := range sandbox.FaultKinds {
		if !slices.Contains(offered, kind) {
			t.Errorf("the fault form does not offer %q (offers %v)", kind, offered)
		}
	}

	ids := []string{app.Sandbox.Instances(testapp.Region)[0].InstanceID, app.Sandbox.Instances(testapp.Region)[1].InstanceID}
	form := func(kind string, extra url.Values) url.Values {
		v := url.Values{"action": {""}, "kind": {kind}, "count": {"1"}, "probability": {"0"}, "latency_ms": {"0"}}
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want int
	}{
		{"fail-instances", form(sandbox.FaultFailInstances, url.Values{"action": {"AttachKeyPair"},
			"instance_ids": {strings.Join(ids, "\n")}, "code": {"OperationConflict"}}), http.StatusSeeOther},
		{"fail-instances without instances", form(sandbox.FaultFailInstances, nil), http.StatusUnprocessableEntity},
		{"fail-instances with a bad code", form(sandbox.FaultFailInstances, url.Values{"instance_ids": {ids[0]}, "code": {"<b>"}}), http.StatusUnprocessableEntity},
		{"drop-after", form(sandbox.FaultDropAfter, url.Values{"action": {"RebootInstances"}}), http.StatusSeeOther},
		{"delay-after", form(sandbox.FaultDelayAfter, url.Values{"latency_ms": {"2000"}}), http.StatusSeeOther},
		{"delay-after without a latency", form(sandbox.FaultDelayAfter, nil), http.StatusUnprocessableEntity},
	} {
		admin.Get("/sandbox")
		if r := admin.PostForm("/sandbox/faults", tc.form); r.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, r.StatusCode, tc.want)
		}
	}
	faults := app.Sandbox.Faults()
	if len(faults) != 3 {
		t.Fatalf("installed faults %+v, want fail-instances, drop-after and delay-after", faults)
	}
	if f := faults[0]; f.Kind != sandbox.FaultFailInstances || f.Action != "AttachKeyPair" || !slices.Equal(f.InstanceIDs, ids) || f.Code != "OperationConflict" {
		t.Errorf("fail-instances fault %+v, want AttachKeyPair failing %v with OperationConflict", f, ids)
	}
	table := admin.Get("/sandbox").Doc.Find(`[data-testid="fault-table"]`).Text()
	for _, want := range []string{"2 instances with OperationConflict", "drop-after", "delay-after", "2s each"} {
		if !strings.Contains(table, want) {
			t.Errorf("the fault table lacks %q: %s", want, strings.Join(strings.Fields(table), " "))
		}
	}
}
