package sandbox

import (
	"net/http"
	"sort"
)

const maxKeyPairsPerRegion = 500

type wireKeyPair struct {
	KeyPairName        string   `json:"KeyPairName"`
	KeyPairFingerPrint string   `json:"KeyPairFingerPrint"`
	CreationTime       string   `json:"CreationTime"`
	ResourceGroupID    string   `json:"ResourceGroupId"`
	PublicKey          string   `json:"PublicKey,omitempty"`
	Tags               wireTags `json:"Tags"`
}

type describeKeyPairsResponse struct {
	RequestID  string `json:"RequestId"`
	PageNumber int    `json:"PageNumber"`
	PageSize   int    `json:"PageSize"`
	TotalCount int    `json:"TotalCount"`
	KeyPairs   struct {
		KeyPair []wireKeyPair `json:"KeyPair"`
	} `json:"KeyPairs"`
}

// keyPairActions are the ECS actions that change key pairs and bind them.
var keyPairActions = map[string]action{
	"ImportKeyPair":  {run: (*Sandbox).importKeyPair, region: regionRequired},
	"CreateKeyPair":  {run: (*Sandbox).createKeyPair, region: regionRequired},
	"DeleteKeyPairs": {run: (*Sandbox).deleteKeyPairs, region: regionRequired},
	"AttachKeyPair":  {run: (*Sandbox).attachKeyPair, region: regionRequired},
	"DetachKeyPair":  {run: (*Sandbox).detachKeyPair, region: regionRequired},
}

func (s *Sandbox) describeKeyPairs(c *call) (any, *apiError) {
	pageNumber, pageSize, aerr := c.p.page(50)
	if aerr != nil {
		return nil, aerr
	}
	withKey, aerr := c.p.boolean("IncludePublicKey", false)
	if aerr != nil {
		return nil, aerr
	}
	tags, aerr := c.p.tags()
	if aerr != nil {
		return nil, aerr
	}
	name, fp, rg := c.p.str("KeyPairName"), c.p.str("KeyPairFingerPrint"), c.p.str("ResourceGroupId")

	var matched []*keyPair
	for _, kp := range c.region.keyPairs {
		if (name != "" && !matchWildcard(name, kp.Name)) || (fp != "" && fp != kp.Fingerprint) ||
			(rg != "" && rg != kp.ResourceGroupID) || !hasTags(kp.Tags, tags) {
			continue
		}
		matched = append(matched, kp)
	}
	// Newest first, as the console shows them; names break ties.
	sort.Slice(matched, func(i, j int) bool {
		if !matched[i].CreationTime.Equal(matched[j].CreationTime) {
			return matched[i].CreationTime.After(matched[j].CreationTime)
		}
		return matched[i].Name < matched[j].Name
	})
	resp := describeKeyPairsResponse{RequestID: c.requestID, PageNumber: pageNumber, PageSize: pageSize, TotalCount: len(matched)}
	resp.KeyPairs.KeyPair = []wireKeyPair{}
	from, to := pageBounds(len(matched), pageNumber, pageSize)
	for _, kp := range matched[from:to] {
		w := wireKeyPair{
			KeyPairName:        kp.Name,
			KeyPairFingerPrint: kp.Fingerprint,
			CreationTime:       kp.CreationTime.UTC().Format(wireTime),
			ResourceGroupID:    kp.ResourceGroupID,
			Tags:               toWireTags(kp.Tags),
		}
		if withKey {
			w.PublicKey = kp.PublicKey
		}
		resp.KeyPairs.KeyPair = append(resp.KeyPairs.KeyPair, w)
	}
	return resp, nil
}

