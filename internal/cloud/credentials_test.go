package cloud

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCredentialsFromEnv(t *testing.T) {
	emptyHome := t.TempDir()
	cliHome := t.TempDir()
	mustWrite(t, filepath.Join(cliHome, ".aliyun", "config.json"), `{"current":"default"}`)
	iniHome := t.TempDir()
	mustWrite(t, filepath.Join(iniHome, ".alibabacloud", "credentials"), "[default]\ntype = access_key\n")
	credFile := filepath.Join(t.TempDir(), "creds")
	mustWrite(t, credFile, "[default]\n")

	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"nothing", map[string]string{"HOME": emptyHome}, false},
		{"access key pair", map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s"}, true},
		{"id without secret", map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "id", "HOME": emptyHome}, false},
		{"credentials file env", map[string]string{"ALIBABA_CLOUD_CREDENTIALS_FILE": credFile}, true},
		{"credentials file env missing file", map[string]string{"ALIBABA_CLOUD_CREDENTIALS_FILE": "/nonexistent", "HOME": emptyHome}, false},
		{"~/.alibabacloud/credentials", map[string]string{"HOME": iniHome}, true},
		{"~/.aliyun/config.json", map[string]string{"HOME": cliHome}, true},
		{"CLI profile disabled", map[string]string{"HOME": cliHome, "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"}, false},
		{"ECS RAM role", map[string]string{"ALIBABA_CLOUD_ECS_METADATA": "keybind-role"}, true},
		{"ECS RAM role disabled", map[string]string{"ALIBABA_CLOUD_ECS_METADATA": "r", "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}, false},
		{"credentials URI", map[string]string{"ALIBABA_CLOUD_CREDENTIALS_URI": "http://169.254.0.1/creds"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			if got := CredentialsFromEnv(getenv); got != tt.want {
				t.Errorf("CredentialsFromEnv = %v, want %v", got, tt.want)
			}
		})
	}
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
