package handlers

import (
	"context"
	"errors"
	"fmt"
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
	describeKey(&v, kp.PublicKey)
	if d.UsageErr != nil {
		request.Get(c).Logger.Warn("count key pair usage", "region", region.ID, "err", d.UsageErr)
		v.UsageError = "keybind could not count the instances that use this key pair: " + apperr.CloudMessage(d.UsageErr)
	}
	for _, in := range d.Users {
		v.Users = append(v.Users, views.KeyPairInstance{ID: in.ID, Name: in.Name, Status: string(in.Status)})
	}
	return v
}

// describeKey adds what the public key itself says: type, size, SHA256.
func describeKey(d *views.KeyPairDetail, publicKey string) {
	if publicKey == "" {
		return
	}
	k, err := sshkey.Inspect(publicKey)
	if err != nil {
		if errors.Is(err, sshkey.ErrWeak) {
			d.Algorithm, d.KeyNote = "DSA", "This is a DSA key. keybind would not import it today: DSA keys are no longer safe."
		}
		return
	}
	d.Algorithm, d.Bits, d.SHA256, d.Comment = k.Algorithm(), k.Bits, k.SHA256, k.Comment
	var se *sshkey.Error
	if errors.As(k.Check(), &se) {
		d.KeyNote = "keybind would not import this key today. " + se.Message
	}
}

// keyWriteFailed words a key pair write the cloud did not do (or may have
// done): field errors for the form to show again, or a status and message;
// advice follows the message when the outcome is unknown. ok is false for
// any other error.
func keyWriteFailed(err error, what, name string, r cloud.Region, advice string) (fields map[string]string, status int, msg string, ok bool) {
	var we *keypairs.WriteError
	if !errors.As(err, &we) {
		return nil, 0, "", false
	}
	switch we.Reason {
	case keypairs.ReasonNameTaken:
		return map[string]string{"name": "A key pair named " + name + " already exists in " + r.Name + ". Choose another name."}, http.StatusUnprocessableEntity, "", true
	case keypairs.ReasonNameRejected:
		return map[string]string{"name": apperr.CloudMessage(we.Err)}, http.StatusUnprocessableEntity, "", true
	case keypairs.ReasonKeyRejected:
		return map[string]string{"public_key": "ECS did not accept this key: " + apperr.CloudMessage(we.Err)}, http.StatusUnprocessableEntity, "", true
	case keypairs.ReasonQuota:
		return nil, http.StatusConflict, "The key pair was not " + what + ": " + apperr.CloudMessage(we.Err), true
	case keypairs.ReasonUnknown:
		return nil, http.StatusBadGateway, fmt.Sprintf("It is not known whether ECS %s %s: %s %s", what, name, apperr.CloudMessage(we.Err), advice), true
	}
	return nil, http.StatusBadGateway, "The key pair was not " + what + ": " + apperr.CloudMessage(we.Err), true
}

// inputErrors words a key pair form's input refusals by field.
func inputErrors(err error) (map[string]string, *keypairs.InputError) {
	var ie *keypairs.InputError
	if !errors.As(err, &ie) {
		return nil, nil
	}
	errs := map[string]string{}
	if ie.Name != nil {
		errs["name"] = sshkey.MessageOf(ie.Name)
	}
	switch {
	case errors.Is(ie.PublicKey, keypairs.ErrKeyTooLong):
		errs["public_key"] = fmt.Sprintf("This is too long to be a public key (at most %d bytes).", sshkey.MaxLen)
	case ie.PublicKey != nil:
		errs["public_key"] = sshkey.MessageOf(ie.PublicKey)
	}
	return errs, ie
}

// notAKeyPairName words a key pair name that cannot be one.
func notAKeyPairName(err error) error {
	if errors.Is(err, keypairs.ErrNameInvalid) {
		return apperr.BadRequest("That is not a key pair name.")
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