// newKeyPair validates what ImportKeyPair and CreateKeyPair share and,
// when the key (made by key) is good, stores the new key pair.
func (s *Sandbox) newKeyPair(c *call, key func() (publicLine, fingerprint string, aerr *apiError)) (*keyPair, *apiError) {
	name, aerr := c.p.required("KeyPairName")
	if aerr != nil {
		return nil, aerr
	}
	if !validKeyPairName(name) {
		return nil, newError(http.StatusBadRequest, "InvalidKeyPairName.Malformed", "Specified Key Pair name is not valid.")
	}
	tags, aerr := c.p.tags()
	if aerr != nil {
		return nil, aerr
	}
	r := c.region
	switch _, exists := r.keyPairs[name]; {
	case exists:
		return nil, newError(http.StatusBadRequest, "KeyPair.AlreadyExist", "The key pair already exist.")
	case len(r.keyPairs) >= maxKeyPairsPerRegion:
		return nil, newError(http.StatusForbidden, "QuotaExceed.KeyPair", "The key pair quota exceeds.")
	}
	public, fp, aerr := key()
	if aerr != nil {
		return nil, aerr
	}
	kp := &keyPair{Name: name, ID: newKeyPairID(), Fingerprint: fp, PublicKey: public,
		CreationTime: c.now, ResourceGroupID: c.p.str("ResourceGroupId"), Tags: tags}
	r.keyPairs[name] = kp
	return kp, nil
}

type importKeyPairResponse struct {
	RequestID          string `json:"RequestId"`
	KeyPairName        string `json:"KeyPairName"`
	KeyPairFingerPrint string `json:"KeyPairFingerPrint"`
}

func (s *Sandbox) importKeyPair(c *call) (any, *apiError) {
	kp, aerr := s.newKeyPair(c, func() (string, string, *apiError) {
		body, aerr := c.p.required("PublicKeyBody")
		if aerr != nil {
			return "", "", aerr
		}
		line, fp, err := parsePublicKey(body)
		if err != nil {
			return "", "", newError(http.StatusBadRequest, "InvalidPublicKeyBody.Malformed", "The PublicKeyBody format is not supported.")
		}
		return line, fp, nil
	})
	if aerr != nil {
		return nil, aerr
	}
	return importKeyPairResponse{RequestID: c.requestID, KeyPairName: kp.Name, KeyPairFingerPrint: kp.Fingerprint}, nil
}

type createKeyPairResponse struct {
	RequestID          string `json:"RequestId"`
	KeyPairName        string `json:"KeyPairName"`
	KeyPairID          string `json:"KeyPairId"`
	KeyPairFingerPrint string `json:"KeyPairFingerPrint"`
	PrivateKeyBody     string `json:"PrivateKeyBody"`
}

// createKeyPair generates a key pair; the private key is returned once and never kept.
func (s *Sandbox) createKeyPair(c *call) (any, *apiError) {
	var private string
	kp, aerr := s.newKeyPair(c, func() (string, string, *apiError) {
		var public, fp string
		var err error
		if private, public, fp, err = newRSAKeyPair(); err != nil {
			s.log.Error("create key pair", "err", err)
			return "", "", errInternal
		}
		return public, fp, nil
	})
	if aerr != nil {
		return nil, aerr
	}
	return createKeyPairResponse{RequestID: c.requestID, KeyPairName: kp.Name, KeyPairID: kp.ID, KeyPairFingerPrint: kp.Fingerprint, PrivateKeyBody: private}, nil
}

type requestOnlyResponse struct {
	RequestID string `json:"RequestId"`
}

// deleteKeyPairs removes key pairs. Like ECS it does not unbind them:
// instances keep reporting the name and the key stays in effect.
func (s *Sandbox) deleteKeyPairs(c *call) (any, *apiError) {
	names, aerr := c.p.list("KeyPairNames", newError(http.StatusBadRequest, "InvalidKeyPairNames.ValueNotSupported", `The specified parameter "KeyPairNames" is not valid.`))
	if aerr != nil {
		return nil, aerr
	}
	if len(names) > 100 {
		return nil, newError(http.StatusForbidden, "InstanceKeyPairLimitExceeded", "Exceeding the allowed amount of instance which will be deleted.")
	}
	for _, n := range names {
		delete(c.region.keyPairs, n)
	}
	return requestOnlyResponse{RequestID: c.requestID}, nil
}
