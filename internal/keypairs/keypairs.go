// Package keypairs holds the use-cases of key pairs: read one with what its
// public key says and who uses it, count usage across a region, import a
// public key, have ECS create a key pair, delete one (guarded while in
// use). Every write is authorised here and audited before and after the
// cloud call. The pages and the API are adapters over the same Service.
package keypairs

import (
	"context"
	"errors"
	"log/slog"

	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/fault"
	"keybind/internal/store"
)

// Regions finds a region by ID; *inventory.Regions provides it.
type Regions interface {
	Region(ctx context.Context, id string) (cloud.Region, error)
}

// Cloud is the part of the gateway key pairs need; *cloud.Gateway provides it.
type Cloud interface {
	KeyPair(ctx context.Context, region, name string) (cloud.KeyPair, error)
	ImportKeyPair(ctx context.Context, region, name, publicKey string) (cloud.KeyPair, error)
	CreateKeyPair(ctx context.Context, region, name string) (cloud.KeyPair, string, error)
	DeleteKeyPairs(ctx context.Context, region string, names []string) error
	Instances(ctx context.Context, region string, f cloud.InstanceFilter) (cloud.InstancePage, error)
}

// Audit checks a permission (recording a refusal) and appends to the audit
// trail; *auth.Service provides it.
type Audit interface {
	Authorize(ctx context.Context, actor auth.Actor, p auth.Permission) error
	Record(ctx context.Context, actor auth.Actor, e store.AuditEntry) error
}

// Errors of the key pair use-cases.
var (
	ErrNameInvalid   = fault.New(fault.KindInvalid, "key_pair_name_invalid")
	ErrNotFound      = fault.New(fault.KindNotFound, "key_pair_not_found")
	ErrUsageUnknown  = fault.New(fault.KindUnavailable, "key_pair_usage_unknown") // the instances using it could not be counted
	errAuditRequired = errors.New("keypairs: the audit intent could not be written, so nothing was sent")
)

// Service is the key pair use-cases.
type Service struct {
	regions Regions
	cloud   Cloud
	audit   Audit
	log     *slog.Logger
	usage   *usageCounter
	changed func(region string)
}

// New builds the service; log receives what the person is not shown, clock
// dates the usage counts, and changed (if not nil) hears of every region
// whose key pairs a write changed (or may have changed), so cached lists
// can be dropped.
func New(r Regions, c Cloud, a Audit, clock Clock, log *slog.Logger, changed func(region string)) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if changed == nil {
		changed = func(string) {}
	}
	u := &usageCounter{src: c, clock: clock, ttl: DefaultUsageTTL, regions: map[string]*regionUsage{}}
	return &Service{regions: r, cloud: c, audit: a, log: log, usage: u, changed: changed}
}

// KeyPair reads one key pair; ErrNotFound (about "name in region") if the
// region has none of that name.
func (s *Service) KeyPair(ctx context.Context, region cloud.Region, name string) (cloud.KeyPair, error) {
	kp, err := s.cloud.KeyPair(ctx, region.ID, name)
	var ce *cloud.Error
	if errors.As(err, &ce) && ce.Kind == cloud.KindNotFound {
		return kp, ErrNotFound.About(name + " in " + region.Name)
	}
	return kp, err
}
