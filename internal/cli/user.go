package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"keybind/internal/auth"
)

const userUsage = `Usage:
  keybind user add NAME --role admin|helpdesk [--password-stdin]
  keybind user passwd NAME [--password-stdin]
  keybind user disable NAME
  keybind user enable NAME
  keybind user list

Without --password-stdin a password is generated and printed once. Changing a
password, a role or disabling a user ends all of that user's sessions.
Every command takes --data-dir (env KEYBIND_DATA_DIR, default ./data), or
--database-url (env KEYBIND_DATABASE_URL) for a PostgreSQL database, and is
safe while the server runs.
`

// runUser administers accounts from the command line, on the same database
// as the server.
func runUser(ctx context.Context, args []string, sys IO) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(sys.Stdout, userUsage)
		if len(args) == 0 {
			return &UsageError{Msg: "keybind user: missing command (add, passwd, disable, enable or list)"}
		}
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	// NAME may come before or after the flags.
	var name string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	fs := flag.NewFlagSet("user "+cmd, flag.ContinueOnError)
	var dataDir, databaseURL, role string
	var fromStdin bool
	fs.StringVar(&dataDir, "data-dir", envOr(sys, "KEYBIND_DATA_DIR", "./data"), "directory of the database (env KEYBIND_DATA_DIR)")
	fs.StringVar(&databaseURL, "database-url", sys.Getenv("KEYBIND_DATABASE_URL"), databaseFlagHelp+" (env KEYBIND_DATABASE_URL)")
	if cmd == "add" {
		fs.StringVar(&role, "role", "", "admin or helpdesk")
	}
	if cmd == "add" || cmd == "passwd" {
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin")
	}
	fs.SetOutput(nilWriter{})
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(sys.Stdout, userUsage)
			return flag.ErrHelp
		}
		return &UsageError{Msg: fmt.Sprintf("keybind user %s: %v", cmd, err)}
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return &UsageError{Msg: fmt.Sprintf("keybind user %s: unexpected argument %q", cmd, fs.Arg(0))}
	}
	switch cmd {
	case "add", "passwd", "disable", "enable":
		if name == "" {
			return &UsageError{Msg: fmt.Sprintf("keybind user %s: missing user name", cmd)}
		}
	case "list":
		if name != "" {
			return &UsageError{Msg: fmt.Sprintf("keybind user list: unexpected argument %q", name)}
		}
	default:
		return &UsageError{Msg: fmt.Sprintf("keybind user: unknown command %q (want add, passwd, disable, enable or list)", cmd)}
	}
	var r auth.Role
	if cmd == "add" {
		var err error
		if r, err = auth.ParseRole(role); err != nil {
			return &UsageError{Msg: "keybind user add: --role must be admin or helpdesk"}
		}
	}

	if err := checkDatabaseURL("keybind user "+cmd, databaseURL); err != nil {
		return err
	}
	st, err := openStore(ctx, databaseURL, dataDir)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	a := auth.New(st, auth.Config{})
	actor := auth.LocalActor()

	switch cmd {
	case "add", "passwd":
		pw, generated, err := password(sys, fromStdin)
		if err != nil {
			return err
		}
		if cmd == "add" {
			_, err = a.CreateUser(ctx, actor, name, r, pw)
		} else {
			err = a.SetPassword(ctx, actor, name, pw)
		}
		if err != nil {
			return userError(name, err)
		}
		verb := "Created"
		if cmd == "passwd" {
			verb = "Changed the password of"
		}
		fmt.Fprintf(sys.Stdout, "%s user %s.\n", verb, auth.NormalizeUsername(name))
		if generated {
			fmt.Fprintf(sys.Stdout, "  password: %s\nThis password is shown only once; the user must change it at first sign-in.\n", pw)
		}
	case "disable":
		if err := a.Disable(ctx, actor, name); err != nil {
			return userError(name, err)
		}
		fmt.Fprintf(sys.Stdout, "Disabled user %s and ended their sessions.\n", auth.NormalizeUsername(name))
	case "enable":
		if err := a.Enable(ctx, actor, name); err != nil {
			return userError(name, err)
		}
		fmt.Fprintf(sys.Stdout, "Enabled user %s.\n", auth.NormalizeUsername(name))
	case "list":
		users, err := a.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(sys.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tSTATUS\tCREATED (UTC)")
		for _, u := range users {
			status := "active"
			if u.Disabled {
				status = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, status, u.CreatedAt.UTC().Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	}
	return nil
}

// password reads one line from stdin, or generates a password.
func password(sys IO, fromStdin bool) (pw string, generated bool, err error) {
	if !fromStdin {
		pw, err = auth.GeneratePassword()
		return pw, true, err
	}
	line, err := bufio.NewReader(sys.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", false, &UsageError{Msg: "keybind user: --password-stdin: no password on stdin"}
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

// userError words domain errors for the command line.
func userError(name string, err error) error {
	var ve *auth.ValidationError
	switch {
	case errors.As(err, &ve):
		return &UsageError{Msg: fmt.Sprintf("keybind user: %s: %s", ve.Field, ve.Message)}
	case errors.Is(err, auth.ErrNotFound):
		return fmt.Errorf("keybind user: there is no user %q", name)
	case errors.Is(err, auth.ErrExists):
		return fmt.Errorf("keybind user: user %q already exists", name)
	case errors.Is(err, auth.ErrLastAdmin):
		return fmt.Errorf("keybind user: refused: this would leave no enabled admin")
	}
	return err
}

type nilWriter struct{}

func (nilWriter) Write(p []byte) (int, error) { return len(p), nil }
