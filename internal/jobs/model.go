package jobs

import (
	"time"

	"keybind/internal/cloud"
)

// Kind is what a job does to each instance's key.
type Kind string

// Job kinds.
const (
	KindBind     Kind = "bind"     // AttachKeyPair: the key replaces any other, password login is disabled
	KindUnbind   Kind = "unbind"   // DetachKeyPair: the key stops working after a restart, password login returns
	KindRollback Kind = "rollback" // per item: put back the previous key (attach it, or detach where there was none)
)

// KeyAction is the cloud call one item needs.
type KeyAction string

// Key actions.
const (
	ActionNone   KeyAction = ""
	ActionAttach KeyAction = "attach"
	ActionDetach KeyAction = "detach"
)

// KeyState is where an item's key call stands.
type KeyState string

// Key states. An item is written Pending; Attempting is recorded before the call and replaced by
// the outcome after it, so Attempting found at start-up means the outcome is unknown.
const (
	KeyExcluded   KeyState = "excluded"
	KeyPending    KeyState = "pending"
	KeyAttempting KeyState = "attempting"
	KeyApplied    KeyState = "applied" // the cloud accepted the call; KeyPairName not yet re-read
	KeyDone       KeyState = "done"    // KeyPairName re-read and equal to the expected key
	KeyFailed     KeyState = "failed"
	KeyCancelled  KeyState = "cancelled" // the job was cancelled before the call was sent
)

// RestartOp is the call that makes a key take effect.
type RestartOp string

// Restart operations.
const (
	OpNone   RestartOp = ""
	OpReboot RestartOp = "reboot"
	OpStart  RestartOp = "start"
)

// RestartState is where making the key take effect stands for one item.
type RestartState string

// Restart states.
const (
	RestartNone          RestartState = ""               // n/a: excluded, key not (yet) bound
	RestartInTransition  RestartState = "in-transition"  // Starting/Stopping/Pending: watched until it settles
	RestartNeedsReboot   RestartState = "needs-reboot"   // Running; the key works after a reboot
	RestartNeedsStart    RestartState = "needs-start"    // Stopped; the key works after a start
	RestartQueued        RestartState = "queued"         // asked for, waiting for its wave
	RestartRequested     RestartState = "requested"      // attempt recorded before the call; outcome unknown
	RestartInProgress    RestartState = "in-progress"    // the cloud accepted the reboot/start; polling
	RestartKeyInEffect   RestartState = "key-in-effect"  // Running after the restart
	RestartEndedStopped  RestartState = "ended-stopped"  // Stopped after a reboot, or never left Stopped after a start
	RestartDisappeared   RestartState = "disappeared"    // the instance no longer exists
	RestartTimedOut      RestartState = "timed-out"      // no Running status before the deadline
	RestartNeedsDecision RestartState = "needs-decision" // a reboot/start may or may not have been sent; an operator decides
	RestartMarkedDone    RestartState = "marked-done"    // an operator marked it done
	RestartNotNeeded     RestartState = "not-needed"     // nothing to make take effect (reserved: bind, unbind and rollback never set it today)
	RestartFailed        RestartState = "failed"         // the cloud refused the reboot/start
	RestartKeyReplaced   RestartState = "key-replaced"   // Running after the restart, but with another key pair (ReplacedBy)
	RestartCancelled     RestartState = "cancelled"      // the job was cancelled before the restart was sent
)

// InMotion reports whether the engine still has work for the state.
func (s RestartState) InMotion() bool {
	switch s {
	case RestartInTransition, RestartQueued, RestartRequested, RestartInProgress:
		return true
	}
	return false
}

// systemActor is keybind itself, for what the engine decides on its own (a pause on errors,
// an outcome resolved from evidence).
var systemActor = Actor{Username: "keybind", Role: "system", Via: "system"}

// Actor is the person on whose behalf the engine acts; it is written to the audit trail.
type Actor struct {
	UserID         int64
	Username, Role string
	IP             string
	Via            string // "web", "cli"
}

