package export

import (
	"time"

	"keybind/internal/store"
)

// AuditEntry is an audit entry as the JSON exports and the API show it.
type AuditEntry struct {
	ID          int64    `json:"id"`
	Time        string   `json:"time"`
	User        string   `json:"user"`
	Role        string   `json:"role"`
	Via         string   `json:"via"`
	ClientIP    string   `json:"client_ip"`
	Action      string   `json:"action"`
	Outcome     string   `json:"outcome"`
	Account     string   `json:"account"` // the cloud account of a cloud action; "" for none
	Region      string   `json:"region"`
	KeyPair     string   `json:"key_pair"`
	InstanceIDs []string `json:"instance_ids"`
	Detail      string   `json:"detail"`
	RequestIDs  []string `json:"request_ids"`
	JobID       *int64   `json:"job_id"`
}

// Audit maps an entry to its JSON shape.
func Audit(e store.AuditEntry) AuditEntry {
	a := AuditEntry{ID: e.ID, Time: e.Time.UTC().Format(time.RFC3339Nano), User: e.Username, Role: e.Role, Via: e.Via,
		ClientIP: e.ClientIP, Action: e.Action, Outcome: e.Outcome, Account: e.Account, Region: e.Region, KeyPair: e.KeyPair,
		InstanceIDs: NonNil(e.InstanceIDs), Detail: e.Detail, RequestIDs: NonNil(e.RequestIDs)}
	if e.JobID != 0 {
		id := e.JobID
		a.JobID = &id
	}
	return a
}

// NonNil is s, or an empty list for JSON ([] rather than null).
func NonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
