package views

import "context"

// ConfirmRow is one instance a restart confirmation names.
type ConfirmRow struct {
	ID, Name, State string
}

// RestartConfirm asks before reboots or starts are sent: how many, the
// first of them, and for a reboot whether to force it.
type RestartConfirm struct {
	JobID     int64
	Title     string // the job's
	Op        string // "reboot" or "start"
	Action    string // where the confirmed form posts
	N         int
	First     []ConfirmRow
	More      int
	Force     bool // the forced reboot is preselected (the job's policy asked for it)
	CancelURL string
	CSRF      string
}

// Heading asks the question: "Reboot 174 instances?".
func (p RestartConfirm) Heading(ctx context.Context) string {
	if p.Op == "start" {
		return T(ctx, "confirm.q_start", "Count", p.N)
	}
	return T(ctx, "confirm.q_reboot", "Count", p.N)
}

// button is the confirming button's words.
func (p RestartConfirm) button(ctx context.Context) string {
	if p.Op == "start" {
		return T(ctx, "confirm.b_start", "Count", p.N)
	}
	return T(ctx, "confirm.b_reboot", "Count", p.N)
}
