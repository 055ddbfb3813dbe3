package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/sshkey"
)

// APIKeyPairImport imports a public key as a key pair, with the checks and
// the audit trail of the console's import form.
type APIKeyPairImport struct {
	regions *regionCache
	cloud   KeyPairImporter
	audit   KeyAudit
}

// NewAPIKeyPairImport builds POST /api/v1/regions/:region/keypairs.
func NewAPIKeyPairImport(r RegionLister, i KeyPairImporter, a KeyAudit) *APIKeyPairImport {
	return &APIKeyPairImport{regions: newRegionCache(r), cloud: i, audit: a}
}

type apiImportRequest struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
}

// Import checks the name and the key, then asks ECS to import the key,
// writing the intent before the call and the outcome after it. The key text
// is never logged or echoed unless it parsed as a public key.
func (h *APIKeyPairImport) Import(c echo.Context) error {
	ctx := c.Request().Context()
	a := apiActor(c)
	if err := h.audit.Authorize(ctx, a, auth.PermManageKeys); err != nil {
		return err
	}
	region, err := apiRegionParam(ctx, h.regions, c.Param("region"))
	if err != nil {
		return err
	}
	var req apiImportRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	if err := sshkey.ValidName(req.Name); err != nil {
		fields["name"] = refusal(err)
	}
	var key sshkey.Key
	switch {
	case len(req.PublicKey) > sshkey.MaxLen:
		fields["public_key"] = fmt.Sprintf("This is too long to be a public key (at most %d bytes).", sshkey.MaxLen)
	default:
		if key, err = sshkey.Parse(req.PublicKey); err != nil {
			fields["public_key"] = refusal(err)
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid("The key pair was not imported: check the fields.", fields)
	}

	w := keyWrite{audit: h.audit, actor: a, action: "ImportKeyPair", region: region.ID, name: req.Name}
	facts := fmt.Sprintf("%s %d bits, %s, MD5 %s", key.Algorithm(), key.Bits, key.SHA256, key.MD5)
	if err := w.intent(ctx, facts); err != nil {
		return err
	}
	kp, callErr := h.cloud.ImportKeyPair(ctx, region.ID, req.Name, key.AuthorizedKey)
	if err := w.outcome(ctx, callErr, facts); err != nil {
		State(c).Logger.Error("audit key pair import", "region", region.ID, "err", err)
	}
	if callErr != nil {
		State(c).Logger.Warn("import key pair", "region", region.ID, "err", callErr)
		return apiImportRefused(req.Name, region, callErr)
	}
	if kp.PublicKey == "" {
		kp.PublicKey = key.AuthorizedKey
	}
	out := toAPIKeyPair(kp)
	if out.SHA256 == "" {
		out.SHA256 = key.SHA256
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/regions/"+region.ID+"/keypairs/"+kp.Name)
	return c.JSON(http.StatusCreated, out)
}

// apiImportRefused words what the cloud said, naming the field at fault.
func apiImportRefused(name string, r cloud.Region, err error) error {
	switch cloudCode(err) {
	case "KeyPair.AlreadyExist":
		e := apperr.Conflict("A key pair named " + name + " already exists in " + r.ID + ".")
		e.Fields = map[string]string{"name": "A key pair with this name exists. Choose another name."}
		return e
	case "InvalidKeyPairName.Malformed":
		return apperr.Invalid("ECS did not accept the name.", map[string]string{"name": cloudMessage(err)})
	case "InvalidPublicKeyBody.Malformed":
		return apperr.Invalid("ECS did not accept the key.", map[string]string{"public_key": "ECS did not accept this key: " + cloudMessage(err)})
	}
	if maybeDone(err) {
		return apperr.New(http.StatusBadGateway, "outcome_unknown", "It is not known whether ECS imported "+name+": "+
			cloudMessage(err)+" List the key pairs before you try again.").Wrap(err)
	}
	var ce *cloud.Error
	if errors.As(err, &ce) && ce.Kind == cloud.KindConflict {
		return apperr.Conflict("The key pair was not imported: " + cloudMessage(err)).Wrap(err)
	}
	return apperr.New(http.StatusBadGateway, "cloud_error", "The key pair was not imported: "+cloudMessage(err)).Wrap(err)
}
