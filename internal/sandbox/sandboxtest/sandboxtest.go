// Package sandboxtest starts an ECS sandbox on a loopback httptest server for
// tests in other packages.
package sandboxtest

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"keybind/internal/sandbox"
)

// Env is a running sandbox and how to reach it.
type Env struct {
	Sandbox         *sandbox.Sandbox
	Clock           *sandbox.ManualClock // nil when opts.Clock was some other Clock
	URL             string               // "http://127.0.0.1:port"
	Host            string               // "127.0.0.1:port", the form SDK endpoints want
	AccessKeyID     string               // the default account's key pair; Options.Accounts bring their own
	AccessKeySecret string
}

// Start runs a sandbox built from opts on an httptest server closed by
// tb.Cleanup. When opts.Clock is nil it uses a ManualClock starting at
// time.Now(), so tests move simulation time with Env.Clock.Advance.
func Start(tb testing.TB, opts sandbox.Options) *Env {
	tb.Helper()
	env := &Env{}
	if opts.Clock == nil {
		env.Clock = sandbox.NewManualClock(time.Now())
		opts.Clock = env.Clock
	} else if mc, ok := opts.Clock.(*sandbox.ManualClock); ok {
		env.Clock = mc
	}
	if opts.AccessKeyID == "" {
		opts.AccessKeyID = sandbox.DefaultAccessKeyID
	}
	if opts.AccessKeySecret == "" {
		opts.AccessKeySecret = sandbox.DefaultAccessKeySecret
	}
	env.AccessKeyID, env.AccessKeySecret = opts.AccessKeyID, opts.AccessKeySecret
	env.Sandbox = sandbox.New(opts)
	srv := httptest.NewServer(env.Sandbox)
	tb.Cleanup(srv.Close)
	env.URL = srv.URL
	env.Host = strings.TrimPrefix(srv.URL, "http://")
	return env
}
