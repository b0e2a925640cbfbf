// Command aos is the integration boundary of an agent company: one door
// through which agents reach the company's real tools. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/aos-dev/aos"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a command runs with: its streams and environment.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// hintError carries a hint printed after the error.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, hint string) error { return &hintError{err, hint} }

type command struct {
	usage string
	run   func(ctx context.Context, e *env, args []string) error
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"init":       {"aos init [--home DIR]", cmdInit},
		"serve":      {"aos serve [--listen 127.0.0.1:7070] [--store URL]", cmdServe},
		"status":     {"aos status [--json]", cmdStatus},
		"agent":      {"aos agent add NAME [--department D] | aos agent list | aos agent remove NAME", cmdAgent},
		"connectors": {"aos connectors [--json]", cmdConnectors},
		"connect":    {"aos connect TYPE NAME --scope SCOPE [--write] [--base-url URL] [--holds-customer-data] [--credential-env VAR | --credential-file F] [--auth MODE] [--operations FILE | --settings FILE] [--rotate-every 90d]", cmdConnect},
		"grant":      {"aos grant NAME --scope SCOPE [--write] [--to AGENT | --to department:D] [--expires 30d] [--mission M]", cmdGrant},
		"grants":     {"aos grants [--all] [--json]", cmdGrants},
		"revoke":     {"aos revoke GRANT_ID", cmdRevoke},
		"disconnect": {"aos disconnect NAME", cmdDisconnect},
		"reconnect":  {"aos reconnect NAME [--credential-env VAR | --credential-file F]", cmdReconnect},
		"mission":    {"aos mission close M", cmdMission},
		"evidence":   {"aos evidence log [--tail N] | export [FILE] | verify [--file EXPORT --public-key KEY] | redact ENTRY --reason TEXT", cmdEvidence},
		"approvals":  {"aos approvals [--all] [--json]", cmdApprovals},
		"approve":    {"aos approve ID [--reason TEXT]", cmdApprove},
		"deny":       {"aos deny ID --reason TEXT", cmdDeny},
		"keys":       {"aos keys [--json] | aos keys NAME --rotate-every D | aos keys rotate NAME [--credential-env VAR | --credential-file F] | aos keys exposed NAME [--credential-env VAR | --credential-file F]", cmdKeys},
		"caps":       {"aos caps [--per-move USD] [--per-week USD] [--rate CUR=RATE] [--recipient-limit N] [--strict on|off]", cmdCaps},
		"review":     {"aos review [--json | --markdown] [--window 90d] [--all] | --apply ID... | --dismiss ID --reason TEXT", cmdReview},
		"pii-map":    {"aos pii-map [--format text|json|dot] [--subject EMAIL_PHONE_OR_ID]", cmdPIIMap},
	}
}

// Main runs the aos command line and returns the exit status: 0 ok, 1
// failure, 2 usage error.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "aos: error: unknown command %q\naos: hint: run `aos help` for the list of commands\n", args[0])
		return 2
	}
	err := cmd.run(ctx, e, args[1:])
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "aos: error: %s\n", message(err))
	var he *hintError
	if errors.As(err, &he) {
		fmt.Fprintf(stderr, "aos: hint: %s\n", he.hint)
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "aos: hint: usage: %s\n", cmd.usage)
		return 2
	}
	return 1
}

// message is what the user sees of an error: an *aos.Error shows its
// message and code, anything else its text.
func message(err error) string {
	var ae *aos.Error
	if errors.As(err, &ae) {
		return fmt.Sprintf("%s (%s)", ae.Message, ae.Code)
	}
	return err.Error()
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "aos: the one door between AI agents and the company's tools")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %s\n", commands[n].usage)
	}
	fmt.Fprintln(w, "\nEvery command takes --home DIR (else $AOS_HOME, else $XDG_DATA_HOME/aos).")
	fmt.Fprintln(w, "Owner commands take --server URL (else $AOS_SERVER, else the URL the server wrote into its home).")
}

// parseArgs parses flags anywhere among args and returns the positional
// arguments, so that `aos connect http crm --scope /x` reads naturally.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			msg := err.Error()
			if f, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
				msg = "unknown flag " + f
			}
			return nil, usagef("%s", msg)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// wantArgs checks the number of positional arguments.
func wantArgs(pos []string, n int, what string) error {
	if len(pos) < n {
		return usagef("missing %s", what)
	}
	if len(pos) > n {
		return usagef("unexpected argument %q", pos[n])
	}
	return nil
}

// parseExactly parses args and checks there are exactly n positional
// arguments (what names them in the error).
func parseExactly(fs *flag.FlagSet, args []string, n int, what string) ([]string, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, err
	}
	return pos, wantArgs(pos, n, what)
}
