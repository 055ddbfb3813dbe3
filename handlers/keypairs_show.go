package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/sshkey"
	"keybind/views"
)

// KeyPairShow is a key pair's own page: type, both fingerprints, the
// instances that use it, and (for administrators) deleting it.
type KeyPairShow struct {
	regions *regionCache
	keys    KeyPairGetter
	usage   InstanceFinder
}

// NewKeyPairShow builds the key pair page.
func NewKeyPairShow(r RegionLister, k KeyPairGetter, i InstanceFinder) *KeyPairShow {
	return &KeyPairShow{regions: newRegionCache(r), keys: k, usage: i}
}

// Show renders the key pair named by the query.
func (h *KeyPairShow) Show(c echo.Context) error {
	ctx := c.Request().Context()
	region, err := h.regions.lookup(ctx, c.QueryParam("region"))
	if err != nil {
		return err
	}
	name := c.QueryParam("name")
	if !existingKeyName(name) {
		return apperr.BadRequest("That is not a key pair name.")
	}
	d, err := h.detail(c, region, name)
	if err != nil {
		return err
	}
	p := views.KeyPairShowPage{Page: page(c, "Key pair "+name, "keypairs"), Key: d,
		CanDelete: State(c).User.Role.Can(auth.PermDeleteKeys)}
	return render(c, http.StatusOK, views.KeyPairShow(p))
}

// detail reads the key pair and its usage; a failed count is shown, not returned.
func (h *KeyPairShow) detail(c echo.Context, region cloud.Region, name string) (views.KeyPairDetail, error) {
	ctx := c.Request().Context()
	kp, err := h.keys.KeyPair(ctx, region.ID, name)
	var ce *cloud.Error
	if errors.As(err, &ce) && ce.Kind == cloud.KindNotFound {
		return views.KeyPairDetail{}, apperr.NotFound("Key pair " + name + " in " + region.Name)
	}
	if err != nil {
		return views.KeyPairDetail{}, err
	}
	d := views.KeyPairDetail{Region: region.ID, RegionName: region.Name, Name: kp.Name, Created: formatTime(kp.CreatedAt),
		MD5: kp.Fingerprint, PublicKey: kp.PublicKey, URL: keyPairURL(region.ID, kp.Name),
		BindURL: bindURL(region.ID, kp.Name), ListURL: keyListURL(region.ID)}
	describeKey(&d, kp.PublicKey)
	h.fillUsage(ctx, c, &d)
	return d, nil
}

// fillUsage counts the instances that use the key pair and names the first few.
func (h *KeyPairShow) fillUsage(ctx context.Context, c echo.Context, d *views.KeyPairDetail) {
	n, users, err := usageOf(ctx, h.usage, d.Region, d.Name)
	if err != nil {
		State(c).Logger.Warn("count key pair usage", "region", d.Region, "err", err)
		d.InUse, d.UsageError = -1, "keybind could not count the instances that use this key pair: "+cloudMessage(err)
		return
	}
	d.InUse = n
	for _, in := range users {
		d.Users = append(d.Users, views.KeyPairInstance{ID: in.ID, Name: in.Name, Status: string(in.Status)})
	}
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
