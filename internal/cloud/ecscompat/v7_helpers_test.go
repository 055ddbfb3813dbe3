package ecscompat_test

import (
	"errors"
	"testing"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	ecs7 "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"keybind/internal/sandbox/sandboxtest"
)

// v7Client is the V7 SDK pointed at the sandbox; algorithm "" keeps the
// default ACS3-HMAC-SHA256, "v2" selects the old HMAC-SHA1 scheme.
func v7Client(t testing.TB, env *sandboxtest.Env, algorithm string) *ecs7.Client {
	t.Helper()
	return v7ClientWith(t, env, algorithm, env.AccessKeyID, env.AccessKeySecret)
}

func v7ClientWith(t testing.TB, env *sandboxtest.Env, algorithm, id, secret string) *ecs7.Client {
	t.Helper()
	cfg := &openapiutil.Config{
		AccessKeyId:     dara.String(id),
		AccessKeySecret: dara.String(secret),
		RegionId:        dara.String(hangzhou),
		Endpoint:        dara.String(env.Host),
		Protocol:        dara.String("HTTP"),
	}
	if algorithm != "" {
		cfg.SignatureAlgorithm = dara.String(algorithm)
	}
	c, err := ecs7.NewClient(cfg)
	if err != nil {
		t.Fatalf("ecs7.NewClient: %v", err)
	}
	return c
}

// v7Code extracts the error code and HTTP status from a V7 SDK error.
func v7Code(t testing.TB, err error) (string, int) {
	t.Helper()
	var se *tea.SDKError
	if !errors.As(err, &se) {
		t.Fatalf("got error %v (%T), want *tea.SDKError", err, err)
	}
	return dara.StringValue(se.Code), dara.IntValue(se.StatusCode)
}

func v7WantCode(t testing.TB, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s (%d)", code, status)
	}
	if gotCode, gotStatus := v7Code(t, err); gotCode != code || gotStatus != status {
		t.Fatalf("got %s (%d): %v, want %s (%d)", gotCode, gotStatus, err, code, status)
	}
}