// RestartPolicy says whether and how keys are made to take effect right after binding, with the
// rate control of Alibaba's OOS templates: a window (a number or a share of the instances) and a
// number of failed restarts after which the job pauses and waits for a person.
type RestartPolicy struct {
	AfterBind bool // reboot the Running ones, start the Stopped ones once bound
	Force     bool // force-stop reboots (power-off); explicit opt-in
	// WaveSize is the window: at most this many instances restarting at once; the next starts
	// the moment one is Running again (or failed). 0 = DefaultWaveSize.
	WaveSize      int
	Window        string // the window as asked for: "10%" or "25" ("" = WaveSize as given)
	MaxErrors     int    // failed restarts allowed; one more pauses the job
	MaxErrorsSpec string // as asked for: "0", "5" or "2%"
	StartWithOne  bool   // restart one instance first and open the window once it is Running
}

// DefaultWaveSize is the window when none is chosen and no share can be worked out.
const DefaultWaveSize = 100

// Item is one instance in a job.
type Item struct {
	JobID         int64
	Seq           int // position in the job (request order)
	InstanceID    string
	Name, OSName  string
	PlanStatus    cloud.Status // status when the job was planned
	PreviousKey   string       // KeyPairName when the job was planned ("" = none)
	Action        KeyAction
	KeyPair       string // key pair named in the call
	ExpectKey     string // KeyPairName expected once the call succeeded
	Change        Change
	ExcludeReason ExcludeReason

	Key          KeyState
	KeyAttempts  int
	KeyCode      string
	KeyMessage   string
	KeyRequestID string
	KeyRetryable bool
	KeyNextAt    time.Time // a pending call is not sent before this (automatic retry backoff)
	KeyAt        time.Time // last key-state change
	KeyRequest   int64     // the job request (creation or retry) the key work is done for

	Restart          RestartState
	Op               RestartOp
	Force            bool
	RestartAttempts  int
	RestartCode      string
	RestartMessage   string
	RestartRequestID string
	RestartRetryable bool
	LastStatus       cloud.Status // last status seen by a re-read or a poll
	SeenTransition   bool         // a non-Running status was seen after the restart was accepted
	QueuedAt         time.Time
	NextAt           time.Time // a queued restart is not sent before this (automatic retry backoff)
	NextPollAt       time.Time // the status of a restarting instance is read again from here on
	Polls            int       // status reads since the restart was accepted
	ReplacedBy       string    // the key pair found after the restart, when it is not the job's
	StartTime        time.Time // the instance's StartTime as last read (ECS gives minutes)
	// Unconfirmed: the answer to the reboot or start was lost (keybind stopped, a timeout), so
	// whether it happened is watched for: a start after the key was bound proves it.
	Unconfirmed    bool
	RequestedAt    time.Time // attempt recorded
	AcceptedAt     time.Time // the cloud accepted the restart
	StoppedSince   time.Time // polled Stopped continuously since
	Deadline       time.Time
	RestartRequest int64 // the job request that asked for the current restart work
	UpdatedAt      time.Time
	Rev            int64 // the job's change counter when the item last changed (see Job.Rev)
}

// InMotion reports whether the engine still has work for the item.
func (it Item) InMotion() bool {
	switch it.Key {
	case KeyPending, KeyAttempting, KeyApplied:
		return true
	}
	return it.Restart.InMotion()
}

// Failed reports whether a restart ended without the key in effect: refused,
// timed out, stopped, gone, or Running with another key.
func (s RestartState) Failed() bool {
	switch s {
	case RestartFailed, RestartTimedOut, RestartEndedStopped, RestartDisappeared, RestartKeyReplaced:
		return true
	}
	return false
}

// State is a job's derived state.
type State string

// Job states.
const (
	StateRunning        State = "running"          // key calls are still being sent or confirmed
	StateWaitingRestart State = "waiting-restarts" // keys done; restarts in motion
	StateNeedsAttention State = "needs-attention"  // nothing in motion; failures or operator decisions remain
	StateDone           State = "done"
	StatePaused         State = "paused"     // sends nothing new until a person resumes it
	StateCancelling     State = "cancelling" // cancelled; calls already sent are being followed to their end
	StateCancelled      State = "cancelled"
)

