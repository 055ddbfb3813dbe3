package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"

	"keybind/internal/store"
)

// Audit outcome for a call whose result is not known (cancelled, timed out, keybind stopped).
const outcomeUnknown = "unknown"

// callResult is one instance's result of a cloud write, for the audit trail.
type callResult struct {
	ID        string
	OK        bool
	Unknown   bool // the call may or may not have happened
	Code      string
	RequestID string
}

// auditCall describes one cloud write: who asked, what, where.
type auditCall struct {
	job     Job
	actor   Actor
	action  string // the cloud action, e.g. "AttachKeyPair"
	keyPair string
	detail  string
}

func (a auditCall) entry(outcome string, ids []string) store.AuditEntry {
	return store.AuditEntry{UserID: a.actor.UserID, Username: a.actor.Username, Role: a.actor.Role, Via: a.actor.Via,
		ClientIP: a.actor.IP, Action: a.action, Region: a.job.Region, KeyPair: a.keyPair, InstanceIDs: ids,
		Outcome: outcome, JobID: a.job.ID}
}

// intent writes the entry that precedes the call.
func (e *Engine) auditIntent(ctx context.Context, tx *sql.Tx, a auditCall, ids []string) error {
	en := a.entry(store.OutcomeIntent, ids)
	en.Detail = a.detail
	return e.audit(ctx, tx, en)
}

// outcome writes what came back: one entry for the successes, one for the failures (with their
// codes) and one for unknown outcomes, each with the cloud RequestIds.
func (e *Engine) auditOutcome(ctx context.Context, tx *sql.Tx, a auditCall, results []callResult) error {
	groups := map[string][]callResult{}
	for _, r := range results {
		switch {
		case r.OK:
			groups[store.OutcomeSuccess] = append(groups[store.OutcomeSuccess], r)
		case r.Unknown:
			groups[outcomeUnknown] = append(groups[outcomeUnknown], r)
		default:
			groups[store.OutcomeFailure] = append(groups[store.OutcomeFailure], r)
		}
	}
	for _, outcome := range []string{store.OutcomeSuccess, store.OutcomeFailure, outcomeUnknown} {
		rs := groups[outcome]
		if len(rs) == 0 {
			continue
		}
		ids := make([]string, len(rs))
		var rids []string
		codes := map[string]int{}
		for i, r := range rs {
			ids[i] = r.ID
			if r.RequestID != "" && !slices.Contains(rids, r.RequestID) {
				rids = append(rids, r.RequestID)
			}
			if r.Code != "" && !r.OK {
				codes[r.Code]++
			}
		}
		en := a.entry(outcome, ids)
		en.RequestIDs = rids
		en.Detail = strings.TrimSpace(a.detail + " " + codeSummary(codes))
		if err := e.audit(ctx, tx, en); err != nil {
			return err
		}
	}
	return nil
}

// codeSummary renders {"Throttling": 3} as "codes: Throttling×3".
func codeSummary(codes map[string]int) string {
	if len(codes) == 0 {
		return ""
	}
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, codes[k])
	}
	return "codes: " + strings.Join(parts, ", ")
}

// auditRequest records a user's request on a job (restart, retry, decision) inside tx.
func (e *Engine) auditRequest(ctx context.Context, tx *sql.Tx, j Job, actor Actor, action string, ids []string, detail string) error {
	a := auditCall{job: j, actor: actor, action: action, keyPair: j.KeyPair}
	en := a.entry(store.OutcomeSuccess, ids)
	en.Detail = detail
	return e.audit(ctx, tx, en)
}
