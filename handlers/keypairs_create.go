package handlers

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/keypairs"
	"keybind/views"
)

// KeyPairCreator has ECS generate a key pair and returns its private key
// once; *keypairs.Service provides it.
type KeyPairCreator interface {
	Create(ctx context.Context, actor auth.Actor, regionID, name string) (keypairs.Created, error)
}

// KeyPairCreate has ECS generate a key pair and hands its private key to
// the user in the response to the POST, once. The private key is never
// stored, logged, put in the audit trail, a session, a flash or a URL.
type KeyPairCreate struct {
	regions Regions
	keys    KeyPairCreator
}

// NewKeyPairCreate builds the create form and action.
func NewKeyPairCreate(r Regions, k KeyPairCreator) *KeyPairCreate {
	return &KeyPairCreate{regions: r, keys: k}
}

// Show renders the empty form.
func (h *KeyPairCreate) Show(c echo.Context) error {
	region, ok, err := formRegion(c, h.regions)
	if !ok {
		return err
	}
	return h.form(c, http.StatusOK, region, "", nil, "")
}

func (h *KeyPairCreate) form(c echo.Context, status int, r cloud.Region, name string, errs map[string]string, msg string) error {
	p := views.KeyCreatePage{Page: page(c, request.T(c, "kpw.title_create"), "keypairs"), Region: r.ID, RegionName: r.Name,
		Name: name, Errors: errs, Error: msg}
	return render(c, status, views.KeyCreate(p))
}

// Create asks ECS for a new key pair and answers with the page that offers
// the private key.
func (h *KeyPairCreate) Create(c echo.Context) error {
	name := c.FormValue("name")
	res, err := h.keys.Create(c.Request().Context(), request.Actor(c, auth.ViaWeb), c.FormValue("region"), name)
	if err != nil {
		return h.refused(c, name, err)
	}
	kp, region := res.KeyPair, c.FormValue("region")
	regionName := region
	if r, err := h.regions.Region(c.Request().Context(), region); err == nil {
		regionName = r.Name
	}
	p := views.KeyCreatedPage{Page: page(c, request.T(c, "edge2.title_created", "Key", kp.Name), "keypairs"), Region: region, RegionName: regionName,
		Name: kp.Name, MD5: kp.Fingerprint, PrivateKey: res.PrivateKey, FileName: pemFileName(kp.Name),
		DownloadURL: "data:application/x-pem-file;base64," + base64.StdEncoding.EncodeToString([]byte(res.PrivateKey)),
		KeyURL:      keyPairURL(region, kp.Name),
		Algorithm:   res.Key.Algorithm(), Bits: res.Key.Bits, SHA256: res.Key.SHA256}
	if res.Key.SHA256 == "" {
		p.Algorithm = ""
	}
	// No cache, and no back/forward cache, keeps the page with the private key.
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Pragma", "no-cache")
	return render(c, http.StatusOK, views.KeyCreated(p))
}

// refused shows the form again with what went wrong.
func (h *KeyPairCreate) refused(c echo.Context, name string, err error) error {
	region, rerr := h.regions.Region(c.Request().Context(), c.FormValue("region"))
	if rerr != nil {
		return err
	}
	if errs, ie := inputErrors(c, err); ie != nil {
		return h.form(c, http.StatusUnprocessableEntity, region, name, errs, "")
	}
	advice := request.T(c, "kpw.advice_created", "Key", name)
	fields, status, msg, ok := keyWriteFailed(c, err, "created", name, region, advice)
	if !ok {
		return err
	}
	if fields["name"] != "" && isReason(err, keypairs.ReasonNameTaken) {
		fields["name"] = request.Loc(c).Sentences([]string{fields["name"], request.T(c, "kpw.taken_lost", "Key", name)})
	}
	return h.form(c, status, region, name, fields, msg)
}

// isReason reports whether err is a key pair write refused for reason r.
func isReason(err error, r keypairs.Reason) bool {
	var we *keypairs.WriteError
	return errors.As(err, &we) && we.Reason == r
}

// pemFileName is a file name for the private key that every operating
// system accepts (':' is not allowed on Windows).
func pemFileName(name string) string {
	return strings.NewReplacer(":", "_").Replace(name) + ".pem"
}
