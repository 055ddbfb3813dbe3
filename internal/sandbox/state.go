package sandbox

import (
	"net/http"
	"time"
)

// Instance statuses as ECS reports them.
const (
	StatusPending  = "Pending"
	StatusRunning  = "Running"
	StatusStarting = "Starting"
	StatusStopping = "Stopping"
	StatusStopped  = "Stopped"
)

// Operations that move an instance through transitional statuses.
const (
	OpReboot = "reboot" // Running → Stopping → Starting → Running
	OpStart  = "start"  // Stopped → Starting → Running
)

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// InstanceState is everything the sandbox knows about an instance.
type InstanceState struct {
	InstanceID              string    `json:"instance_id"`
	InstanceName            string    `json:"instance_name"`
	Description             string    `json:"description"`
	HostName                string    `json:"host_name"`
	RegionID                string    `json:"region_id"`
	ZoneID                  string    `json:"zone_id"`
	Status                  string    `json:"status"`  // current status, derived from the clock
	OSType                  string    `json:"os_type"` // linux | windows
	OSName                  string    `json:"os_name"`
	OSNameEn                string    `json:"os_name_en"`
	ImageID                 string    `json:"image_id"`
	InstanceType            string    `json:"instance_type"`
	InstanceTypeFamily      string    `json:"instance_type_family"`
	CPU                     int       `json:"cpu"`
	MemoryMiB               int       `json:"memory_mib"`
	IoOptimized             bool      `json:"io_optimized"`
	NetworkType             string    `json:"network_type"` // vpc | classic
	VpcID                   string    `json:"vpc_id,omitempty"`
	VSwitchID               string    `json:"vswitch_id,omitempty"`
	PrivateIP               string    `json:"private_ip"`
	PublicIP                string    `json:"public_ip,omitempty"`
	SecurityGroupIDs        []string  `json:"security_group_ids"`
	Tags                    []Tag     `json:"tags"`
	ChargeType              string    `json:"charge_type"`
	InternetChargeType      string    `json:"internet_charge_type"`
	InternetMaxBandwidthOut int       `json:"internet_max_bandwidth_out"`
	CreationTime            time.Time `json:"creation_time"`
	StartTime               time.Time `json:"start_time"`
	LockReason              string    `json:"lock_reason,omitempty"` // e.g. "security"
	LockMsg                 string    `json:"lock_msg,omitempty"`

	KeyPairName          string `json:"key_pair_name"`         // what the API reports
	KeyPairFingerprint   string `json:"key_pair_fingerprint"`  // fingerprint of KeyPairName when it was attached
	EffectiveKeyPair     string `json:"effective_key_pair"`    // the key that lets someone log in now
	EffectiveFingerprint string `json:"effective_fingerprint"` // its fingerprint
	PasswordLogin        bool   `json:"password_login"`        // password login is on (no key in effect)
	RestartPending       bool   `json:"restart_pending"`       // an attach/detach waits for a restart

	Operation        string    `json:"operation,omitempty"`        // reboot | start while in transition
	OperationStarted time.Time `json:"operation_started,omitzero"` // when the transition began
}

// KeyState is the login-relevant view of an instance.
type KeyState struct {
	KeyPairName          string `json:"key_pair_name"`
	EffectiveKeyPair     string `json:"effective_key_pair"`
	EffectiveFingerprint string `json:"effective_fingerprint"`
	PasswordLogin        bool   `json:"password_login"`
	RestartPending       bool   `json:"restart_pending"`
	Status               string `json:"status"`
}

func (st InstanceState) keyState() KeyState {
	return KeyState{
		KeyPairName:          st.KeyPairName,
		EffectiveKeyPair:     st.EffectiveKeyPair,
		EffectiveFingerprint: st.EffectiveFingerprint,
		PasswordLogin:        st.PasswordLogin,
		RestartPending:       st.RestartPending,
		Status:               st.Status,
	}
}

