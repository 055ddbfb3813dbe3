package views

import (
	"context"
	"encoding/json"
	"net/url"

	"keybind/internal/i18n"
	"keybind/views/components"
)

// InstanceFilter is the instance list's search form.
type InstanceFilter struct {
	Name, ID, IP, Status, Tag string
}

// InstanceRow is one instance in the picker.
type InstanceRow struct {
	ID, Name, Status      string
	StatusTone            components.Tone
	OS                    string
	KeyPair               string
	Zone, Type            string
	PublicIPs, PrivateIPs string
	Selectable            bool
	Reason                string // why it cannot be selected
	Selected              bool
}

// InstanceList is the part of the picker that selection actions redraw.
type InstanceList struct {
	Mode        string // "bind" or "unbind"
	Region, Key string
	Rows        []InstanceRow
	Pager       components.PagerProps
	Selected    int
	Message     string
	MessageKind string // success, error, info, warning
	Filter      InstanceFilter
	Error       string // the cloud could not list instances
	// Listed says how old the list is ("just now", "4 seconds ago"): pages
	// are shared for a few seconds; RefreshURL reads it again now.
	Listed, RefreshURL string
}

// InstancePickPage is step 3 of binding: choose the instances.
type InstancePickPage struct {
	Page
	Mode                    string // "bind" or "unbind"
	Region, RegionName, Key string
	Statuses                []string
	List                    InstanceList
}

func (l InstanceList) reviewURL() string {
	if l.Mode == "unbind" {
		return "/unbind/review?" + url.Values{"region": {l.Region}, "key": {l.Key}}.Encode()
	}
	return "/bind/review?" + url.Values{"region": {l.Region}, "key": {l.Key}}.Encode()
}

func (l InstanceList) reviewLabel(ctx context.Context) string {
	if l.Mode == "unbind" {
		return T(ctx, "pick.review_unbind", "Count", l.Selected)
	}
	return T(ctx, "pick.review_bind", "Count", l.Selected)
}

// selectMatching is the button that selects every instance the filter
// matches: "Select all 120 matching instances".
func selectMatching(ctx context.Context, n int) string {
	if n > 1 {
		return T(ctx, "pick.select_matching_all", "Count", n)
	}
	return T(ctx, "pick.select_matching", "Count", n)
}

// InstanceStatus is an ECS instance status (Running, Stopped, …) in the
// person's language, as the ECS console words it.
func InstanceStatus(ctx context.Context, status string) string {
	if id := "instance_status." + status; i18n.Has(id) {
		return T(ctx, id)
	}
	return status
}

func jsonVals(kv map[string]string) string {
	b, _ := json.Marshal(kv)
	return string(b)
}

func (l InstanceList) selectableOnPage() []string {
	var ids []string
	for _, r := range l.Rows {
		if r.Selectable {
			ids = append(ids, r.ID)
		}
	}
	return ids
}
