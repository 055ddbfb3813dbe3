package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/sshkey"
	"keybind/views"
)

// KeyPairImporter registers an existing public key as a key pair.
type KeyPairImporter interface {
	ImportKeyPair(ctx context.Context, region, name, publicKey string) (cloud.KeyPair, error)
}

// KeyPairImport imports a pasted or uploaded OpenSSH public key.
type KeyPairImport struct {
	regions *regionCache
	cloud   KeyPairImporter
	audit   KeyAudit
}

// NewKeyPairImport builds the import form and action.
func NewKeyPairImport(r RegionLister, i KeyPairImporter, a KeyAudit) *KeyPairImport {
	return &KeyPairImport{regions: newRegionCache(r), cloud: i, audit: a}
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
	p := views.KeyImportPage{Page: page(c, "Import a public key", "keypairs"), Region: r.ID, RegionName: r.Name,
		Form: f, Errors: errs, Error: msg, PrivateKey: private, MaxKeyBytes: sshkey.MaxLen}
	return render(c, status, views.KeyImport(p))
}

// Import checks the name and the key here, then asks ECS to import the key,
// with the audit trail before and after. The pasted text is never logged,
// stored or shown again unless it parsed as a public key.
func (h *KeyPairImport) Import(c echo.Context) error {
	ctx := c.Request().Context()
	a := actor(c)
	if err := h.audit.Authorize(ctx, a, auth.PermManageKeys); err != nil {
		return err
	}
	region, err := h.regions.lookup(ctx, c.FormValue("region"))
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	key, form, errs, private, err := checkImport(c, name)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return h.render(c, http.StatusUnprocessableEntity, region, form, errs, "", private)
	}

	w := keyWrite{audit: h.audit, actor: a, action: "ImportKeyPair", region: region.ID, name: name}
	facts := fmt.Sprintf("%s %d bits, %s, MD5 %s", key.Algorithm(), key.Bits, key.SHA256, key.MD5)
	if err := w.intent(ctx, facts); err != nil {
		return err
	}
	kp, callErr := h.cloud.ImportKeyPair(ctx, region.ID, name, key.AuthorizedKey)
	if err := w.outcome(ctx, callErr, facts); err != nil {
		State(c).Logger.Error("audit key pair import", "region", region.ID, "err", err)
	}
	if callErr != nil {
		State(c).Logger.Warn("import key pair", "region", region.ID, "err", callErr)
		return h.refused(c, region, form, callErr)
	}
	msg := "Imported key pair " + kp.Name + ". Check with its owner that the fingerprint below is the one of their key, then bind it to instances."
	if key.HadOptions {
		msg += " The options in front of the key (such as from=…) are not part of a key pair and were left out."
	}
	if err := addFlash(c, "success", msg); err != nil {
		return err
	}
	return redirect(c, keyPairURL(region.ID, kp.Name))
}

// refused shows the form again with what the cloud said.
func (h *KeyPairImport) refused(c echo.Context, r cloud.Region, form views.KeyImportForm, err error) error {
	switch cloudCode(err) {
	case "KeyPair.AlreadyExist":
		return h.render(c, http.StatusUnprocessableEntity, r, form,
			map[string]string{"name": "A key pair named " + form.Name + " already exists in " + r.Name + ". Choose another name."}, "", false)
	case "InvalidKeyPairName.Malformed":
		return h.render(c, http.StatusUnprocessableEntity, r, form, map[string]string{"name": cloudMessage(err)}, "", false)
	case "InvalidPublicKeyBody.Malformed":
		return h.render(c, http.StatusUnprocessableEntity, r, form,
			map[string]string{"public_key": "ECS did not accept this key: " + cloudMessage(err)}, "", false)
	}
	status := http.StatusBadGateway
	var ce *cloud.Error
	if errors.As(err, &ce) && ce.Kind == cloud.KindConflict {
		status = http.StatusConflict
	}
	msg := "The key pair was not imported: " + cloudMessage(err)
	if maybeDone(err) {
		msg = "It is not known whether ECS imported " + form.Name + ": " + cloudMessage(err) + " Look for it in the key pair list before you try again."
	}
	return h.render(c, status, r, form, nil, msg, false)
}

// checkImport validates the name and the key before anything is sent. The
// form to show again carries the key only if it parsed as a public key;
// private reports that a private key was given (and dropped).
func checkImport(c echo.Context, name string) (sshkey.Key, views.KeyImportForm, map[string]string, bool, error) {
	form := views.KeyImportForm{Name: name}
	errs := map[string]string{}
	if err := sshkey.ValidName(name); err != nil {
		errs["name"] = refusal(err)
	}
	text, tooBig, err := publicKeyText(c)
	if err != nil {
		return sshkey.Key{}, form, nil, false, err
	}
	if tooBig {
		errs["public_key"] = fmt.Sprintf("This file is too large to be a public key (a .pub file is well under %d KB). Choose the file whose name ends in .pub.", sshkey.MaxLen>>10)
		return sshkey.Key{}, form, errs, false, nil
	}
	key, err := sshkey.Parse(text)
	if err != nil {
		errs["public_key"] = refusal(err)
		return sshkey.Key{}, form, errs, errors.Is(err, sshkey.ErrPrivateKey), nil
	}
	form.PublicKey = key.AuthorizedKey
	return key, form, errs, false, nil
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
