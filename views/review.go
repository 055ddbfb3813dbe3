package views

import (
	"context"

	"keybind/views/components"
)

// ReviewRow is one instance on the review page.
type ReviewRow struct {
	ID, Name, Status string
	StatusTone       components.Tone
	CurrentKey       string // "" when none
	Change           string // in words: "replaces old-key", "gets a key (none before)", "already has this key"
	Restart          string // in words: "needs a reboot", "needs a start", "in transition (Stopping)"
	RestartTone      components.Tone
	Reason           string // why it will not be bound
}

// KeyCount is how many instances currently use a key that will be replaced.
type KeyCount struct {
	Key string
	N   int
}

// ReasonCount is how many instances are excluded for one reason.
type ReasonCount struct {
	Reason string
	N      int
}

// ReviewCounts summarise the review.
type ReviewCounts struct {
	Bind, PasswordLoginLost, Replace, New, Already int
	PasswordLoginBack, Remove                      int
	Reboot, Start, Transition, Excluded            int
	// LosingAccess: every key the job replaces or removes, and on how many
	// instances its holders lose SSH access.
	LosingAccess []KeyCount
	ExcludedBy   []ReasonCount
	// SameExcluded: instances that already have the key and are left out
	// (the person may ask to send it again).
	SameExcluded int
}

// ReviewForm is what the user chooses on the review page.
type ReviewForm struct {
	IdempotencyKey string
	Ack            bool
	After          string // "none" or "restart"
	Force          bool
	Window         string // at most this many restarting at once: "10%" or "25"
	MaxErrors      string // failed restarts before the job pauses: "0", "5" or "2%"
	StartWithOne   bool   // one restart first, then the window
	Reason         string // why, in the person's words (a ticket number); optional
	Same           bool   // send the key again to instances that already have it
}

// Overlap is an active job that already works on some of the instances.
type Overlap struct {
	JobID     int64
	Title     string
	Instances int
	First     []string // the first few instance IDs
}

// ReviewPage is step 4 of binding: what will happen, before anything is sent.
type ReviewPage struct {
	Page
	Kind               string // "bind", "unbind" or "rollback"
	Region, RegionName string
	Key                string
	Counts             ReviewCounts
	Rows               []ReviewRow // will be changed: the first MaxReviewRows
	Excluded           []ReviewRow // will not: the first MaxReviewRows
	Form               ReviewForm
	Errors             map[string]string
	BackURL            string
	Action             string // form action
	RollbackOf         int64
	Overlaps           []Overlap // the job would be refused while these run
}

// MaxReviewRows is the most rows each review table lists; the counts at
// the top cover every instance.
const MaxReviewRows = 200

func (p ReviewPage) backLabel(ctx context.Context) string {
	if p.Kind == "rollback" {
		return T(ctx, "review.back_job", "Job", itoa64(p.RollbackOf))
	}
	return T(ctx, "review.back_selection")
}

// losingAccessTotal is the number of instances whose current key stops working.
func (c ReviewCounts) losingAccessTotal() int {
	n := 0
	for _, k := range c.LosingAccess {
		n += k.N
	}
	return n
}

// ackText is what the person confirms before a bind: every consequence in
// the red box, as one whole sentence per case.
func (p ReviewPage) ackText(ctx context.Context) string {
	lost, keys := p.Counts.PasswordLoginLost, len(p.Counts.LosingAccess)
	switch {
	case lost > 0 && keys > 0:
		return T(ctx, "review2.ack_both", "Count", lost, "Keys", keys, "Losing", p.Counts.losingAccessTotal())
	case lost > 0:
		return T(ctx, "review.ack_password", "Count", lost)
	case keys > 0:
		return T(ctx, "review2.ack_keys", "Count", keys, "Losing", p.Counts.losingAccessTotal())
	}
	return T(ctx, "review.ack_only", "Key", p.Key)
}

// restartChoice words the "make it take effect" option with the counts.
func (c ReviewCounts) restartChoice(ctx context.Context) string {
	switch {
	case c.Reboot > 0 && c.Start > 0:
		return T(ctx, "review2.rc_both", "Reboot", c.Reboot, "Start", c.Start)
	case c.Reboot > 0:
		return T(ctx, "review.rc_reboot", "Count", c.Reboot)
	case c.Start > 0:
		return T(ctx, "review.rc_start", "Count", c.Start)
	}
	return T(ctx, "review.rc_none")
}

// more says how many rows a capped table leaves out.
func more(ctx context.Context, shown, total int) string {
	if total <= shown {
		return ""
	}
	return T(ctx, "review.more", "Count", total-shown)
}

// warningID is the red box's test ID: what it warns of.
func warningID(kind string) string {
	if kind == "bind" {
		return "password-warning"
	}
	return kind + "-warning"
}

func tableLabel(ctx context.Context, excluded bool) string {
	if excluded {
		return T(ctx, "review.t_excluded")
	}
	return T(ctx, "review.t_change")
}
