// Package views holds the console's templ components and the view models
// they render. Views never see SDK or database types and hold no logic beyond
// presentation.
package views

import (
	"encoding/json"
	"strconv"

	"github.com/a-h/templ"
)

// Page is what the layout needs on every page.
type Page struct {
	Title   string
	Nav     string // the active navigation entry, e.g. "dashboard"
	User    *User  // nil when signed out
	Sandbox bool   // the cloud behind the console is the ECS sandbox
	// SandboxControls: the sandbox is embedded, so admins get its controls page.
	SandboxControls bool
	Flashes         []Flash
	CSRFToken       string
	CloudAccount    string // the cloud account the page works in; "" when none is chosen
}

// User is the signed-in user as the layout shows them.
type User struct {
	Name    string
	Role    string
	IsAdmin bool
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind    string // success, error, info, warning
	Message string
}

// hxHeaders is the hx-headers value that makes htmx send the CSRF token.
func hxHeaders(token string) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

// htmxConfig keeps htmx within the CSP: no eval, no inline indicator styles.
// Error answers are swapped too (the server retargets them to the flash
// region), so the user reads the server's message.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0,"selfRequestsOnly":true,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"[45]..","swap":true,"error":true}]}`

func navCurrent(active, entry string) string {
	if active == entry {
		return "page"
	}
	return "false"
}

// invalid marks a field with an error message for assistive technology
// (and Pico's red outline); a field without one gets no aria-invalid.
func invalid(msg string) templ.Attributes {
	if msg != "" {
		return templ.Attributes{"aria-invalid": "true"}
	}
	return templ.Attributes{}
}

func tableID(excluded bool) string {
	if excluded {
		return "review-excluded"
	}
	return "review-included"
}

func itoa(n int) string { return strconv.Itoa(n) }

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func itOrThey(n int) string {
	if n == 1 {
		return "it is"
	}
	return "they are"
}

// testID sets data-testid when on is set.
func testID(on bool, id string) templ.Attributes {
	if on {
		return templ.Attributes{"data-testid": id}
	}
	return templ.Attributes{}
}
