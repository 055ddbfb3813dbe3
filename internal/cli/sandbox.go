package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"keybind/internal/sandbox"
)

type sandboxConfig struct {
	Addr                string
	Options             sandbox.Options // what the sandbox is built from, validated
	LogFormat, LogLevel string
}

func parseSandbox(args []string, sys IO) (sandboxConfig, error) {
	var c sandboxConfig
	var accounts, roles []string
	o := &c.Options
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	f := &envFlags{fs: fs, sys: sys}
	f.String(&c.Addr, "addr", "KEYBIND_SANDBOX_ADDR", "127.0.0.1:9100", "address to listen on")
	f.String(&o.AccessKeyID, "access-key-id", "KEYBIND_SANDBOX_ACCESS_KEY_ID", sandbox.DefaultAccessKeyID, "AccessKey ID of the account \"default\"")
	f.String(&o.AccessKeySecret, "access-key-secret", "KEYBIND_SANDBOX_ACCESS_KEY_SECRET", sandbox.DefaultAccessKeySecret, "AccessKey secret of the account \"default\"")
	f.List(&accounts, "account", "KEYBIND_SANDBOX_ACCOUNTS", "another account with its own fleet: NAME:ACCESS_KEY_ID:ACCESS_KEY_SECRET")
	f.List(&roles, "role", "KEYBIND_SANDBOX_ROLES", "a RAM role for STS AssumeRole: ACCOUNT:ROLE[:TRUSTED[:EXTERNAL_ID]], TRUSTED * (any account, the default) or names joined by +")
	f.Int64(&o.Seed, "seed", "KEYBIND_SANDBOX_SEED", 1, "seed of the simulated fleets (same seed, same fleets)")
	f.Int(&o.InstancesPerRegion, "instances", "KEYBIND_SANDBOX_INSTANCES", 150, "instances per region")
	f.Duration(&o.Transition, "transition", "KEYBIND_SANDBOX_TRANSITION", 10*time.Second, "how long a reboot or start takes")
	f.String(&c.LogFormat, "log-format", "KEYBIND_LOG_FORMAT", "text", "log format: json or text")
	f.String(&c.LogLevel, "log-level", "KEYBIND_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	if err := parseFlags(fs, args, sys, "keybind sandbox [flags]"); err != nil {
		return c, err
	}
	if err := f.envError(); err != nil {
		return c, err
	}
	usage := func(msg string) error { return &UsageError{Msg: "keybind sandbox: " + msg} }
	switch {
	case o.InstancesPerRegion < 1 || o.InstancesPerRegion > 20000:
		return c, usage("--instances must be between 1 and 20000")
	case o.AccessKeyID == "" || o.AccessKeySecret == "":
		return c, usage("--access-key-id and --access-key-secret must not be empty")
	}
	for _, v := range accounts {
		a, err := parseAccount(v)
		if err != nil {
			return c, usage(err.Error())
		}
		o.Accounts = append(o.Accounts, a)
	}
	for _, v := range roles {
		r, err := parseRole(v)
		if err != nil {
			return c, usage(err.Error())
		}
		o.Roles = append(o.Roles, r)
	}
	if err := o.Validate(); err != nil {
		return c, usage(strings.TrimPrefix(err.Error(), "sandbox: "))
	}
	if _, err := newLogger(c.LogFormat, c.LogLevel, sys.Stderr); err != nil {
		return c, usage(err.Error())
	}
	return c, nil
}

// parseAccount reads NAME:ACCESS_KEY_ID:ACCESS_KEY_SECRET (the secret may
// hold colons). Its errors never repeat the value, which holds a secret.
func parseAccount(v string) (sandbox.Account, error) {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return sandbox.Account{}, fmt.Errorf("--account takes NAME:ACCESS_KEY_ID:ACCESS_KEY_SECRET, three non-empty fields (got %d)", len(strings.Split(v, ":")))
	}
	return sandbox.Account{Name: parts[0], AccessKeyID: parts[1], AccessKeySecret: parts[2]}, nil
}

