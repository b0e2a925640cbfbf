// Command aos is the integration boundary of an agent company: one door
// through which agents reach the company's real tools. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aos-dev/aos"
	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a command runs with: its streams, its environment and the
// flags every command takes.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	// home and server are the persistent --home and --server flags.
	home, server string
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

// exitError ends the command with a status and prints nothing more.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// commands are the constructors of the top-level commands. Each file adds
// its own with register in an init function, so that adding a command is
// one new file:
//
//	func init() { register(newThingCmd) }
//
//	func newThingCmd(e *env) *cobra.Command {
//		return &cobra.Command{Use: "thing NAME", Short: "…", Example: "…",
//			Args: exactArgs(1, "NAME"), RunE: func(cmd *cobra.Command, args []string) error { … }}
//	}
//
// The command tree is built anew for each Main, so commands may keep their
// flag values in local variables.
var commands []func(*env) *cobra.Command

func register(newCmd func(*env) *cobra.Command) { commands = append(commands, newCmd) }

// Main runs the aos command line and returns the exit status: 0 ok, 1
// failure, 2 usage error.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(stderr, "aos: error: %s\n", message(err))
	var he *hintError
	if errors.As(err, &he) {
		fmt.Fprintf(stderr, "aos: hint: %s\n", he.hint)
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if cmd != nil && cmd != root {
			fmt.Fprintf(stderr, "aos: hint: usage: %s (see `%s --help`)\n", cmd.UseLine(), cmd.CommandPath())
		}
		return 2
	}
	return 1
}

// newRoot builds the command tree.
func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "aos",
		Short: "The one door between AI agents and the company's tools",
		Long: `aos is the one door between AI agents and the company's tools: it holds the
credentials, lets through only what the owner granted, holds the decisions that
belong to the owner, and records everything in a verifiable evidence trail.

Every command takes --home DIR (else $AOS_HOME, else $XDG_DATA_HOME/aos).
Owner commands take --server URL (else $AOS_SERVER, else the URL the server
wrote into its home) and the owner token from $AOS_TOKEN or the home's
owner.token.`,
		Example: `  aos serve                                   # initialise the home if empty, and serve
  aos agent add researcher --department growth
  aos connect http crm --base-url https://crm.example.com --scope /v1/contacts --to company --credential-env CRM_KEY
  aos help connect`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Not a command: unknown ones are usage errors, and bare `aos`
		// shows the help and exits 2.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return withHint(&usageError{fmt.Sprintf("unknown command %q", args[0])}, "run `aos help` for the list of commands")
			}
			cmd.SetOut(e.stdout)
			if err := cmd.Help(); err != nil {
				return err
			}
			return &exitError{2}
		},
	}
	root.PersistentFlags().StringVar(&e.home, "home", "", "instance folder (else $AOS_HOME, else $XDG_DATA_HOME/aos)")
	root.PersistentFlags().StringVar(&e.server, "server", "", "server URL for owner commands (else $AOS_SERVER, else the home's server.url)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usagef("%s", err.Error()) })
	root.CompletionOptions.HiddenDefaultCmd = false
	for _, newCmd := range commands {
		root.AddCommand(newCmd(e))
	}
	return root
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

// exactArgs checks that a command has exactly n positional arguments;
// what names them in the error.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("missing %s", what)
		}
		if len(args) > n {
			return usagef("unexpected argument %q", args[n])
		}
		return nil
	}
}

// noArgs refuses positional arguments.
var noArgs = exactArgs(0, "")

// maxArgs allows at most n positional arguments.
func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return usagef("unexpected argument %q", args[n])
		}
		return nil
	}
}

// group makes cmd a command that only holds subcommands: run bare or with
// an unknown subcommand, it is a usage error naming them.
func group(cmd *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.Name()
		cmd.AddCommand(s)
	}
	list := strings.Join(names, ", ")
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return usagef("missing subcommand: %s", list)
		}
		return usagef("unknown subcommand %q: %s", args[0], list)
	}
	return cmd
}

// jsonFlag adds --json to cmd.
func jsonFlag(cmd *cobra.Command) *bool {
	return cmd.Flags().Bool("json", false, "print JSON")
}
