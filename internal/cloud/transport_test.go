package cloud_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"keybind/internal/cloud"
	"keybind/internal/sandbox"
)

// closedEndpoint returns an http URL on a loopback port nobody listens on.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestClosedServerIsATransportError(t *testing.T) {
	env, _, _ := setup(t, sandbox.Options{InstancesPerRegion: 10}, nil)
	rec := &recorder{}
	cfg := testConfig(env, rec)
	cfg.Endpoint = closedEndpoint(t)
	g, err := cloud.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Regions(context.Background())
	var ce *cloud.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %v, want *cloud.Error", err, err)
	}
	if ce.Kind != cloud.KindTransport || ce.Code != cloud.CodeConnectionFailed || !ce.Retryable() {
		t.Errorf("got kind %v code %q, want a retryable transport ConnectionFailed", ce.Kind, ce.Code)
	}
	if msg := ce.UserMessage(); msg != "Could not connect to Alibaba Cloud. Check the network and the endpoint setting." {
		t.Errorf("UserMessage = %q", msg)
	}
	if n := len(rec.Calls()); n != cfg.Retry.MaxAttempts {
		t.Errorf("%d attempts, want MaxAttempts = %d", n, cfg.Retry.MaxAttempts)
	}
	if n := len(rec.Sleeps()); n != cfg.Retry.MaxAttempts-1 {
		t.Errorf("%d backoff waits, want %d", n, cfg.Retry.MaxAttempts-1)
	}

	// Attach reports the transport failure per instance instead of failing the operation.
	res, err := g.AttachKeyPair(context.Background(), region, "ops-deploy", []string{"i-abc", "i-def"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.OK || r.Code != cloud.CodeConnectionFailed || !r.Retryable {
			t.Errorf("result %+v, want a retryable ConnectionFailed", r)
		}
	}
}

func TestCreateKeyPairRepeatedWhenNothingWasSent(t *testing.T) {
	env, g, rec := setup(t, sandbox.Options{InstancesPerRegion: 10}, nil)
	// A connection that could not be made is safe to repeat even for CreateKeyPair.
	cfg := testConfig(env, rec)
	cfg.Endpoint = closedEndpoint(t)
	down, err := cloud.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	before := len(rec.Calls())
	if _, _, err := down.CreateKeyPair(context.Background(), region, "new-key"); err == nil {
		t.Fatal("CreateKeyPair against a closed port succeeded")
	}
	if n := len(rec.Calls()) - before; n != cfg.Retry.MaxAttempts {
		t.Errorf("CreateKeyPair made %d attempts on connection refused, want %d", n, cfg.Retry.MaxAttempts)
	}
	if _, _, err := g.CreateKeyPair(context.Background(), region, "new-key"); err != nil {
		t.Errorf("CreateKeyPair on the sandbox: %v", err)
	}
}

func TestWrongSecretIsAuthAndNotRetried(t *testing.T) {
	env, _, _ := setup(t, sandbox.Options{InstancesPerRegion: 10}, nil)
	rec := &recorder{}
	cfg := testConfig(env, rec)
	cfg.AccessKeySecret = "wrong"
	g, err := cloud.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Regions(context.Background())
	var ce *cloud.Error
	if !errors.As(err, &ce) || ce.Kind != cloud.KindAuth || ce.Code != "SignatureDoesNotMatch" || ce.HTTPStatus != 400 || ce.RequestID == "" {
		t.Fatalf("error %v, want SignatureDoesNotMatch of KindAuth with status and request ID", err)
	}
	if n := len(rec.Calls()); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

// The SDK would send loopback traffic to HTTP_PROXY; the gateway must not.
func TestLoopbackEndpointIgnoresHTTPProxy(t *testing.T) {
	dead := closedEndpoint(t)
	t.Setenv("HTTP_PROXY", dead)
	t.Setenv("http_proxy", dead)
	t.Setenv("HTTPS_PROXY", dead)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	_, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 10}, nil)
	if _, err := g.Regions(context.Background()); err != nil {
		t.Fatalf("Regions through a loopback endpoint with HTTP_PROXY set: %v", err)
	}
}
