package accounts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/fault"
	"keybind/internal/store"
)

var (
	nameRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	regionRE   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	accessKey  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	externalID = regexp.MustCompile(`^[\w+=,.@:/-]{2,}$`)
)

// check validates in; the field names are the form's.
func (in Input) check() (regions []string, err error) {
	fields := map[string]string{}
	if !nameRE.MatchString(in.Name) {
		fields["name"] = "account_name_invalid"
	}
	switch {
	case in.RoleARN != "" && (in.AccessKeyID != "" || in.AccessKeySecret != ""):
		fields["role_arn"] = "account_kind_invalid"
	case in.RoleARN != "":
		if !cloud.ValidRoleARN(in.RoleARN) {
			fields["role_arn"] = "role_arn_invalid"
		}
		if in.ExternalID != "" && (!externalID.MatchString(in.ExternalID) || len(in.ExternalID) > 1224) {
			fields["external_id"] = "account_invalid"
		}
	case !accessKey.MatchString(in.AccessKeyID) || in.AccessKeySecret == "" || len(in.AccessKeySecret) > 256:
		fields["access_key_id"] = "access_key_invalid"
	}
	for _, r := range strings.Split(in.DefaultRegions, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		if !regionRE.MatchString(r) || len(r) > 64 {
			fields["default_regions"] = "regions_invalid"
			break
		}
		regions = append(regions, r)
	}
	return regions, fault.Invalid("account_invalid", fields)
}

// Create adds an account (administrators only). The secret is sealed before
// it is stored and is never shown again.
func (s *Service) Create(ctx context.Context, actor auth.Actor, in Input) (Account, error) {
	if err := s.cfg.Audit.Authorize(ctx, actor, auth.PermManageAccounts); err != nil {
		return Account{}, err
	}
	in.Name, in.AccessKeyID, in.RoleARN = strings.TrimSpace(in.Name), strings.TrimSpace(in.AccessKeyID), strings.TrimSpace(in.RoleARN)
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	regions, err := in.check()
	if err != nil {
		return Account{}, err
	}
	if in.Name == Default {
		return Account{}, ErrBuiltin.OnField("name")
	}
	row := store.CloudAccountRow{Name: in.Name, Kind: KindRole, RoleARN: in.RoleARN, ExternalID: in.ExternalID,
		DefaultRegions: strings.Join(regions, ","), CreatedBy: actorName(actor), CreatedAt: s.cfg.Clock.Now()}
	if in.RoleARN == "" {
		if s.cfg.Sealer == nil {
			return Account{}, ErrNoSecretKey
		}
		row.Kind, row.AccessKeyID = KindAccessKey, in.AccessKeyID
		if row.SealedSecret, err = s.cfg.Sealer.Seal(in.Name, in.AccessKeySecret); err != nil {
			return Account{}, err
		}
	}
	ca := cloud.Account{Name: in.Name, AccessKeyID: row.AccessKeyID, AccessKeySecret: in.AccessKeySecret, RoleARN: in.RoleARN, ExternalID: in.ExternalID}
	if _, err := s.cfg.Store.CreateCloudAccount(ctx, row); errors.Is(err, store.ErrConflict) {
		return Account{}, ErrExists.About(in.Name).OnField("name")
	} else if err != nil {
		return Account{}, err
	}
	if err := s.cfg.Gateway.SetAccount(ca); err != nil {
		_ = s.cfg.Store.DeleteCloudAccount(ctx, in.Name)
		return Account{}, fault.New(fault.KindInvalid, "account_invalid").Wrap(err)
	}
	detail := "AccessKey " + row.AccessKeyID
	if row.Kind == KindRole {
		detail = "role " + row.RoleARN
	}
	s.record(ctx, actor, ActionCreate, in.Name, store.OutcomeSuccess, detail)
	return fromRow(row), nil
}

// Delete removes an account and its grants (administrators only), unless
// unfinished jobs work in it (ErrInUse). Finished jobs keep its name.
func (s *Service) Delete(ctx context.Context, actor auth.Actor, name string) error {
	if err := s.cfg.Audit.Authorize(ctx, actor, auth.PermManageAccounts); err != nil {
		return err
	}
	if name == Default {
		return ErrBuiltin
	}
	if n, err := s.cfg.Store.UnfinishedJobsIn(ctx, name); err != nil {
		return err
	} else if n > 0 {
		return ErrInUse.About(name)
	}
	if err := s.cfg.Store.DeleteCloudAccount(ctx, name); errors.Is(err, store.ErrNotFound) {
		return ErrNotFound.About(name)
	} else if err != nil {
		return err
	}
	s.cfg.Gateway.RemoveAccount(name)
	s.record(ctx, actor, ActionDelete, name, store.OutcomeSuccess, "")
	return nil
}

// Test calls DescribeRegions in the account (administrators only) and
// returns what it answered; the outcome is audited.
func (s *Service) Test(ctx context.Context, actor auth.Actor, name string) ([]cloud.Region, error) {
	if err := s.cfg.Audit.Authorize(ctx, actor, auth.PermManageAccounts); err != nil {
		return nil, err
	}
	if _, err := s.find(ctx, name); err != nil {
		return nil, err
	}
	regions, err := s.cfg.Gateway.Regions(Context(ctx, name, actor))
	if err != nil {
		s.record(ctx, actor, ActionTest, name, store.OutcomeFailure, err.Error())
		return nil, err
	}
	s.record(ctx, actor, ActionTest, name, store.OutcomeSuccess, fmt.Sprintf("%d regions", len(regions)))
	return regions, nil
}

func (s *Service) find(ctx context.Context, name string) (Account, error) {
	all, err := s.all(ctx)
	if err != nil {
		return Account{}, err
	}
	for _, a := range all {
		if a.Name == name {
			return a, nil
		}
	}
	return Account{}, ErrNotFound.About(name)
}

func actorName(a auth.Actor) string {
	if a.User != nil {
		return a.User.Name
	}
	return a.Via
}
