package cli

import (
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// envFlags registers flags whose defaults come from the environment, and
// remembers environment values that did not parse.
type envFlags struct {
	fs   *flag.FlagSet
	sys  IO
	errs []string
}

func (e *envFlags) String(p *string, name, env, def, usage string) {
	e.fs.StringVar(p, name, envOr(e.sys, env, def), usage+envNote(env))
}

func (e *envFlags) Duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	e.fs.DurationVar(p, name, envValue(e, env, def, "a positive duration such as 30m", func(v string) (time.Duration, error) {
		d, err := time.ParseDuration(v)
		if err == nil && d <= 0 {
			err = strconv.ErrRange
		}
		return d, err
	}), usage+envNote(env))
}

func (e *envFlags) Int(p *int, name, env string, def int, usage string) {
	e.fs.IntVar(p, name, envValue(e, env, def, "a whole number", strconv.Atoi), usage+envNote(env))
}

func (e *envFlags) Int64(p *int64, name, env string, def int64, usage string) {
	e.fs.Int64Var(p, name, envValue(e, env, def, "a whole number", func(v string) (int64, error) {
		return strconv.ParseInt(v, 10, 64)
	}), usage+envNote(env))
}

// Bool registers a boolean flag whose default comes from env (true/false).
func (e *envFlags) Bool(p *bool, name, env string, def bool, usage string) {
	e.fs.BoolVar(p, name, envValue(e, env, def, "true or false", strconv.ParseBool), usage+envNote(env))
}

// envValue is env's value parsed by parse, or def when env is not set; a
// value that does not parse is remembered ("ENV=… is not <want>") and def
// kept.
func envValue[T any](e *envFlags, env string, def T, want string, parse func(string) (T, error)) T {
	v := e.sys.Getenv(env)
	if v == "" {
		return def
	}
	x, err := parse(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Sprintf("%s=%q is not %s", env, v, want))
		return def
	}
	return x
}

// List registers a repeatable flag. Its environment variable holds a
// comma-separated list, used when the flag is not given at all.
func (e *envFlags) List(p *[]string, name, env, usage string) {
	*p = splitList(e.sys.Getenv(env))
	e.fs.Var(&listValue{p: p, fromEnv: true}, name, usage+" (repeatable)"+envNote(env))
}

// listValue collects a repeatable flag's values; the first one given
// replaces what came from the environment.
type listValue struct {
	p       *[]string
	fromEnv bool
}

func (l *listValue) String() string {
	if l == nil || l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l *listValue) Set(v string) error {
	if l.fromEnv {
		*l.p, l.fromEnv = nil, false
	}
	*l.p = append(*l.p, v)
	return nil
}

func envNote(env string) string {
	if env == "" {
		return ""
	}
	return " (env " + env + ")"
}

// envError reports the first environment value that did not parse.
func (e *envFlags) envError() error {
	if len(e.errs) == 0 {
		return nil
	}
	return &UsageError{Msg: "keybind " + e.fs.Name() + ": " + e.errs[0]}
}

// parseEndpoint accepts an http:// or https:// URL with a host and nothing
// after it but an optional "/".
func parseEndpoint(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", fmt.Errorf("--ecs-endpoint %q must be an http:// or https:// URL such as http://127.0.0.1:9100", s)
	}
	return u.Scheme + "://" + u.Host, nil
}

// parsePrefixes parses a comma-separated list of CIDR ranges or addresses.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("--trusted-proxies: %q is not an IP address or CIDR range", part)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is not an IP address or CIDR range", part)
		}
		out = append(out, p)
	}
	return out, nil
}
