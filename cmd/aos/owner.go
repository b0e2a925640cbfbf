package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/opdef"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/owner"
)

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func cmdStatus(ctx context.Context, e *env, args []string) error {
	fs := newOwnerFlags("status")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseExactly(fs.FlagSet, args, 0, ""); err != nil {
		return err
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	var st owner.Status
	if err := c.do(ctx, "GET", "/v1/owner/status", nil, &st); err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, st)
	}
	fmt.Fprintf(e.stdout, "server:       %s\n", c.base)
	fmt.Fprintf(e.stdout, "agents:       %d\n", st.Agents)
	fmt.Fprintf(e.stdout, "connections:  %d (%d connected)\n", st.Connections, st.Connected)
	fmt.Fprintf(e.stdout, "grants:       %d active\n", st.ActiveGrants)
	fmt.Fprintf(e.stdout, "approvals:    %d pending\n", st.Pending)
	fmt.Fprintf(e.stdout, "evidence:     %d entries\n", st.LogSize)
	if len(st.Overdue) > 0 {
		fmt.Fprintf(e.stdout, "keys overdue: %d\n", len(st.Overdue))
		for _, k := range st.Overdue {
			fmt.Fprintf(e.stdout, "  %s version %d, due %s: run `aos keys rotate %s`\n", k.Connection, k.Version, k.DueAt.UTC().Format(time.RFC3339), k.Connection)
		}
	}
	return nil
}

func cmdAgent(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("missing subcommand: add, list or remove")
	}
	fs := newOwnerFlags("agent")
	dept := fs.String("department", "", "the agent's department")
	asJSON := fs.Bool("json", false, "print JSON")
	sub := args[0]
	pos, err := parseArgs(fs.FlagSet, args[1:])
	if err != nil {
		return err
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		if err := wantArgs(pos, 1, "NAME"); err != nil {
			return err
		}
		var res httpapi.AddAgentResponse
		if err := c.do(ctx, "POST", "/v1/owner/agents", httpapi.AddAgentRequest{Name: pos[0], Department: *dept}, &res); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, res)
		}
		fmt.Fprintln(e.stdout, res.Token)
		return nil
	case "list":
		if err := wantArgs(pos, 0, ""); err != nil {
			return err
		}
		var ps []aos.Principal
		if err := c.do(ctx, "GET", "/v1/owner/agents", nil, &ps); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, ps)
		}
		tw := table(e.stdout)
		fmt.Fprintln(tw, "NAME\tDEPARTMENT\tCREATED")
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Name, or(p.Department, "-"), fmtTime(&p.CreatedAt))
		}
		return tw.Flush()
	case "remove":
		if err := wantArgs(pos, 1, "NAME"); err != nil {
			return err
		}
		if err := c.do(ctx, "DELETE", "/v1/owner/agents/"+url.PathEscape(pos[0]), nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "removed agent %s; its token no longer works, its grants are revoked and its held calls failed\n", pos[0])
		return nil
	}
	return usagef("unknown subcommand %q: add, list or remove", sub)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func cmdConnectors(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("connectors", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseExactly(fs, args, 0, ""); err != nil {
		return err
	}
	reg := connectors()
	var ds []connector.Description
	for _, t := range reg.Types() {
		ds = append(ds, reg[t].Describe())
	}
	if *asJSON {
		return printJSON(e.stdout, ds)
	}
	for i, d := range ds {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stdout, "%s: %s\n  scope: %s\n  operations:\n", d.Type, d.Summary, strings.Join(d.ScopeSyntax, " | "))
		tw := table(e.stdout)
		for _, op := range d.Operations {
			pts := make([]string, len(op.Points))
			for i, p := range op.Points {
				pts[i] = string(p)
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s\n", op.Name, op.Access, strings.Join(pts, ","))
		}
		tw.Flush()
	}
	return nil
}

// readCredential reads the upstream secret from an environment variable, a
// file, or standard input, in that order of preference.
func readCredential(e *env, envVar, file string) (string, error) {
	var s string
	switch {
	case envVar != "":
		s = e.getenv(envVar)
		if s == "" {
			return "", withHint(fmt.Errorf("environment variable %s is empty or not set", envVar), "export it first, or use --credential-file")
		}
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading the credential file: %w", errors.Unwrap(err))
		}
		s = string(b)
	default:
		b, err := io.ReadAll(io.LimitReader(e.stdin, 1<<20))
		if err != nil {
			return "", err
		}
		s = string(b)
	}
	s = strings.TrimRight(s, "\r\n")
	if s == "" {
		return "", withHint(errors.New("no credential given"), "use --credential-env VAR, --credential-file F, or pipe it on stdin")
	}
	return s, nil
}

