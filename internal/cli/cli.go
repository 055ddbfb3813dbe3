// Package cli parses keybind's command line and environment and runs its
// subcommands: serve (the console), sandbox (only the ECS sandbox) and user
// (account administration).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// IO is what a command may touch of its process.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// UsageError is a bad flag or value: the process exits with status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ExitCode maps a command's error to the process exit status.
func ExitCode(err error) int {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	default:
		return 1
	}
}

const usage = `keybind binds SSH key pairs to Alibaba Cloud ECS Linux instances.

Usage:
  keybind [serve] [flags]      run the console (the default)
  keybind sandbox [flags]      run only the ECS sandbox
  keybind user <command>       manage console accounts (add, passwd, disable, enable, list)

Run 'keybind <command> --help' for the flags of a command.
`

// Run runs the subcommand named by args[0] ("serve" when absent).
func Run(ctx context.Context, args []string, sys IO) error {
	if sys.Getenv == nil {
		sys.Getenv = func(string) string { return "" }
	}
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, sys)
	case "sandbox":
		return runSandbox(ctx, args, sys)
	case "user":
		return runUser(ctx, args, sys)
	case "help":
		fmt.Fprint(sys.Stdout, usage)
		return nil
	default:
		return &UsageError{Msg: fmt.Sprintf("keybind: unknown command %q (want serve, sandbox or user; see 'keybind help')", cmd)}
	}
}

// parseFlags parses fs quietly: --help prints the usage to stdout, and any
// error becomes a one-line UsageError.
func parseFlags(fs *flag.FlagSet, args []string, sys IO, synopsis string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(sys.Stdout, "Usage: %s\n\nFlags:\n", synopsis)
		fs.SetOutput(sys.Stdout)
		fs.PrintDefaults()
		return flag.ErrHelp
	}
	if err != nil {
		return &UsageError{Msg: fmt.Sprintf("keybind %s: %v", fs.Name(), err)}
	}
	if fs.NArg() > 0 && fs.Name() != "user" {
		return &UsageError{Msg: fmt.Sprintf("keybind %s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// envOr returns the environment variable's value, or def when it is unset.
func envOr(sys IO, name, def string) string {
	if v := sys.Getenv(name); v != "" {
		return v
	}
	return def
}
