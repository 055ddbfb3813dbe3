package keypairs

import (
	"context"

	"keybind/internal/cloud"
	"keybind/internal/sshkey"
)

// Detail is a key pair with the instances that use it. InUse is -1, and
// UsageErr says why, when they could not be counted.
type Detail struct {
	Region   cloud.Region
	KeyPair  cloud.KeyPair
	InUse    int
	Users    []cloud.Instance // the first few
	UsageErr error
}

// Detail reads the key pair named in the region and who uses it; a failed
// count is reported in the Detail, not as an error.
func (s *Service) Detail(ctx context.Context, regionID, name string) (Detail, error) {
	region, err := s.regions.Region(ctx, regionID)
	if err != nil {
		return Detail{}, err
	}
	if !sshkey.ValidExistingName(name) {
		return Detail{Region: region}, ErrNameInvalid
	}
	return s.detail(ctx, region, name)
}

func (s *Service) detail(ctx context.Context, region cloud.Region, name string) (Detail, error) {
	kp, err := s.KeyPair(ctx, region, name)
	if err != nil {
		return Detail{Region: region}, err
	}
	d := Detail{Region: region, KeyPair: kp}
	d.InUse, d.Users, d.UsageErr = s.Users(ctx, region.ID, kp.Name)
	if d.UsageErr != nil {
		d.InUse, d.Users = -1, nil
	}
	return d, nil
}