// Label is the state in words.
func (s State) Label() string {
	switch s {
	case StateRunning:
		return "Running"
	case StateWaitingRestart:
		return "Waiting for restarts"
	case StateNeedsAttention:
		return "Needs attention"
	case StateDone:
		return "Done"
	case StatePaused:
		return "Paused"
	case StateCancelling:
		return "Cancelling"
	case StateCancelled:
		return "Cancelled"
	}
	return string(s)
}

// Counts summarises a job's items.
type Counts struct {
	Total         int
	Excluded      int
	KeyPending    int // pending, attempting or applied
	Bound         int // key call confirmed (bound, or unbound for unbind jobs)
	KeyFailed     int
	AlreadyHad    int
	NeedsReboot   int
	NeedsStart    int
	InMotion      int // restart queued, requested, in progress or in transition
	KeyInEffect   int // Running after a restart
	MarkedDone    int // an operator marked the restart done
	RestartFailed int // failed, timed out, ended stopped, disappeared or key replaced
	KeyReplaced   int // Running after the restart with another key pair
	NeedsDecision int
	InFlight      int // a reboot or start sent (or in transition) and not yet settled
	Restarting    int // a reboot or start of the job's sent and not yet settled: the window's used places
	Queued        int // restarts waiting for a free place in the window
	Cancelled     int // key calls or restarts the job's cancellation left unsent
}

// Failed is the number of items with a failed key call or restart.
func (c Counts) Failed() int { return c.KeyFailed + c.RestartFailed }

// Job is one bind/unbind/rollback job with its counts.
type Job struct {
	ID             int64
	Kind           Kind
	Account        string // the cloud account it works in ("default": the console's own credentials)
	Region         string
	KeyPair        string // the job's key pair ("" for rollback, where items differ)
	IdempotencyKey string
	CreatedBy      Actor
	CreatedAt      time.Time
	UpdatedAt      time.Time
	FinishedAt     time.Time // zero while the engine has work
	Policy         RestartPolicy
	Paused         Pause     // zero unless the job is paused
	CancelledAt    time.Time // zero unless the job was cancelled
	CancelledBy    string
	Transition     time.Duration // how long a restart took here, as observed (0 = not yet)
	ParentID       int64         // the job a rollback restores; 0 for none
	Reason         string        // why, in the person's words (a ticket number, say); may be ""
	// Rev counts the job's changes: every write of its items (and its end)
	// raises it and stamps the changed items, so a reader can ask for what
	// changed since a revision it saw.
	Rev    int64
	Counts Counts
	State  State
}

// Pause says why a job waits for a person.
type Pause struct {
	At             time.Time // zero: not paused
	Reason         string    // PauseErrors or PauseByPerson
	By             string    // who paused it (PauseByPerson)
	ErrorsAccepted int       // failed restarts a person resumed past: they no longer count
}

// Reasons a job pauses.
const (
	PauseErrors   = "errors" // more restarts failed than the policy allows
	PauseByPerson = "person"
)

// InMotion reports whether the job still changes on its own, so a page showing it should keep polling.
func (j Job) InMotion() bool {
	switch j.State {
	case StateRunning, StateWaitingRestart, StateCancelling:
		return true
	case StatePaused:
		return j.Counts.InFlight > 0
	}
	return false
}

// deriveState computes a job's state from its counts, its pause and its cancellation.
func (j Job) deriveState() State {
	c := j.Counts
	switch {
	case !j.CancelledAt.IsZero() && c.KeyPending+c.InMotion > 0:
		return StateCancelling
	case !j.CancelledAt.IsZero():
		return StateCancelled
	case !j.Paused.At.IsZero():
		return StatePaused
	case c.KeyPending > 0:
		return StateRunning
	case c.InMotion > 0:
		return StateWaitingRestart
	case c.Failed() > 0 || c.NeedsDecision > 0:
		return StateNeedsAttention
	}
	return StateDone
}
