package cloud

import (
	"context"
	"strings"

	"keybind/internal/dedupe"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// KeyPairs returns one page of the region's key pairs, public keys included.
func (g *Gateway) KeyPairs(ctx context.Context, region string, f KeyPairFilter) (KeyPairPage, error) {
	const action = "DescribeKeyPairs"
	if err := checkRegion(action, region); err != nil {
		return KeyPairPage{}, err
	}
	var page KeyPairPage
	_, err := g.call(ctx, region, action, callOpts{}, func(c *ecs.Client) (string, error) {
		req := ecs.CreateDescribeKeyPairsRequest()
		req.RegionId, req.KeyPairName = region, f.Name
		req.IncludePublicKey = requests.NewBoolean(true)
		if f.PageNumber > 0 {
			req.PageNumber = requests.NewInteger(f.PageNumber)
		}
		if f.PageSize > 0 {
			req.PageSize = requests.NewInteger(min(f.PageSize, maxKeyPairsPage))
		}
		resp, err := c.DescribeKeyPairs(req)
		if err != nil {
			return "", err
		}
		page = KeyPairPage{Total: resp.TotalCount, PageNumber: resp.PageNumber, PageSize: resp.PageSize}
		page.Items = make([]KeyPair, len(resp.KeyPairs.KeyPair))
		for i, k := range resp.KeyPairs.KeyPair {
			page.Items[i] = KeyPair{Name: k.KeyPairName, Fingerprint: k.KeyPairFingerPrint,
				CreatedAt: parseTime(k.CreationTime), PublicKey: k.PublicKey, Tags: tagsFromSDK(k.Tags.Tag)}
		}
		return resp.RequestId, nil
	})
	return page, err
}

// KeyPair returns the key pair with exactly this name, or an *Error of KindNotFound.
func (g *Gateway) KeyPair(ctx context.Context, region, name string) (KeyPair, error) {
	const action = "DescribeKeyPairs"
	if err := checkKeyPairName(action, region, name); err != nil {
		return KeyPair{}, err
	}
	page, err := g.KeyPairs(ctx, region, KeyPairFilter{Name: name, PageSize: maxKeyPairsPage})
	if err != nil {
		return KeyPair{}, err
	}
	for _, k := range page.Items {
		if k.Name == name {
			return k, nil
		}
	}
	return KeyPair{}, &Error{Action: action, Region: region, Code: "InvalidKeyPairName.NotFound", Kind: KindNotFound,
		Message: "key pair " + name + " not found"}
}

// ImportKeyPair registers an existing OpenSSH public key under name. It is retried only when the
// cloud cannot have executed it (throttling, 503, connection refused).
func (g *Gateway) ImportKeyPair(ctx context.Context, region, name, publicKey string) (KeyPair, error) {
	const action = "ImportKeyPair"
	if err := checkRegion(action, region); err != nil {
		return KeyPair{}, err
	}
	if err := checkNewKeyPairName(action, region, name); err != nil {
		return KeyPair{}, err
	}
	publicKey = strings.TrimSpace(publicKey)
	if publicKey == "" || strings.ContainsAny(publicKey, "\r\n") {
		return KeyPair{}, invalidArg(action, region, "the public key must be one line in OpenSSH format")
	}
	var kp KeyPair
	_, err := g.call(ctx, region, action, callOpts{unsafe: true}, func(c *ecs.Client) (string, error) {
		req := ecs.CreateImportKeyPairRequest()
		req.RegionId, req.KeyPairName, req.PublicKeyBody = region, name, publicKey
		resp, err := c.ImportKeyPair(req)
		if err != nil {
			return "", err
		}
		kp = KeyPair{Name: resp.KeyPairName, Fingerprint: resp.KeyPairFingerPrint, PublicKey: publicKey}
		return resp.RequestId, nil
	})
	return kp, err
}

// CreateKeyPair has ECS generate a key pair and returns it with its private key (PEM), which ECS
// returns only once. It is retried only when the cloud cannot have executed it.
func (g *Gateway) CreateKeyPair(ctx context.Context, region, name string) (KeyPair, string, error) {
	const action = "CreateKeyPair"
	if err := checkRegion(action, region); err != nil {
		return KeyPair{}, "", err
	}
	if err := checkNewKeyPairName(action, region, name); err != nil {
		return KeyPair{}, "", err
	}
	var kp KeyPair
	var private string
	_, err := g.call(ctx, region, action, callOpts{unsafe: true}, func(c *ecs.Client) (string, error) {
		req := ecs.CreateCreateKeyPairRequest()
		req.RegionId, req.KeyPairName = region, name
		resp, err := c.CreateKeyPair(req)
		if err != nil {
			return "", err
		}
		kp, private = KeyPair{Name: resp.KeyPairName, Fingerprint: resp.KeyPairFingerPrint}, resp.PrivateKeyBody
		return resp.RequestId, nil
	})
	return kp, private, err
}

// DeleteKeyPairs deletes key pairs by name, 100 per call. Bound instances keep working.
func (g *Gateway) DeleteKeyPairs(ctx context.Context, region string, names []string) error {
	const action = "DeleteKeyPairs"
	if err := checkRegion(action, region); err != nil {
		return err
	}
	for _, n := range names {
		if err := checkKeyPairName(action, region, n); err != nil {
			return err
		}
	}
	for _, part := range split(dedupe.Slice(names), maxDeleteNames) {
		_, err := g.call(ctx, region, action, callOpts{}, func(c *ecs.Client) (string, error) {
			req := ecs.CreateDeleteKeyPairsRequest()
			req.RegionId, req.KeyPairNames = region, jsonList(part)
			resp, err := c.DeleteKeyPairs(req)
			if err != nil {
				return "", err
			}
			return resp.RequestId, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
