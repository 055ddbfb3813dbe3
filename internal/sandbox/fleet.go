package sandbox

import (
	"maps"
	"time"
)

// Fleet is one account's view of the sandbox: its regions, instances and
// key pairs. Its methods are safe for concurrent use.
type Fleet struct {
	s *Sandbox
	a *account
}

// Account returns the named account's fleet, or nil when the sandbox has no such account.
func (s *Sandbox) Account(name string) *Fleet {
	if a := s.byName[name]; a != nil {
		return &Fleet{s: s, a: a}
	}
	return nil
}

// Accounts lists every account's fleet, the default account first.
func (s *Sandbox) Accounts() []*Fleet {
	out := make([]*Fleet, len(s.accounts))
	for i, a := range s.accounts {
		out[i] = &Fleet{s: s, a: a}
	}
	return out
}

// Name is the account's name.
func (f *Fleet) Name() string { return f.a.Name }

// AccessKeyID is the account's long-term AccessKey ID.
func (f *Fleet) AccessKeyID() string { return f.a.AccessKeyID }

// UID is the account's 16-digit ID, as in acs:ram::<UID>:role/<name>.
func (f *Fleet) UID() string { return f.a.uid }

// RoleARN is the ARN of the account's role name (whether it is configured or not).
func (f *Fleet) RoleARN(name string) string { return roleARN(f.a.uid, name) }

// with runs fn under the state lock with the account's region (nil for an
// unknown one) and the simulation time.
func (f *Fleet) with(regionID string, fn func(r *region, now time.Time)) {
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	fn(f.a.byRegion[regionID], f.s.nowLocked())
}

// Regions lists the region IDs in DescribeRegions order.
func (f *Fleet) Regions() []string {
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	out := make([]string, len(f.a.regions))
	for i, r := range f.a.regions {
		out[i] = r.info.ID
	}
	return out
}

// Instances returns a snapshot of a region's instances sorted by ID (nil for an unknown region).
func (f *Fleet) Instances(regionID string) []InstanceState {
	var out []InstanceState
	f.with(regionID, func(r *region, now time.Time) {
		if r == nil {
			return
		}
		out = make([]InstanceState, len(r.instances))
		for i, in := range r.instances {
			out[i] = in.snapshot(now, f.s.opts.Transition)
		}
	})
	return out
}

// Instance returns one instance's snapshot.
func (f *Fleet) Instance(regionID, instanceID string) (st InstanceState, ok bool) {
	f.with(regionID, func(r *region, now time.Time) {
		if in := r.find(instanceID); in != nil {
			st, ok = in.snapshot(now, f.s.opts.Transition), true
		}
	})
	return st, ok
}

// KeyInEffect reports which key would let someone log in to the instance now.
func (f *Fleet) KeyInEffect(regionID, instanceID string) (KeyState, bool) {
	st, ok := f.Instance(regionID, instanceID)
	return st.keyState(), ok
}

// KeyPairs returns a region's key pairs sorted by name (nil for an unknown region).
func (f *Fleet) KeyPairs(regionID string) []KeyPairState {
	var out []KeyPairState
	f.with(regionID, func(r *region, _ time.Time) {
		if r == nil {
			return
		}
		out = make([]KeyPairState, 0, len(r.keyPairs))
		for _, name := range r.keyPairNames() {
			out = append(out, r.keyPairs[name].state())
		}
	})
	return out
}

// Calls returns the API calls per action the account's credentials (its
// own key and its roles' temporary keys) signed since the last reset.
func (f *Fleet) Calls() map[string]int {
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	return maps.Clone(f.a.calls)
}

// The default account's fleet, for callers that know one account.

// Regions lists the default account's region IDs in DescribeRegions order.
func (s *Sandbox) Regions() []string { return s.def.Regions() }

// Instances returns a snapshot of the default account's instances in a region, sorted by ID.
func (s *Sandbox) Instances(regionID string) []InstanceState { return s.def.Instances(regionID) }

// Instance returns one of the default account's instances.
func (s *Sandbox) Instance(regionID, instanceID string) (InstanceState, bool) {
	return s.def.Instance(regionID, instanceID)
}

// KeyInEffect reports which key would let someone log in to an instance of the default account now.
func (s *Sandbox) KeyInEffect(regionID, instanceID string) (KeyState, bool) {
	return s.def.KeyInEffect(regionID, instanceID)
}

// KeyPairs returns the default account's key pairs in a region, sorted by name.
func (s *Sandbox) KeyPairs(regionID string) []KeyPairState { return s.def.KeyPairs(regionID) }

// UpdateInstance puts one of the default account's instances into a state (see Fleet.UpdateInstance).
func (s *Sandbox) UpdateInstance(regionID, instanceID string, u InstanceUpdate) (InstanceState, error) {
	return s.def.UpdateInstance(regionID, instanceID, u)
}
