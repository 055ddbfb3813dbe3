package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/keypairs"
	"keybind/internal/sshkey"
)

// KeyPairImporter registers a public key as a key pair; *keypairs.Service
// provides it.
type KeyPairImporter interface {
	Import(ctx context.Context, actor auth.Actor, regionID, name, publicKey string) (keypairs.Imported, error)
}

// KeyPairImport imports a public key as a key pair, with the checks and the
// audit trail of the console's import form.
type KeyPairImport struct {
	regions RegionFinder
	keys    KeyPairImporter
}

// NewKeyPairImport builds POST /api/v1/regions/:region/keypairs.
func NewKeyPairImport(r RegionFinder, k KeyPairImporter) *KeyPairImport {
	return &KeyPairImport{regions: r, keys: k}
}

type apiImportRequest struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
}

// Import checks the name and the key, then asks ECS to import the key,
// writing the intent before the call and the outcome after it. The key text
// is never logged or echoed unless it parsed as a public key.
func (h *KeyPairImport) Import(c echo.Context) error {
	ctx := c.Request().Context()
	if _, err := regionParam(ctx, h.regions, c.Param("region")); err != nil {
		return err
	}
	var req apiImportRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	res, err := h.keys.Import(ctx, request.Actor(c, auth.ViaAPI), c.Param("region"), req.Name, req.PublicKey)
	if err != nil {
		return importRefused(req.Name, c.Param("region"), err)
	}
	out := toAPIKeyPair(res.KeyPair)
	if out.SHA256 == "" {
		out.SHA256 = res.Key.SHA256
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/regions/"+c.Param("region")+"/keypairs/"+res.KeyPair.Name)
	return c.JSON(http.StatusCreated, out)
}

// importRefused words why the import did not happen, naming the field at fault.
func importRefused(name, region string, err error) error {
	var ie *keypairs.InputError
	if errors.As(err, &ie) {
		fields := map[string]string{}
		if ie.Name != nil {
			fields["name"] = sshkey.MessageOf(ie.Name)
		}
		switch {
		case errors.Is(ie.PublicKey, keypairs.ErrKeyTooLong):
			fields["public_key"] = fmt.Sprintf("This is too long to be a public key (at most %d bytes).", sshkey.MaxLen)
		case ie.PublicKey != nil:
			fields["public_key"] = sshkey.MessageOf(ie.PublicKey)
		}
		return apperr.Invalid("The key pair was not imported: check the fields.", fields)
	}
	var we *keypairs.WriteError
	if !errors.As(err, &we) {
		return err
	}
	msg := apperr.CloudMessage(we.Err)
	switch we.Reason {
	case keypairs.ReasonNameTaken:
		e := apperr.Conflict("A key pair named " + name + " already exists in " + region + ".")
		e.Fields = map[string]string{"name": "A key pair with this name exists. Choose another name."}
		return e
	case keypairs.ReasonNameRejected:
		return apperr.Invalid("ECS did not accept the name.", map[string]string{"name": msg})
	case keypairs.ReasonKeyRejected:
		return apperr.Invalid("ECS did not accept the key.", map[string]string{"public_key": "ECS did not accept this key: " + msg})
	case keypairs.ReasonUnknown:
		return apperr.New(http.StatusBadGateway, "outcome_unknown", "It is not known whether ECS imported "+name+": "+
			msg+" List the key pairs before you try again.").Wrap(err)
	case keypairs.ReasonQuota:
		return apperr.Conflict("The key pair was not imported: " + msg).Wrap(err)
	}
	return apperr.New(http.StatusBadGateway, "cloud_error", "The key pair was not imported: "+msg).Wrap(err)
}