func cmdConnect(ctx context.Context, e *env, args []string) error {
	fs := newOwnerFlags("connect")
	scope := fs.String("scope", "", "what the first grant covers, in the connector's syntax (* = account-wide)")
	write := fs.Bool("write", false, "grant write access (default read-only)")
	baseURL := fs.String("base-url", "", "upstream base URL")
	holds := fs.Bool("holds-customer-data", false, "the tool is a system of record for customer data")
	credEnv := fs.String("credential-env", "", "read the credential from this environment variable")
	credFile := fs.String("credential-file", "", "read the credential from this file")
	auth := fs.String("auth", "", "http connector: bearer | basic | header:NAME | query:NAME")
	ops := fs.String("operations", "", "http connector: file of declared operations and headers: to forward")
	settings := fs.String("settings", "", "connector settings file (JSON), such as slack's external_channels")
	rotateEvery := fs.String("rotate-every", "", "how often the credential is due for rotation, such as 90d (the default)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseExactly(fs.FlagSet, args, 2, "TYPE and NAME")
	if err != nil {
		return err
	}
	if *scope == "" {
		return usagef("--scope is required (write * for account-wide access)")
	}
	if *rotateEvery != "" {
		if _, err := owner.ParseDuration(*rotateEvery); err != nil {
			return usagef("--rotate-every: %s", aos.ErrorMessage(err))
		}
	}
	req := httpapi.ConnectRequest{Type: pos[0], Name: pos[1], Scope: *scope, Write: *write, BaseURL: *baseURL,
		Auth: *auth, HoldsCustomerData: *holds, RotateEvery: *rotateEvery}
	switch {
	case *ops != "" && *settings != "":
		return usagef("--operations and --settings are the same slot: give one")
	case *ops != "":
		b, err := os.ReadFile(*ops)
		if err != nil {
			return fmt.Errorf("reading the operations file: %w", errors.Unwrap(err))
		}
		// Checked here too, so that errors name the file the owner wrote.
		if req.Type == "http" {
			if _, err := opdef.Parse(*ops, b); err != nil {
				return err
			}
		}
		req.Operations = string(b)
	case *settings != "":
		b, err := os.ReadFile(*settings)
		if err != nil {
			return fmt.Errorf("reading the settings file: %w", errors.Unwrap(err))
		}
		req.Operations = string(b)
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	if req.Credential, err = readCredential(e, *credEnv, *credFile); err != nil {
		return err
	}
	var res httpapi.ConnectResponse
	if err := c.do(ctx, "POST", "/v1/owner/connections", req, &res); err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "aos: warning: %s\n", w)
	}
	if *asJSON {
		return printJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "connected %s (%s, %s)\n", res.Connection.Name, res.Connection.Type, res.Connection.BaseURL)
	fmt.Fprintf(e.stdout, "grant %s: %s on %s for the company\n", res.Grant.ID, res.Grant.Access, res.Grant.Scope)
	return nil
}

func cmdGrant(ctx context.Context, e *env, args []string) error {
	fs := newOwnerFlags("grant")
	scope := fs.String("scope", "", "what the grant covers (* = account-wide)")
	write := fs.Bool("write", false, "grant write access (default read-only)")
	to := fs.String("to", "", "AGENT or department:D (default: the whole company)")
	expires := fs.String("expires", "", "how long the grant lasts, such as 30d or 12h")
	mission := fs.String("mission", "", "the mission the grant is for; closing it ends the grant")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseExactly(fs.FlagSet, args, 1, "connection NAME")
	if err != nil {
		return err
	}
	if *scope == "" {
		return usagef("--scope is required (write * for account-wide access)")
	}
	if *expires != "" {
		if _, err := owner.ParseDuration(*expires); err != nil {
			return usagef("%s", aos.ErrorMessage(err))
		}
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	var g aos.Grant
	req := httpapi.GrantRequest{Connection: pos[0], Scope: *scope, Write: *write, To: *to, ExpiresIn: *expires, Mission: *mission}
	if err := c.do(ctx, "POST", "/v1/owner/grants", req, &g); err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, g)
	}
	fmt.Fprintln(e.stdout, g.ID)
	return nil
}

