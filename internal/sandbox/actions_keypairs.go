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

func (s *Sandbox) describeKeyPairs(c *call) (any, *apiError) {
	r, aerr := s.regionParam(c, true)
	if aerr != nil {
		return nil, aerr
	}
	pageNumber, aerr := c.p.integer("PageNumber", 1, 1, 1<<31-1)
	if aerr != nil {
		return nil, aerr
	}
	pageSize, aerr := c.p.integer("PageSize", 10, 1, 50)
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
	for _, kp := range r.keyPairs {
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
	from := min((pageNumber-1)*pageSize, len(matched))
	for _, kp := range matched[from:min(from+pageSize, len(matched))] {
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

// hasTags reports whether have contains every wanted tag (an empty wanted value matches any value).
func hasTags(have, want []Tag) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h.Key == w.Key && (w.Value == "" || h.Value == w.Value) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// newKeyPairChecks validates what ImportKeyPair and CreateKeyPair share.
func (s *Sandbox) newKeyPairChecks(c *call) (*region, string, []Tag, *apiError) {
	r, aerr := s.regionParam(c, true)
	if aerr != nil {
		return nil, "", nil, aerr
	}
	name, aerr := c.p.required("KeyPairName")
	if aerr != nil {
		return nil, "", nil, aerr
	}
	if !validKeyPairName(name) {
		return nil, "", nil, newError(http.StatusBadRequest, "InvalidKeyPairName.Malformed", "Specified Key Pair name is not valid.")
	}
	tags, aerr := c.p.tags()
	if aerr != nil {
		return nil, "", nil, aerr
	}
	if _, exists := r.keyPairs[name]; exists {
		return nil, "", nil, newError(http.StatusBadRequest, "KeyPair.AlreadyExist", "The key pair already exist.")
	}
	if len(r.keyPairs) >= maxKeyPairsPerRegion {
		return nil, "", nil, newError(http.StatusForbidden, "QuotaExceed.KeyPair", "The key pair quota exceeds.")
	}
	return r, name, tags, nil
}

type importKeyPairResponse struct {
	RequestID          string `json:"RequestId"`
	KeyPairName        string `json:"KeyPairName"`
	KeyPairFingerPrint string `json:"KeyPairFingerPrint"`
}

func (s *Sandbox) importKeyPair(c *call) (any, *apiError) {
	r, name, tags, aerr := s.newKeyPairChecks(c)
	if aerr != nil {
		return nil, aerr
	}
	body, aerr := c.p.required("PublicKeyBody")
	if aerr != nil {
		return nil, aerr
	}
	line, fp, err := parsePublicKey(body)
	if err != nil {
		return nil, newError(http.StatusBadRequest, "InvalidPublicKeyBody.Malformed", "The PublicKeyBody format is not supported.")
	}
	r.keyPairs[name] = &keyPair{Name: name, ID: newKeyPairID(), Fingerprint: fp, PublicKey: line,
		CreationTime: c.now, ResourceGroupID: c.p.str("ResourceGroupId"), Tags: tags}
	return importKeyPairResponse{RequestID: c.requestID, KeyPairName: name, KeyPairFingerPrint: fp}, nil
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
	r, name, tags, aerr := s.newKeyPairChecks(c)
	if aerr != nil {
		return nil, aerr
	}
	private, public, fp, err := newRSAKeyPair()
	if err != nil {
		s.log.Error("create key pair", "err", err)
		return nil, errInternal()
	}
	kp := &keyPair{Name: name, ID: newKeyPairID(), Fingerprint: fp, PublicKey: public,
		CreationTime: c.now, ResourceGroupID: c.p.str("ResourceGroupId"), Tags: tags}
	r.keyPairs[name] = kp
	return createKeyPairResponse{RequestID: c.requestID, KeyPairName: name, KeyPairID: kp.ID, KeyPairFingerPrint: fp, PrivateKeyBody: private}, nil
}

type requestOnlyResponse struct {
	RequestID string `json:"RequestId"`
}

// deleteKeyPairs removes key pairs. Like ECS it does not unbind them:
// instances keep reporting the name and the key stays in effect.
func (s *Sandbox) deleteKeyPairs(c *call) (any, *apiError) {
	r, aerr := s.regionParam(c, true)
	if aerr != nil {
		return nil, aerr
	}
	raw, aerr := c.p.required("KeyPairNames")
	if aerr != nil {
		return nil, aerr
	}
	names, ok := parseList(raw)
	if !ok || len(names) == 0 {
		return nil, newError(http.StatusBadRequest, "InvalidKeyPairNames.ValueNotSupported", `The specified parameter "KeyPairNames" is not valid.`)
	}
	if len(names) > 100 {
		return nil, newError(http.StatusForbidden, "InstanceKeyPairLimitExceeded", "Exceeding the allowed amount of instance which will be deleted.")
	}
	for _, n := range names {
		delete(r.keyPairs, n)
	}
	return requestOnlyResponse{RequestID: c.requestID}, nil
}
