package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

func sysFor(env map[string]string) (IO, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}, &out, &errOut
}

func TestUsageErrorsExitTwoWithOneLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, nil, "unknown command"},
		{"unknown serve flag", []string{"serve", "--nope"}, nil, "flag provided but not defined"},
		{"unknown flag, no command", []string{"--nope"}, nil, "flag provided but not defined"},
		{"bad endpoint", []string{"serve", "--ecs-endpoint", "ftp://x"}, nil, "must be an http:// or https:// URL"},
		{"endpoint with a path", []string{"serve", "--ecs-endpoint", "http://127.0.0.1:9/x"}, nil, "must be an http:// or https:// URL"},
		{"bad sts endpoint", []string{"serve", "--sts-endpoint", "sts.aliyuncs.com"}, nil, "--sts-endpoint"},
		{"bad sts endpoint env", []string{"serve"}, map[string]string{"KEYBIND_STS_ENDPOINT": "http://127.0.0.1:9/x"}, "--sts-endpoint"},
		{"serve sandbox account with two fields", []string{"serve", "--sandbox-account", "prod:LTAIprod"}, nil, "--sandbox-account"},
		{"serve sandbox role in no account", []string{"serve", "--sandbox-role", "prod:ops"}, nil, `no account "prod"`},
		{"bad duration env", []string{"serve"}, map[string]string{"KEYBIND_SESSION_IDLE_TIMEOUT": "soon"}, "KEYBIND_SESSION_IDLE_TIMEOUT"},
		{"bad proxies", []string{"serve", "--trusted-proxies", "10.0.0.0/99"}, nil, "--trusted-proxies"},
		{"tls half", []string{"serve", "--tls-cert", "x.pem"}, nil, "go together"},
		{"bad log level", []string{"serve", "--log-level", "loud"}, nil, "--log-level"},
		{"ecs rate zero", []string{"serve", "--ecs-rate", "0"}, nil, "--ecs-rate"},
		{"ecs rate env", []string{"serve"}, map[string]string{"KEYBIND_ECS_RATE": "fast"}, "KEYBIND_ECS_RATE"},
		{"sandbox instances", []string{"sandbox", "--instances", "0"}, nil, "--instances"},
		{"sandbox bad int env", []string{"sandbox"}, map[string]string{"KEYBIND_SANDBOX_SEED": "x"}, "KEYBIND_SANDBOX_SEED"},
		{"sandbox account with two fields", []string{"sandbox", "--account", "prod:LTAIprod"}, nil, "NAME:ACCESS_KEY_ID:ACCESS_KEY_SECRET"},
		{"sandbox account with an empty field", []string{"sandbox", "--account", "prod::s3cret"}, nil, "NAME:ACCESS_KEY_ID:ACCESS_KEY_SECRET"},
		{"sandbox account named badly", []string{"sandbox", "--account", "pr od:LTAIprod:s3cret"}, nil, "account name"},
		{"sandbox account twice", []string{"sandbox", "--account", "prod:LTAIa:s3cret", "--account", "prod:LTAIb:s3cret"}, nil, `account "prod" is configured twice`},
		{"sandbox account key twice", []string{"sandbox", "--account", "prod:LTAIa:s3cret", "--account", "dev:LTAIa:s3cret"}, nil, "already belongs"},
		{"sandbox account with the default key", []string{"sandbox", "--account", "prod:keybind-sandbox:s3cret"}, nil, "already belongs"},
		{"sandbox account named default", []string{"sandbox", "--account", "default:LTAIa:s3cret"}, nil, `"default"`},
		{"sandbox bad account env", []string{"sandbox"}, map[string]string{"KEYBIND_SANDBOX_ACCOUNTS": "prod:LTAIa:s3cret,dev"}, "NAME:ACCESS_KEY_ID:ACCESS_KEY_SECRET"},
		{"sandbox role without name", []string{"sandbox", "--role", "default"}, nil, "ACCOUNT:ROLE"},
		{"sandbox role in no account", []string{"sandbox", "--role", "prod:ops"}, nil, `no account "prod"`},
		{"sandbox role trusting nobody known", []string{"sandbox", "--role", "default:ops:prod"}, nil, "trusts"},
		{"sandbox role named badly", []string{"sandbox", "--role", "default:ops/admin"}, nil, "role name"},
		{"user without command", []string{"user"}, nil, "missing command"},
		{"user add without role", []string{"user", "add", "bob"}, nil, "--role"},
		{"user add without name", []string{"user", "add", "--role", "helpdesk"}, nil, "missing user name"},
		{"user unknown", []string{"user", "rename", "bob"}, nil, "unknown command"},
		{"database url not postgres", []string{"serve", "--database-url", "mysql://u:s3cret@db/keybind"}, nil, "--database-url must be a postgres://"},
		{"database url env not postgres", []string{"serve"}, map[string]string{"KEYBIND_DATABASE_URL": "sqlite:///tmp/x.db"}, "--database-url must be a postgres://"},
		{"user database url not postgres", []string{"user", "list", "--database-url", "file:x.db"}, nil, "--database-url must be a postgres://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys, _, _ := sysFor(tt.env)
			err := Run(context.Background(), tt.args, sys)
			if code := ExitCode(err); code != 2 {
				t.Fatalf("exit code %d (err %v), want 2", code, err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q: want one line containing %q", msg, tt.want)
			}
			if strings.Contains(msg, "s3cret") {
				t.Errorf("error %q repeats a secret", msg)
			}
		})
	}
}

func TestHelpPrintsUsageAndExitsZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "-h"}, {"sandbox", "--help"}, {"user", "--help"}, {"help"}} {
		sys, out, _ := sysFor(nil)
		err := Run(context.Background(), args, sys)
		if code := ExitCode(err); code != 0 || (err != nil && !errors.Is(err, flag.ErrHelp)) {
			t.Errorf("%v: exit %d, err %v", args, code, err)
		}
		if !strings.Contains(out.String(), "Usage") && !strings.Contains(out.String(), "keybind") {
			t.Errorf("%v printed %q, want usage", args, out.String())
		}
	}
	sys, out, _ := sysFor(nil)
	_ = Run(context.Background(), []string{"serve", "--help"}, sys)
	for _, flagName := range []string{"-addr", "-data-dir", "-ecs-endpoint", "KEYBIND_ADDR"} {
		if !strings.Contains(out.String(), flagName) {
			t.Errorf("serve --help does not mention %s", flagName)
		}
	}
}

func TestServeDefaultsAndEnvironment(t *testing.T) {
	c, err := parseServe(nil, IO{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.Endpoint != "" || c.IdleTimeout != 30*time.Minute || c.AbsoluteTimeout != 12*time.Hour {
		t.Errorf("defaults = %+v", c)
	}
	env := map[string]string{"KEYBIND_ADDR": "0.0.0.0:9000", "KEYBIND_DATA_DIR": "/var/lib/keybind", "KEYBIND_ECS_ENDPOINT": "https://ecs-vpc.cn-hangzhou.aliyuncs.com/"}
	c, err = parseServe([]string{"--addr", "127.0.0.1:7000"}, IO{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" || c.DataDir != "/var/lib/keybind" || c.Endpoint != "https://ecs-vpc.cn-hangzhou.aliyuncs.com" {
		t.Errorf("flag over env over default: %+v", c)
	}
}

func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	run := func(stdin string, args ...string) (string, error) {
		sys, out, _ := sysFor(nil)
		sys.Stdin = strings.NewReader(stdin)
		err := Run(context.Background(), append(args, "--data-dir", dir), sys)
		return out.String(), err
	}
	out, err := run("", "user", "add", "alice", "--role", "helpdesk")
	if err != nil || !strings.Contains(out, "password: ") {
		t.Fatalf("add alice: %q, %v", out, err)
	}
	if _, err := run("Lantern-Copper-Quartz-91\n", "user", "add", "bob", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatalf("add bob from stdin: %v", err)
	}
	if _, err := run("short\n", "user", "passwd", "bob", "--password-stdin"); ExitCode(err) != 2 {
		t.Errorf("a short password: %v, want a usage error", err)
	}
	if _, err := run("", "user", "disable", "alice"); err != nil {
		t.Fatal(err)
	}
	out, err = run("", "user", "list")
	if err != nil || !strings.Contains(out, "alice") || !strings.Contains(out, "disabled") || !strings.Contains(out, "bob") {
		t.Errorf("list: %q, %v", out, err)
	}
	if _, err := run("", "user", "disable", "nobody"); err == nil || !strings.Contains(err.Error(), "no user") {
		t.Errorf("disable nobody: %v", err)
	}
}

func TestOneConsolePerDataDirectory(t *testing.T) {
	dir := t.TempDir()
	release, err := lockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDataDir(dir); err == nil || !strings.Contains(err.Error(), "already serving") {
		t.Errorf("second lock: %v, want refused", err)
	}
	release()
	again, err := lockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
}