func cmdGrants(ctx context.Context, e *env, args []string) error {
	fs := newOwnerFlags("grants")
	all := fs.Bool("all", false, "include revoked grants")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseExactly(fs.FlagSet, args, 0, ""); err != nil {
		return err
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	var gs []aos.Grant
	path := "/v1/owner/grants"
	if *all {
		path += "?all=true"
	}
	if err := c.do(ctx, "GET", path, nil, &gs); err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, gs)
	}
	tw := table(e.stdout)
	fmt.Fprintln(tw, "ID\tCONNECTION\tSCOPE\tACCESS\tGRANTEE\tEXPIRES\tMISSION\tSTATE")
	now := time.Now()
	for _, g := range gs {
		state := "active"
		switch {
		case g.RevokedAt != nil:
			state = "revoked"
		case g.Expired(now):
			state = "expired"
		}
		scope := g.Scope
		if scope == "*" {
			scope = "* (account-wide)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.ID, g.Connection, scope, g.Access,
			g.GranteeLabel(), fmtTime(g.ExpiresAt), or(g.Mission, "-"), state)
	}
	return tw.Flush()
}

// simple runs a command that takes one name and calls one owner route.
func simple(ctx context.Context, e *env, args []string, name, what string, call func(*client, string) error) error {
	fs := newOwnerFlags(name)
	pos, err := parseArgs(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, what); err != nil {
		return err
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	return call(c, pos[0])
}

func cmdRevoke(ctx context.Context, e *env, args []string) error {
	return simple(ctx, e, args, "revoke", "GRANT_ID", func(c *client, id string) error {
		var g aos.Grant
		if err := c.do(ctx, "DELETE", "/v1/owner/grants/"+url.PathEscape(id), nil, &g); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked %s (%s on %s %s)\n", g.ID, g.Access, g.Connection, g.Scope)
		return nil
	})
}

func cmdDisconnect(ctx context.Context, e *env, args []string) error {
	return simple(ctx, e, args, "disconnect", "connection NAME", func(c *client, name string) error {
		if err := c.do(ctx, "POST", "/v1/owner/connections/"+url.PathEscape(name)+"/disconnect", nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "disconnected %s; its credential is revoked (undo with `aos reconnect %s`)\n", name, name)
		return nil
	})
}

func cmdReconnect(ctx context.Context, e *env, args []string) error {
	fs := newOwnerFlags("reconnect")
	credEnv := fs.String("credential-env", "", "read the new credential from this environment variable")
	credFile := fs.String("credential-file", "", "read the new credential from this file")
	pos, err := parseExactly(fs.FlagSet, args, 1, "connection NAME")
	if err != nil {
		return err
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	cred, err := readCredential(e, *credEnv, *credFile)
	if err != nil {
		return err
	}
	var res httpapi.ConnectResponse
	if err := c.do(ctx, "POST", "/v1/owner/connections/"+url.PathEscape(pos[0])+"/reconnect",
		httpapi.ReconnectRequest{Credential: cred}, &res); err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "aos: warning: %s\n", w)
	}
	fmt.Fprintf(e.stdout, "reconnected %s with a new credential; its grants apply again\n", pos[0])
	return nil
}

func cmdMission(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "close" {
		return usagef("usage: aos mission close M")
	}
	return simple(ctx, e, args[1:], "mission", "mission M", func(c *client, m string) error {
		var gs []aos.Grant
		if err := c.do(ctx, "POST", "/v1/owner/missions/"+url.PathEscape(m)+"/close", nil, &gs); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "closed mission %s: %d grant(s) revoked\n", m, len(gs))
		for _, g := range gs {
			fmt.Fprintf(e.stdout, "  %s (%s on %s %s)\n", g.ID, g.Access, g.Connection, g.Scope)
		}
		return nil
	})
}
