package keypairs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/fault"
	"keybind/internal/sshkey"
	"keybind/internal/store"
	"keybind/internal/text"
)

// Reason says why the cloud did not do a key pair write.
type Reason string

// Reasons a write failed.
const (
	ReasonNameTaken    Reason = "name_taken"    // a key pair of that name exists
	ReasonNameRejected Reason = "name_rejected" // ECS refused the name
	ReasonKeyRejected  Reason = "key_rejected"  // ECS refused the public key
	ReasonQuota        Reason = "quota"         // the region holds the most key pairs it may
	ReasonUnknown      Reason = "unknown"       // the answer was lost: the write may have happened
	ReasonRefused      Reason = "refused"       // any other refusal or failure
)

// WriteError is a key pair write the cloud did not do (or may have done,
// for ReasonUnknown). Err is the gateway's error, with its message.
type WriteError struct {
	Action string // ImportKeyPair, CreateKeyPair, DeleteKeyPairs
	Name   string
	Reason Reason
	Err    error
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("keypairs: %s %q: %s: %v", e.Action, e.Name, e.Reason, e.Err)
}

func (e *WriteError) Unwrap() error { return e.Err }

// FaultKind implements fault.Kinded.
func (e *WriteError) FaultKind() fault.Kind {
	switch e.Reason {
	case ReasonNameTaken, ReasonNameRejected, ReasonKeyRejected:
		return fault.KindInvalid
	case ReasonQuota:
		return fault.KindConflict
	}
	return fault.KindUnavailable
}

// FaultCode implements fault.Kinded.
func (e *WriteError) FaultCode() string { return "key_pair_" + string(e.Reason) }

func writeError(action, name string, err error) *WriteError {
	e := &WriteError{Action: action, Name: name, Reason: ReasonRefused, Err: err}
	var ce *cloud.Error
	switch code := cloudCode(err); {
	case code == "KeyPair.AlreadyExist":
		e.Reason = ReasonNameTaken
	case code == "InvalidKeyPairName.Malformed":
		e.Reason = ReasonNameRejected
	case code == "InvalidPublicKeyBody.Malformed":
		e.Reason = ReasonKeyRejected
	case code == "QuotaExceed.KeyPair" || errors.As(err, &ce) && ce.Kind == cloud.KindConflict:
		e.Reason = ReasonQuota
	case maybeDone(err):
		e.Reason = ReasonUnknown
	}
	return e
}

// InputError refuses a write before anything is sent; each field names the
// rule it breaks (an *sshkey.Error, or ErrKeyTooLong).
type InputError struct {
	Name      error // the key pair name
	PublicKey error // the public key text
}

// ErrKeyTooLong refuses a public key text longer than any public key.
var ErrKeyTooLong = errors.New("keypairs: too long to be a public key")

func (e *InputError) Error() string {
	return fmt.Sprintf("keypairs: invalid input: name %v, key %v", e.Name, e.PublicKey)
}

// FaultKind implements fault.Kinded.
func (e *InputError) FaultKind() fault.Kind { return fault.KindInvalid }

// FaultCode implements fault.Kinded.
func (e *InputError) FaultCode() string { return "key_pair_input" }

// PrivateKeyGiven reports whether the public key text was a private key
// (dropped, never echoed).
func (e *InputError) PrivateKeyGiven() bool { return errors.Is(e.PublicKey, sshkey.ErrPrivateKey) }

// Imported is a key pair made from a public key.
type Imported struct {
	KeyPair cloud.KeyPair
	Key     sshkey.Key
}

// Import checks the name and the public key, then asks ECS to import it,
// audited before and after. The key text is never logged or stored unless
// it parsed as a public key.
func (s *Service) Import(ctx context.Context, actor auth.Actor, regionID, name, publicKey string) (Imported, error) {
	if err := s.audit.Authorize(ctx, actor, auth.PermManageKeys); err != nil {
		return Imported{}, err
	}
	region, err := s.regions.Region(ctx, regionID)
	if err != nil {
		return Imported{}, err
	}
	var in InputError
	in.Name = sshkey.ValidName(name)
	var key sshkey.Key
	if len(publicKey) > sshkey.MaxLen {
		in.PublicKey = ErrKeyTooLong
	} else {
		key, in.PublicKey = sshkey.Parse(publicKey)
	}
	if in.Name != nil || in.PublicKey != nil {
		return Imported{}, &in
	}
	facts := fmt.Sprintf("%s %d bits, %s, MD5 %s", key.Algorithm(), key.Bits, key.SHA256, key.MD5)
	w := write{s: s, actor: actor, action: "ImportKeyPair", region: region.ID, name: name}
	if err := w.intent(ctx, facts); err != nil {
		return Imported{}, err
	}
	kp, callErr := s.cloud.ImportKeyPair(ctx, region.ID, name, key.AuthorizedKey)
	if err := w.outcome(ctx, callErr, facts); err != nil {
		return Imported{}, err
	}
	if kp.PublicKey == "" {
		kp.PublicKey = key.AuthorizedKey
	}
	return Imported{KeyPair: kp, Key: key}, nil
}

// Created is a key pair ECS generated, with its private key: handed to the
// person once, never stored, logged or audited.
type Created struct {
	KeyPair    cloud.KeyPair
	PrivateKey string
	Key        sshkey.Key // what the private key's public half says ("" fields if unreadable)
}

