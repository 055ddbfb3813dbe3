package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/cloud"
	"keybind/internal/keypairs"
	"keybind/internal/sshkey"
	"keybind/views"
)

// KeyPairReader reads a key pair with the instances that use it;
// *keypairs.Service provides it.
type KeyPairReader interface {
	Detail(ctx context.Context, regionID, name string) (keypairs.Detail, error)
}

// keyPairDetail maps a key pair and its usage to the view model.
func keyPairDetail(c echo.Context, d keypairs.Detail) views.KeyPairDetail {
	kp, region := d.KeyPair, d.Region
	v := views.KeyPairDetail{Region: region.ID, RegionName: region.Name, Name: kp.Name, Created: formatTime(c, kp.CreatedAt),
		MD5: kp.Fingerprint, PublicKey: kp.PublicKey, URL: keyPairURL(region.ID, kp.Name),
		BindURL: bindURL(region.ID, kp.Name), ListURL: keyListURL(region.ID), InUse: d.InUse}
	describeKey(c, &v, kp.PublicKey)
	if d.UsageErr != nil {
		request.Get(c).Logger.Warn("count key pair usage", "region", region.ID, "err", d.UsageErr)
		v.UsageError = request.T(c, "kpw.usage_error", "Reason", cloudMessage(c, d.UsageErr))
	}
	for _, in := range d.Users {
		v.Users = append(v.Users, views.KeyPairInstance{ID: in.ID, Name: in.Name, Status: string(in.Status)}) // views.InstanceStatus words it
	}
	return v
}

// describeKey adds what the public key itself says: type, size, SHA256.
func describeKey(c echo.Context, d *views.KeyPairDetail, publicKey string) {
	if publicKey == "" {
		return
	}
	k, err := sshkey.Inspect(publicKey)
	if err != nil {
		if errors.Is(err, sshkey.ErrWeak) {
			d.Algorithm, d.KeyNote = "DSA", request.T(c, "kpw.dsa_note")
		}
		return
	}
	d.Algorithm, d.Bits, d.SHA256, d.Comment = k.Algorithm(), k.Bits, k.SHA256, k.Comment
	var se *sshkey.Error
	if errors.As(k.Check(), &se) {
		d.KeyNote = request.T(c, "kpw.policy_note", "Reason", request.Loc(c).English(se.Message))
	}
}

// keyWriteFailed words a key pair write the cloud did not do (or may have
// done): field errors for the form to show again, or a status and message;
// advice follows the message when the outcome is unknown. ok is false for
// any other error.
// what is "created" or "imported".
func keyWriteFailed(c echo.Context, err error, what, name string, r cloud.Region, advice string) (fields map[string]string, status int, msg string, ok bool) {
	var we *keypairs.WriteError
	if !errors.As(err, &we) {
		return nil, 0, "", false
	}
	reason := cloudMessage(c, we.Err)
	switch we.Reason {
	case keypairs.ReasonNameTaken:
		return map[string]string{"name": request.T(c, "kpw.name_taken", "Key", name, "Region", r.Name)}, http.StatusUnprocessableEntity, "", true
	case keypairs.ReasonNameRejected:
		return map[string]string{"name": reason}, http.StatusUnprocessableEntity, "", true
	case keypairs.ReasonKeyRejected:
		return map[string]string{"public_key": request.T(c, "kpw.key_rejected", "Reason", reason)}, http.StatusUnprocessableEntity, "", true
	case keypairs.ReasonUnknown:
		return nil, http.StatusBadGateway, request.T(c, "kpw.unknown_"+what, "Key", name, "Reason", reason, "Advice", advice), true
	case keypairs.ReasonQuota:
		return nil, http.StatusConflict, request.T(c, "kpw.not_"+what, "Reason", reason), true
	}
	return nil, http.StatusBadGateway, request.T(c, "kpw.not_"+what, "Reason", reason), true
}

// inputErrors words a key pair form's input refusals by field.
func inputErrors(c echo.Context, err error) (map[string]string, *keypairs.InputError) {
	var ie *keypairs.InputError
	if !errors.As(err, &ie) {
		return nil, nil
	}
	errs := map[string]string{}
	if ie.Name != nil {
		errs["name"] = request.Loc(c).English(sshkey.MessageOf(ie.Name))
	}
	switch {
	case errors.Is(ie.PublicKey, keypairs.ErrKeyTooLong):
		errs["public_key"] = request.T(c, "kpw.too_long", "Max", sshkey.MaxLen)
	case ie.PublicKey != nil:
		errs["public_key"] = request.Loc(c).English(sshkey.MessageOf(ie.PublicKey))
	}
	return errs, ie
}

// notAKeyPairName words a key pair name that cannot be one.
func notAKeyPairName(c echo.Context, err error) error {
	if errors.Is(err, keypairs.ErrNameInvalid) {
		return apperr.BadRequest(request.T(c, "kpw.not_a_name"))
	}
	return err
}

// keyPairURL is a key pair's own page.
func keyPairURL(region, name string) string {
	return "/keypairs/key?" + url.Values{"region": {region}, "name": {name}}.Encode()
}

// bindURL starts the binding flow with the key pair chosen.
func bindURL(region, name string) string {
	return "/bind/instances?" + url.Values{"region": {region}, "key": {name}}.Encode()
}

// keyListURL is the region's key pair list.
func keyListURL(region string) string {
	return "/keypairs?" + url.Values{"region": {region}}.Encode()
}

// formRegion reads the region of a key pair form's GET; without one the
// user is sent to the key pairs page to choose it (ok is false).
func formRegion(c echo.Context, regions Regions) (region cloud.Region, ok bool, err error) {
	if c.QueryParam("region") == "" {
		return region, false, c.Redirect(http.StatusSeeOther, "/keypairs")
	}
	region, err = regions.Region(c.Request().Context(), c.QueryParam("region"))
	return region, err == nil, err
}
