package views

import "keybind/views/components"

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
	Replaced                                       []KeyCount
	ExcludedBy                                     []ReasonCount
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
	Kind               string // "bind" or "unbind"
	Region, RegionName string
	Key                string
	Counts             ReviewCounts
	Rows               []ReviewRow // will be bound
	Excluded           []ReviewRow
	Form               ReviewForm
	Errors             map[string]string
	BackURL            string
	Action             string // form action
	RollbackOf         int64
	Overlaps           []Overlap // the job would be refused while these run
}

func (p ReviewPage) backLabel() string {
	if p.Kind == "rollback" {
		return "back to job " + itoa64(p.RollbackOf)
	}
	return "back to the selection"
}
