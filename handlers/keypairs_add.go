package handlers

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/keypairs"
	"keybind/internal/sshkey"
	"keybind/views"
)

// KeyPairAdder imports a public key as a key pair, or has ECS generate one
// and returns its private key once; *keypairs.Service provides it.
type KeyPairAdder interface {
	Import(ctx context.Context, actor auth.Actor, regionID, name, publicKey string) (keypairs.Imported, error)
	Create(ctx context.Context, actor auth.Actor, regionID, name string) (keypairs.Created, error)
}

// KeyPairAdd adds a key pair to a region: it imports a pasted or uploaded
// OpenSSH public key, or has ECS generate a key pair and hands its private
// key to the user in the response to the POST, once. The private key is
// never stored, logged, put in the audit trail, a session, a flash or a URL.
type KeyPairAdd struct {
	regions Regions
	keys    KeyPairAdder
}

// NewKeyPairAdd builds the import and create forms and actions.
func NewKeyPairAdd(r Regions, k KeyPairAdder) *KeyPairAdd {
	return &KeyPairAdd{regions: r, keys: k}
}

// ShowImport renders the empty import form.
func (h *KeyPairAdd) ShowImport(c echo.Context) error {
	region, ok, err := formRegion(c, h.regions)
	if !ok {
		return err
	}
	return h.importForm(c, http.StatusOK, region, views.KeyImportForm{}, nil, "", false)
}

func (h *KeyPairAdd) importForm(c echo.Context, status int, r cloud.Region, f views.KeyImportForm, errs map[string]string, msg string, private bool) error {
	p := views.KeyImportPage{Page: page(c, request.T(c, "bind.import_key"), "keypairs"), Region: r.ID, RegionName: r.Name,
		Form: f, Errors: errs, Error: msg, PrivateKey: private, MaxKeyBytes: sshkey.MaxLen}
	return render(c, status, views.KeyImport(p))
}

// errFileTooBig refuses an uploaded file too large to be a public key.
var errFileTooBig = errors.New("handlers: file too large for a public key")

// Import reads the pasted text or the uploaded .pub file and imports it.
// The text is shown again only if it parsed as a public key.
func (h *KeyPairAdd) Import(c echo.Context) error {
	name := c.FormValue("name")
	text, tooBig, err := publicKeyText(c)
	if err != nil {
		return err
	}
	var res keypairs.Imported
	if tooBig {
		err = &keypairs.InputError{Name: sshkey.ValidName(name), PublicKey: errFileTooBig}
	} else {
		res, err = h.keys.Import(c.Request().Context(), request.Actor(c, auth.ViaWeb), c.FormValue("region"), name, text)
	}
	if err == nil {
		msg := []string{request.T(c, "kpw2.imported", "Key", res.KeyPair.Name)}
		if res.Key.HadOptions {
			msg = append(msg, request.T(c, "kpw2.options_left_out"))
		}
		if err := addFlash(c, "success", request.Loc(c).Sentences(msg)); err != nil {
			return err
		}
		return redirect(c, keyPairURL(c.FormValue("region"), res.KeyPair.Name))
	}
	errs, ie := inputErrors(c, err)
	if ie != nil && errors.Is(ie.PublicKey, errFileTooBig) {
		errs["public_key"] = request.T(c, "kpw.file_too_large", "KB", sshkey.MaxLen>>10)
	}
	region, rerr := h.regions.Region(c.Request().Context(), c.FormValue("region"))
	if errs == nil && !isKeyWriteError(err) || rerr != nil {
		return err // not the form's fault: the error page
	}
	form := views.KeyImportForm{Name: name}
	if ie == nil || ie.PublicKey == nil {
		form.PublicKey = publicKeyOnly(text)
	}
	if ie != nil {
		return h.importForm(c, http.StatusUnprocessableEntity, region, form, errs, "", ie.PrivateKeyGiven())
	}
	fields, status, msg, _ := keyWriteFailed(c, err, "imported", name, region, request.T(c, "kpw.advice_imported"))
	return h.importForm(c, status, region, form, fields, msg, false)
}

// isKeyWriteError reports whether err is a key pair write the cloud refused.
func isKeyWriteError(err error) bool {
	var we *keypairs.WriteError
	return errors.As(err, &we)
}

// publicKeyOnly is the text to show again in the form: the key as parsed,
// or nothing (a private key or garbage is never echoed).
func publicKeyOnly(text string) string {
	if k, err := sshkey.Parse(text); err == nil {
		return k.AuthorizedKey
	}
	return ""
}

// publicKeyText is the uploaded .pub file if one was chosen, else the pasted
// text. tooBig reports a file over sshkey.MaxLen, which is not read.
func publicKeyText(c echo.Context) (text string, tooBig bool, err error) {
	fh, err := c.FormFile("public_key_file")
	if err != nil { // no file chosen, or not a multipart form: the pasted text
		return c.FormValue("public_key"), false, nil
	}
	if fh.Size > sshkey.MaxLen {
		return "", true, nil
	}
	f, err := fh.Open()
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, sshkey.MaxLen+1))
	if err != nil {
		return "", false, err
	}
	if len(b) > sshkey.MaxLen {
		return "", true, nil
	}
	return string(b), false, nil
}

// ShowCreate renders the empty create form.
func (h *KeyPairAdd) ShowCreate(c echo.Context) error {
	region, ok, err := formRegion(c, h.regions)
	if !ok {
		return err
	}
	return h.createForm(c, http.StatusOK, region, "", nil, "")
}

func (h *KeyPairAdd) createForm(c echo.Context, status int, r cloud.Region, name string, errs map[string]string, msg string) error {
	p := views.KeyCreatePage{Page: page(c, request.T(c, "kpw.title_create"), "keypairs"), Region: r.ID, RegionName: r.Name,
		Name: name, Errors: errs, Error: msg}
	return render(c, status, views.KeyCreate(p))
}

// Create asks ECS for a new key pair and answers with the page that offers
// the private key.
func (h *KeyPairAdd) Create(c echo.Context) error {
	name := c.FormValue("name")
	res, err := h.keys.Create(c.Request().Context(), request.Actor(c, auth.ViaWeb), c.FormValue("region"), name)
	if err != nil {
		return h.createRefused(c, name, err)
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
func (h *KeyPairAdd) createRefused(c echo.Context, name string, err error) error {
	region, rerr := h.regions.Region(c.Request().Context(), c.FormValue("region"))
	if rerr != nil {
		return err
	}
	if errs, ie := inputErrors(c, err); ie != nil {
		return h.createForm(c, http.StatusUnprocessableEntity, region, name, errs, "")
	}
	advice := request.T(c, "kpw.advice_created", "Key", name)
	fields, status, msg, ok := keyWriteFailed(c, err, "created", name, region, advice)
	if !ok {
		return err
	}
	if fields["name"] != "" && isReason(err, keypairs.ReasonNameTaken) {
		fields["name"] = request.Loc(c).Sentences([]string{fields["name"], request.T(c, "kpw.taken_lost", "Key", name)})
	}
	return h.createForm(c, status, region, name, fields, msg)
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