// Create has ECS generate a key pair, audited before and after.
func (s *Service) Create(ctx context.Context, actor auth.Actor, regionID, name string) (Created, error) {
	if err := s.audit.Authorize(ctx, actor, auth.PermManageKeys); err != nil {
		return Created{}, err
	}
	region, err := s.regions.Region(ctx, regionID)
	if err != nil {
		return Created{}, err
	}
	if err := sshkey.ValidName(name); err != nil {
		return Created{}, &InputError{Name: err}
	}
	w := write{s: s, actor: actor, action: "CreateKeyPair", region: region.ID, name: name}
	if err := w.intent(ctx, "generated by ECS; private key handed to the user once, not kept"); err != nil {
		return Created{}, err
	}
	kp, private, callErr := s.cloud.CreateKeyPair(ctx, region.ID, name)
	detail := ""
	if callErr == nil {
		detail = "MD5 " + kp.Fingerprint
	}
	if err := w.outcome(ctx, callErr, detail); err != nil {
		return Created{}, err
	}
	out := Created{KeyPair: kp, PrivateKey: private}
	if k, err := sshkey.FromPrivate(private); err == nil {
		out.Key = k
	}
	return out, nil
}

// InUseError refuses to delete a key pair that instances still use, without
// a confirmation for at least that many.
type InUseError struct{ Detail Detail }

func (e *InUseError) Error() string {
	return fmt.Sprintf("keypairs: %s is used by %s", e.Detail.KeyPair.Name, text.Plural(e.Detail.InUse, "instance", "instances"))
}

// FaultKind implements fault.Kinded.
func (e *InUseError) FaultKind() fault.Kind { return fault.KindConflict }

// FaultCode implements fault.Kinded.
func (e *InUseError) FaultCode() string { return "key_pair_in_use" }

// Delete deletes a key pair (administrators). While instances use it, it is
// refused with an *InUseError unless confirmed is at least their number;
// ECS does not unbind it, so they keep the key. It returns what was deleted.
func (s *Service) Delete(ctx context.Context, actor auth.Actor, regionID, name string, confirmed int) (Detail, error) {
	if err := s.audit.Authorize(ctx, actor, auth.PermDeleteKeys); err != nil {
		return Detail{}, err
	}
	d, err := s.Detail(ctx, regionID, name)
	if err != nil {
		return d, err
	}
	if d.InUse < 0 {
		return d, ErrUsageUnknown.About(name).Wrap(d.UsageErr)
	}
	if d.InUse > 0 && confirmed < d.InUse {
		return d, &InUseError{Detail: d}
	}
	detail := fmt.Sprintf("MD5 %s; used by %s", d.KeyPair.Fingerprint, text.Plural(d.InUse, "instance", "instances"))
	if d.InUse > 0 {
		detail += " (confirmed: they keep the key until it is replaced)"
	}
	w := write{s: s, actor: actor, action: "DeleteKeyPairs", region: d.Region.ID, name: name}
	if err := w.intent(ctx, detail); err != nil {
		return d, err
	}
	callErr := s.cloud.DeleteKeyPairs(ctx, d.Region.ID, []string{name})
	return d, w.outcome(ctx, callErr, detail)
}

// Audit outcome of a write whose result is not known (timeout, broken connection).
const outcomeUnknown = "unknown"

// write records one key pair write in the audit trail: the intent before
// the cloud call, the outcome after, each with the person who asked.
type write struct {
	s                    *Service
	actor                auth.Actor
	action, region, name string
}

func (w write) entry(outcome, detail string) store.AuditEntry {
	return store.AuditEntry{Action: w.action, Region: w.region, KeyPair: w.name, Outcome: outcome, Detail: detail}
}

// intent must be written before the call; if it cannot be, the call is not made.
func (w write) intent(ctx context.Context, detail string) error {
	if err := w.s.audit.Record(ctx, w.actor, w.entry(store.OutcomeIntent, detail)); err != nil {
		return fmt.Errorf("%w: %w", errAuditRequired, err)
	}
	return nil
}

// outcome records what the cloud answered, with its RequestId when the
// gateway gives one, and returns the call's error as a *WriteError. The
// outcome is written even when the request timed out; a failure to write
// it is logged (the cloud has acted: the person must hear what it did).
func (w write) outcome(ctx context.Context, callErr error, detail string) error {
	ctx = context.WithoutCancel(ctx)
	if callErr == nil || maybeDone(callErr) {
		w.s.changed(w.region)
	}
	e := w.entry(store.OutcomeSuccess, detail)
	if callErr != nil {
		e.Outcome = store.OutcomeFailure
		if maybeDone(callErr) {
			e.Outcome = outcomeUnknown
		}
		var ce *cloud.Error
		if errors.As(callErr, &ce) {
			e.Detail = strings.TrimSpace(detail + " code " + ce.Code)
			if ce.RequestID != "" {
				e.RequestIDs = []string{ce.RequestID}
			}
		}
	}
	if err := w.s.audit.Record(ctx, w.actor, e); err != nil {
		w.s.log.ErrorContext(ctx, "audit key pair write outcome", "action", w.action, "region", w.region, "err", err)
	}
	if callErr != nil {
		w.s.log.WarnContext(ctx, "key pair write", "action", w.action, "region", w.region, "err", callErr)
		return writeError(w.action, w.name, callErr)
	}
	return nil
}

// maybeDone reports whether a failed write may still have happened in the
// cloud (the answer was lost, not refused).
func maybeDone(err error) bool {
	var ce *cloud.Error
	if errors.As(err, &ce) {
		return ce.Kind == cloud.KindTransport || ce.Code == cloud.CodeTimeout || ce.Code == cloud.CodeCanceled
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// cloudCode is the cloud's error code, or "".
func cloudCode(err error) string {
	var ce *cloud.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ""
}