// parseRole reads ACCOUNT:ROLE[:TRUSTED[:EXTERNAL_ID]]; TRUSTED is * or
// account names joined by + (the external ID may hold colons).
func parseRole(v string) (sandbox.Role, error) {
	parts := strings.SplitN(v, ":", 4)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return sandbox.Role{}, fmt.Errorf("--role %q: want ACCOUNT:ROLE[:TRUSTED[:EXTERNAL_ID]]", v)
	}
	r := sandbox.Role{Account: parts[0], Name: parts[1]}
	if len(parts) > 2 && parts[2] != "*" {
		r.Trusted = strings.Split(parts[2], "+")
	}
	if len(parts) > 3 {
		r.ExternalID = parts[3]
	}
	return r, nil
}

// runSandbox serves only the ECS and STS sandbox until interrupted.
func runSandbox(ctx context.Context, args []string, sys IO) error {
	cfg, err := parseSandbox(args, sys)
	if err != nil {
		return err
	}
	log, _ := newLogger(cfg.LogFormat, cfg.LogLevel, sys.Stderr)
	cfg.Options.Logger = log
	sb := sandbox.New(cfg.Options)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	printSandbox(sys.Stdout, ln.Addr().String(), sb, cfg.Options)
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

// printSandbox tells what the sandbox built from o serves and how to point clients at it.
func printSandbox(w io.Writer, host string, sb *sandbox.Sandbox, o sandbox.Options) {
	fmt.Fprintf(w, "ECS sandbox (API version 2014-05-26; STS 2015-04-01 on the same address) listening on http://%s\n", host)
	fmt.Fprintln(w, "Accounts, each with its own fleet (its AccessKey pair works in it):")
	accounts := append([]sandbox.Account{{Name: sandbox.DefaultAccount, AccessKeyID: o.AccessKeyID, AccessKeySecret: o.AccessKeySecret}}, o.Accounts...)
	for _, a := range accounts {
		fmt.Fprintf(w, "  %-10s UID %s  ALIBABA_CLOUD_ACCESS_KEY_ID=%s ALIBABA_CLOUD_ACCESS_KEY_SECRET=%s\n", a.Name, sb.Account(a.Name).UID(), a.AccessKeyID, a.AccessKeySecret)
	}
	roles := sb.Roles()
	if len(roles) > 0 {
		fmt.Fprintln(w, "Roles STS AssumeRole hands out temporary credentials for:")
	}
	for _, r := range roles {
		trusted := "any account"
		if len(r.Trusted) > 0 {
			trusted = strings.Join(r.Trusted, ", ")
		}
		fmt.Fprintf(w, "  %s  (in %s; may be assumed by %s)\n", r.ARN, r.Account, trusted)
	}
	id, secret := o.AccessKeyID, o.AccessKeySecret
	fmt.Fprintf(w, `Point keybind at it:
  ALIBABA_CLOUD_ACCESS_KEY_ID=%[2]s ALIBABA_CLOUD_ACCESS_KEY_SECRET=%[3]s keybind serve --ecs-endpoint http://%[1]s
Or the aliyun CLI:
  aliyun ecs DescribeRegions --access-key-id %[2]s --access-key-secret %[3]s --region cn-hangzhou --endpoint %[1]s --insecure
`, host, id, secret)
	if len(roles) > 0 {
		r, caller := roles[0], accounts[0]
		if len(r.Trusted) > 0 {
			caller = accounts[slices.IndexFunc(accounts, func(a sandbox.Account) bool { return a.Name == r.Trusted[0] })]
		}
		fmt.Fprintf(w, "  aliyun sts AssumeRole --RoleArn %s --RoleSessionName you --access-key-id %s --access-key-secret %s --endpoint %s --insecure\n",
			r.ARN, caller.AccessKeyID, caller.AccessKeySecret, host)
	}
	fmt.Fprintf(w, "Control API: http://%s/_sandbox/ (see docs/SANDBOX.md). Press Ctrl-C to stop.\n", host)
}
