package cloud

import (
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
)

// CredentialsFromEnv reports whether the SDK's default credential chain has a source to read:
// ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, ALIBABA_CLOUD_CREDENTIALS_FILE or ~/.alibabacloud/credentials,
// ~/.aliyun/config.json, ALIBABA_CLOUD_ECS_METADATA (RAM role), OIDC or ALIBABA_CLOUD_CREDENTIALS_URI.
func CredentialsFromEnv(getenv func(string) string) bool {
	if getenv("ALIBABA_CLOUD_ACCESS_KEY_ID") != "" && getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET") != "" {
		return true
	}
	if getenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE") != "" && getenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN") != "" && getenv("ALIBABA_CLOUD_ROLE_ARN") != "" {
		return true
	}
	if getenv("ALIBABA_CLOUD_CREDENTIALS_URI") != "" {
		return true
	}
	if getenv("ALIBABA_CLOUD_ECS_METADATA") != "" && !strings.EqualFold(getenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED"), "true") {
		return true
	}
	if f := getenv("ALIBABA_CLOUD_CREDENTIALS_FILE"); f != "" && isFile(f) {
		return true
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return false
	}
	if getenv("ALIBABA_CLOUD_CREDENTIALS_FILE") == "" && isFile(filepath.Join(home, ".alibabacloud", "credentials")) {
		return true
	}
	return !strings.EqualFold(getenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED"), "true") && isFile(filepath.Join(home, ".aliyun", "config.json"))
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// credentialsProvider builds the SDK credentials provider for cfg.
func credentialsProvider(cfg Config) credentials.CredentialsProvider {
	switch {
	case cfg.AccessKeyID != "" && cfg.SecurityToken != "":
		return credentials.NewStaticSTSCredentialsProvider(cfg.AccessKeyID, cfg.AccessKeySecret, cfg.SecurityToken)
	case cfg.AccessKeyID != "" || cfg.AccessKeySecret != "":
		return credentials.NewStaticAKCredentialsProvider(cfg.AccessKeyID, cfg.AccessKeySecret)
	}
	return &lockedProvider{inner: credentials.NewDefaultCredentialsProvider()}
}

// lockedProvider serialises the SDK's default chain, which caches its choice without locking,
// and marks resolution failures so they map to KindAuth.
type lockedProvider struct {
	mu    sync.Mutex
	inner credentials.CredentialsProvider
}

func (p *lockedProvider) GetCredentials() (*credentials.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cc, err := p.inner.GetCredentials()
	if err != nil {
		return nil, &credentialError{err: err}
	}
	return cc, nil
}

func (p *lockedProvider) GetProviderName() string { return p.inner.GetProviderName() }
