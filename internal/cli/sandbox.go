package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"keybind/internal/sandbox"
)

type sandboxConfig struct {
	Addr, KeyID, KeySecret string
	Seed                   int64
	Instances              int
	Transition             time.Duration
	LogFormat, LogLevel    string
}

func parseSandbox(args []string, sys IO) (sandboxConfig, error) {
	var c sandboxConfig
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	f := &envFlags{fs: fs, sys: sys}
	f.String(&c.Addr, "addr", "KEYBIND_SANDBOX_ADDR", "127.0.0.1:9100", "address to listen on")
	f.String(&c.KeyID, "access-key-id", "KEYBIND_SANDBOX_ACCESS_KEY_ID", sandbox.DefaultAccessKeyID, "AccessKey ID the sandbox accepts")
	f.String(&c.KeySecret, "access-key-secret", "KEYBIND_SANDBOX_ACCESS_KEY_SECRET", sandbox.DefaultAccessKeySecret, "AccessKey secret the sandbox accepts")
	f.Int64(&c.Seed, "seed", "KEYBIND_SANDBOX_SEED", 1, "seed of the simulated fleet (same seed, same fleet)")
	f.Int(&c.Instances, "instances", "KEYBIND_SANDBOX_INSTANCES", 150, "instances per region")
	f.Duration(&c.Transition, "transition", "KEYBIND_SANDBOX_TRANSITION", 10*time.Second, "how long a reboot or start takes")
	f.String(&c.LogFormat, "log-format", "KEYBIND_LOG_FORMAT", "text", "log format: json or text")
	f.String(&c.LogLevel, "log-level", "KEYBIND_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	if err := parseFlags(fs, args, sys, "keybind sandbox [flags]"); err != nil {
		return c, err
	}
	if err := f.envError(); err != nil {
		return c, err
	}
	switch {
	case c.Instances < 1 || c.Instances > 20000:
		return c, &UsageError{Msg: "keybind sandbox: --instances must be between 1 and 20000"}
	case c.KeyID == "" || c.KeySecret == "":
		return c, &UsageError{Msg: "keybind sandbox: --access-key-id and --access-key-secret must not be empty"}
	}
	if _, err := newLogger(c.LogFormat, c.LogLevel, sys.Stderr); err != nil {
		return c, &UsageError{Msg: "keybind sandbox: " + err.Error()}
	}
	return c, nil
}

// runSandbox serves only the ECS sandbox until interrupted.
func runSandbox(ctx context.Context, args []string, sys IO) error {
	cfg, err := parseSandbox(args, sys)
	if err != nil {
		return err
	}
	log, _ := newLogger(cfg.LogFormat, cfg.LogLevel, sys.Stderr)
	sb := sandbox.New(sandbox.Options{
		AccessKeyID: cfg.KeyID, AccessKeySecret: cfg.KeySecret, Seed: cfg.Seed,
		InstancesPerRegion: cfg.Instances, Transition: cfg.Transition, Logger: log,
	})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	host := ln.Addr().String()
	fmt.Fprintf(sys.Stdout, `ECS sandbox (API version 2014-05-26) listening on http://%[1]s
Credentials it accepts:
  ALIBABA_CLOUD_ACCESS_KEY_ID=%[2]s
  ALIBABA_CLOUD_ACCESS_KEY_SECRET=%[3]s
Point keybind at it:
  ALIBABA_CLOUD_ACCESS_KEY_ID=%[2]s ALIBABA_CLOUD_ACCESS_KEY_SECRET=%[3]s keybind serve --ecs-endpoint http://%[1]s
Or the aliyun CLI:
  aliyun ecs DescribeRegions --access-key-id %[2]s --access-key-secret %[3]s --region cn-hangzhou --endpoint %[1]s --insecure
Control API: http://%[1]s/_sandbox/ (see docs/SANDBOX.md). Press Ctrl-C to stop.
`, host, cfg.KeyID, cfg.KeySecret)
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
