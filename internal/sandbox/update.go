package sandbox

import (
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned for an unknown account, region or instance.
var ErrNotFound = errors.New("sandbox: not found")

// InstanceUpdate puts an instance into a chosen state for a test; nil fields are left alone.
type InstanceUpdate struct {
	// Status: Running or Stopped settle at once; Stopping starts a reboot and
	// Starting starts a start, both at the current simulation time.
	Status       *string `json:"status,omitempty"`
	LockReason   *string `json:"lock_reason,omitempty"` // "security" locks, "" unlocks
	LockMsg      *string `json:"lock_msg,omitempty"`
	OSType       *string `json:"os_type,omitempty"` // linux | windows
	IoOptimized  *bool   `json:"io_optimized,omitempty"`
	InstanceName *string `json:"instance_name,omitempty"`
	// KeyPairName binds a key as if long ago: the API reports it and it is in
	// effect, with no restart pending. "" removes any key and enables password login.
	KeyPairName *string `json:"key_pair_name,omitempty"`
}

// UpdateInstance applies u to an instance of the account and returns its new state.
func (f *Fleet) UpdateInstance(regionID, instanceID string, u InstanceUpdate) (st InstanceState, err error) {
	f.with(regionID, func(r *region, now time.Time) { st, err = update(r, regionID, instanceID, u, now, f.s.opts.Transition) })
	return st, err
}

func update(r *region, regionID, instanceID string, u InstanceUpdate, now time.Time, d time.Duration) (InstanceState, error) {
	if r == nil {
		return InstanceState{}, fmt.Errorf("region %q: %w", regionID, ErrNotFound)
	}
	in := r.find(instanceID)
	if in == nil {
		return InstanceState{}, fmt.Errorf("instance %q: %w", instanceID, ErrNotFound)
	}
	in.settle(now, d)
	if u.OSType != nil && *u.OSType != "linux" && *u.OSType != "windows" {
		return InstanceState{}, fmt.Errorf("sandbox: os_type %q: want linux or windows", *u.OSType)
	}
	var kp *keyPair
	if u.KeyPairName != nil && *u.KeyPairName != "" {
		if kp = r.keyPairs[*u.KeyPairName]; kp == nil {
			return InstanceState{}, fmt.Errorf("key pair %q: %w", *u.KeyPairName, ErrNotFound)
		}
	}
	if u.Status != nil {
		switch *u.Status {
		case StatusRunning, StatusStopped:
			in.trans = nil
			in.st.Status = *u.Status
		case StatusStopping:
			in.st.Status = StatusRunning
			in.begin(OpReboot, now)
		case StatusStarting:
			in.st.Status = StatusStopped
			in.begin(OpStart, now)
		default:
			return InstanceState{}, fmt.Errorf("sandbox: status %q: want Running, Stopped, Stopping or Starting", *u.Status)
		}
	}
	if u.LockReason != nil {
		in.st.LockReason = *u.LockReason
		if *u.LockReason == "" {
			in.st.LockMsg = ""
		}
	}
	if u.LockMsg != nil {
		in.st.LockMsg = *u.LockMsg
	}
	if u.OSType != nil {
		in.st.OSType = *u.OSType
	}
	if u.IoOptimized != nil {
		in.st.IoOptimized = *u.IoOptimized
	}
	if u.InstanceName != nil {
		in.st.InstanceName = *u.InstanceName
	}
	if u.KeyPairName != nil {
		name, fp := "", ""
		if kp != nil {
			name, fp = kp.Name, kp.Fingerprint
		}
		in.setKey(name, fp)
		in.st.EffectiveKeyPair, in.st.EffectiveFingerprint, in.st.PasswordLogin = name, fp, name == ""
		if in.trans != nil {
			in.trans.key, in.trans.fp = name, fp
		}
	}
	return in.snapshot(now, d), nil
}
