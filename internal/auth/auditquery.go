package auth

import (
	"time"

	"keybind/internal/cloud"
	"keybind/internal/fault"
	"keybind/internal/store"
)

// AuditQuery is an audit filter as people type it: a user name, an action,
// an instance ID, and dates from and to (to inclusive).
type AuditQuery struct {
	User, Action, Instance, From, To string
}

// Filter checks the query and turns it into the store's filter. A bad value
// is an input error naming the field (user, action, instance, from, to).
func (q AuditQuery) Filter() (store.AuditFilter, error) {
	f := store.AuditFilter{Username: NormalizeUsername(q.User), Action: q.Action}
	bad := map[string]string{}
	if len(q.User) > 64 {
		bad["user"] = "filter_too_long"
	}
	if len(q.Action) > 64 {
		bad["action"] = "filter_too_long"
	}
	if q.Instance != "" {
		if !cloud.ValidInstanceID(q.Instance) {
			bad["instance"] = "instance_id_invalid"
		}
		f.InstanceID = q.Instance
	}
	var err error
	if q.From != "" {
		if f.From, err = time.Parse(time.DateOnly, q.From); err != nil {
			bad["from"] = "date_invalid"
		}
	}
	if q.To != "" {
		if f.To, err = time.Parse(time.DateOnly, q.To); err != nil {
			bad["to"] = "date_invalid"
		}
		f.To = f.To.AddDate(0, 0, 1) // the whole "to" day is included
	}
	return f, fault.Invalid("audit_filter", bad)
}