// instance is the mutable record behind InstanceState. Status holds the
// stable status; while trans is set the reported status is derived from the
// clock. Every access goes through settle, so no timers are needed.
type instance struct {
	st    InstanceState
	trans *transition
}

type transition struct {
	op    string
	start time.Time
	// The key configuration the restart boots with.
	key, fp string
}

// Errors about instances.
var (
	errInstanceNotFound = newError(http.StatusNotFound, "InvalidInstanceId.NotFound", "The specified InstanceId does not exist.")
	errDryRun           = newError(http.StatusBadRequest, "DryRunOperation", "Request validation has been passed with DryRun flag set.")
)

func (in *instance) isWindows() bool { return in.st.OSType == "windows" }
func (in *instance) locked() bool    { return in.st.LockReason == "security" }

// settle completes a finished transition and returns the current status.
func (in *instance) settle(now time.Time, d time.Duration) string {
	t := in.trans
	if t == nil {
		return in.st.Status
	}
	elapsed := now.Sub(t.start)
	if elapsed >= d {
		in.trans = nil
		in.st.Status = StatusRunning
		in.st.StartTime = t.start.Add(d)
		in.st.EffectiveKeyPair, in.st.EffectiveFingerprint = t.key, t.fp
		in.st.PasswordLogin = t.key == ""
		return StatusRunning
	}
	if t.op == OpReboot && elapsed < d/2 {
		return StatusStopping
	}
	return StatusStarting
}

// begin starts a reboot or start at now; the restart boots with the key the API reports now.
func (in *instance) begin(op string, now time.Time) {
	in.trans = &transition{op: op, start: now, key: in.st.KeyPairName, fp: in.st.KeyPairFingerprint}
}

// setKey records an attach (name != "") or detach (name == "") that takes effect on the next restart.
func (in *instance) setKey(name, fp string) {
	in.st.KeyPairName, in.st.KeyPairFingerprint = name, fp
}

// restartPending reports whether the key the API reports differs from the key in effect.
func (in *instance) restartPending() bool {
	return in.st.KeyPairName != in.st.EffectiveKeyPair || in.st.KeyPairFingerprint != in.st.EffectiveFingerprint
}

func (in *instance) snapshot(now time.Time, d time.Duration) InstanceState {
	status := in.settle(now, d)
	st := in.st
	st.Status = status
	st.RestartPending = in.restartPending()
	if in.trans != nil {
		st.Operation, st.OperationStarted = in.trans.op, in.trans.start
	}
	st.SecurityGroupIDs = append([]string(nil), in.st.SecurityGroupIDs...)
	st.Tags = append([]Tag(nil), in.st.Tags...)
	return st
}

type regionInfo struct {
	ID        string
	LocalName map[string]string // by AcceptLanguage
	Zones     []string
	idPrefix  string
}

// KeyPairState is a key pair as the sandbox stores it (public half only).
type KeyPairState struct {
	Name            string    `json:"name"`
	ID              string    `json:"id"`
	Fingerprint     string    `json:"fingerprint"`
	PublicKey       string    `json:"public_key"`
	CreationTime    time.Time `json:"creation_time"`
	ResourceGroupID string    `json:"resource_group_id,omitempty"`
	Tags            []Tag     `json:"tags"`
}

// keyPair is the record behind KeyPairState.
type keyPair KeyPairState

func (kp *keyPair) state() KeyPairState {
	st := KeyPairState(*kp)
	st.Tags = append([]Tag{}, kp.Tags...)
	return st
}

type region struct {
	info      regionInfo
	instances []*instance // sorted by InstanceID, never reordered
	byID      map[string]*instance
	keyPairs  map[string]*keyPair
}

// find returns the instance with the ID, or nil; r may be nil.
func (r *region) find(id string) *instance {
	if r == nil {
		return nil
	}
	return r.byID[id]
}

// index returns the position of the first instance whose ID is >= id.
func (r *region) index(id string) int {
	lo, hi := 0, len(r.instances)
	for lo < hi {
		m := (lo + hi) / 2
		if r.instances[m].st.InstanceID < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
