package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/keypairs"
	"keybind/internal/sshkey"
	"keybind/views"
)

// KeyPairImporter registers an existing public key as a key pair;
// *keypairs.Service provides it.
type KeyPairImporter interface {
	Import(ctx context.Context, actor auth.Actor, regionID, name, publicKey string) (keypairs.Imported, error)
}

// KeyPairImport imports a pasted or uploaded OpenSSH public key.
type KeyPairImport struct {
	regions Regions
	keys    KeyPairImporter
}

// NewKeyPairImport builds the import form and action.
func NewKeyPairImport(r Regions, k KeyPairImporter) *KeyPairImport {
	return &KeyPairImport{regions: r, keys: k}
}

// Show renders the empty form.
func (h *KeyPairImport) Show(c echo.Context) error {
	region, ok, err := formRegion(c, h.regions)
	if !ok {
		return err
	}
	return h.render(c, http.StatusOK, region, views.KeyImportForm{}, nil, "", false)
}

func (h *KeyPairImport) render(c echo.Context, status int, r cloud.Region, f views.KeyImportForm, errs map[string]string, msg string, private bool) error {
	p := views.KeyImportPage{Page: page(c, request.T(c, "bind.import_key"), "keypairs"), Region: r.ID, RegionName: r.Name,
		Form: f, Errors: errs, Error: msg, PrivateKey: private, MaxKeyBytes: sshkey.MaxLen}
	return render(c, status, views.KeyImport(p))
}

// errFileTooBig refuses an uploaded file too large to be a public key.
var errFileTooBig = errors.New("handlers: file too large for a public key")

// Import reads the pasted text or the uploaded .pub file and imports it.
// The text is shown again only if it parsed as a public key.
func (h *KeyPairImport) Import(c echo.Context) error {
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
		msg := "Imported key pair " + res.KeyPair.Name + ". Check with its owner that the fingerprint below is the one of their key, then bind it to instances."
		if res.Key.HadOptions {
			msg += " The options in front of the key (such as from=…) are not part of a key pair and were left out."
		}
		if err := addFlash(c, "success", msg); err != nil {
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
		return h.render(c, http.StatusUnprocessableEntity, region, form, errs, "", ie.PrivateKeyGiven())
	}
	fields, status, msg, _ := keyWriteFailed(c, err, "imported", name, region, request.T(c, "kpw.advice_imported"))
	return h.render(c, status, region, form, fields, msg, false)
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
