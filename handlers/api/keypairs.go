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
	"keybind/internal/cloud"
	"keybind/internal/inventory"
	"keybind/internal/keypairs"
	"keybind/internal/sshkey"
)

// KeyPairLister searches a region's key pairs.
type KeyPairLister interface {
	KeyPairs(ctx context.Context, region string, f cloud.KeyPairFilter) (cloud.KeyPairPage, error)
}

// KeyPairReader reads one key pair; *keypairs.Service provides it.
type KeyPairReader interface {
	KeyPair(ctx context.Context, region cloud.Region, name string) (cloud.KeyPair, error)
}

// KeyPairs lists a region's key pairs and reads one.
type KeyPairs struct {
	regions RegionFinder
	list    KeyPairLister
	key     KeyPairReader
}

// NewKeyPairs builds GET /api/v1/regions/:region/keypairs[/:name].
func NewKeyPairs(r RegionFinder, l KeyPairLister, k KeyPairReader) *KeyPairs {
	return &KeyPairs{regions: r, list: l, key: k}
}

const (
	keyPairsPageSize   = 20
	apiKeyPairsMaxPage = 50 // DescribeKeyPairs' largest page
)

// apiKeyPair is a key pair as the API shows it; algorithm and weak are the
// words and warning of the key pairs page.
type apiKeyPair struct {
	Name        string  `json:"name"`
	Fingerprint string  `json:"fingerprint"` // MD5, as ECS shows it
	SHA256      string  `json:"sha256"`      // as ssh-keygen -l shows it; "" if keybind cannot read the key
	Algorithm   string  `json:"algorithm"`   // e.g. "RSA 4096", "Ed25519"
	Weak        bool    `json:"weak"`        // keybind would refuse to import this key today
	CreatedAt   *string `json:"created_at"`
	PublicKey   string  `json:"public_key"`
}

func toAPIKeyPair(k cloud.KeyPair) apiKeyPair {
	out := apiKeyPair{Name: k.Name, Fingerprint: k.Fingerprint, CreatedAt: apiTime(k.CreatedAt), PublicKey: k.PublicKey}
	out.Algorithm, out.Weak = sshkey.Summary(k.PublicKey)
	if parsed, err := sshkey.Inspect(k.PublicKey); err == nil {
		out.SHA256 = parsed.SHA256
	}
	return out
}

// List answers one page of the region's key pairs; name filters with the
// console's search rule (a plain word matches anywhere, * is a wildcard).
func (h *KeyPairs) List(c echo.Context) error {
	ctx := c.Request().Context()
	region, err := regionParam(ctx, h.regions, c.Param("region"))
	if err != nil {
		return err
	}
	if err := onlyQuery(c, "account", "name", "page", "page_size"); err != nil {
		return err
	}
	page, size, err := apiPaging(c, keyPairsPageSize, apiKeyPairsMaxPage)
	if err != nil {
		return err
	}
	pattern, _, err := inventory.KeySearch(c.QueryParam("name"))
	if err != nil {
		return apperr.Invalid("Check the filter.", map[string]string{"name": "A key pair name has at most 128 characters."})
	}
	res, err := h.list.KeyPairs(ctx, region.ID, cloud.KeyPairFilter{Name: pattern, PageNumber: page, PageSize: size})
	if err != nil {
		return err
	}
	out := apiList[apiKeyPair]{Region: region.ID, apiPage: apiPage[apiKeyPair]{Page: page, PageSize: size, Total: res.Total, Items: make([]apiKeyPair, 0, len(res.Items))}}
	for _, k := range res.Items {
		out.Items = append(out.Items, toAPIKeyPair(k))
	}
	return c.JSON(http.StatusOK, out)
}

// Show answers one key pair, or 404.
func (h *KeyPairs) Show(c echo.Context) error {
	ctx := c.Request().Context()
	region, err := regionParam(ctx, h.regions, c.Param("region"))
	if err != nil {
		return err
	}
	name := c.Param("name")
	if !sshkey.ValidExistingName(name) {
		return apperr.NotFound("The key pair")
	}
	kp, err := h.key.KeyPair(ctx, region, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIKeyPair(kp))
}

// apiPage is one page of a list.
type apiPage[T any] struct {
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
	Total    int `json:"total"`
	Items    []T `json:"items"`
}

// apiList is one page of a region's resources.
type apiList[T any] struct {
	Region string `json:"region"`
	apiPage[T]
}

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
