package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/opdef"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func init() {
	register(newConnectorsCmd)
	register(newConnectionsCmd)
	register(newConnectCmd)
	register(newDisconnectCmd)
	register(newReconnectCmd)
}

func newConnectorsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connectors [TYPE]",
		Short: "Connector types; with TYPE, its scope syntax and operations",
		Long: `Without TYPE, one line per connector type: its type, summary and number of
operations. With TYPE, that connector's scope syntax and every operation with
the access it needs and the approval points it may raise.`,
		Example: `  aos connectors
  aos connectors github
  aos connectors stripe --json`,
		Args:      maxArgs(1),
		ValidArgs: connectors().Types(),
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		reg := connectors()
		if len(args) == 1 {
			k, err := reg.Lookup(args[0])
			if err != nil {
				return err
			}
			d := k.Describe()
			if *asJSON {
				return printJSON(e.stdout, d)
			}
			fmt.Fprintf(e.stdout, "%s: %s\nscope: %s\noperations:\n", d.Type, d.Summary, strings.Join(d.ScopeSyntax, " | "))
			tw := table(e.stdout)
			fmt.Fprintln(tw, "  NAME\tACCESS\tAPPROVAL POINTS")
			for _, op := range d.Operations {
				pts := make([]string, len(op.Points))
				for i, p := range op.Points {
					pts[i] = string(p)
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", op.Name, op.Access, or(strings.Join(pts, ","), "-"))
			}
			return tw.Flush()
		}
		var ds []connector.Description
		for _, t := range reg.Types() {
			ds = append(ds, reg[t].Describe())
		}
		if *asJSON {
			return printJSON(e.stdout, ds)
		}
		tw := table(e.stdout)
		fmt.Fprintln(tw, "TYPE\tOPERATIONS\tSUMMARY")
		for _, d := range ds {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", d.Type, len(d.Operations), d.Summary)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "\nShow one with `aos connectors TYPE`.")
		return nil
	}
	return cmd
}

// connectionView is a connection as `aos connections` shows it: with its
// state and the status and version of its newest credential.
type connectionView struct {
	*aos.Connection
	State             string `json:"state"`
	CredentialVersion int    `json:"credential_version,omitempty"`
	CredentialStatus  string `json:"credential_status,omitempty"`
}

func newConnectionsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connections",
		Short: "Connections with type, base URL, flags and credential status",
		Example: `  aos connections
  aos connections --json`,
		Args: noArgs,
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var cs []*aos.Connection
		if err := c.do(cmd.Context(), "GET", "/v1/owner/connections", nil, &cs); err != nil {
			return err
		}
		var keys []secinfra.Key
		if err := c.do(cmd.Context(), "GET", "/v1/owner/keys", nil, &keys); err != nil {
			return err
		}
		newest := map[string]secinfra.Key{}
		for _, k := range keys {
			if k.Version > newest[k.Connection].Version {
				newest[k.Connection] = k
			}
		}
		views := make([]connectionView, 0, len(cs))
		for _, conn := range cs {
			v := connectionView{Connection: conn, State: "connected"}
			if !conn.Connected() {
				v.State = "disconnected"
			}
			if k, ok := newest[conn.Name]; ok {
				v.CredentialVersion, v.CredentialStatus = k.Version, string(k.Status)
			}
			views = append(views, v)
		}
		if *asJSON {
			return printJSON(e.stdout, views)
		}
		tw := table(e.stdout)
		fmt.Fprintln(tw, "NAME\tTYPE\tBASE URL\tSTATE\tCREDENTIAL\tFLAGS\tCREATED")
		for _, v := range views {
			var flags []string
			if v.HoldsCustomerData {
				flags = append(flags, "holds-customer-data")
			}
			if v.Auth != "" {
				flags = append(flags, "auth="+v.Auth)
			}
			cred := "-"
			if v.CredentialVersion > 0 {
				cred = fmt.Sprintf("v%d %s", v.CredentialVersion, v.CredentialStatus)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Name, v.Type, or(v.BaseURL, "-"), v.State, cred,
				or(strings.Join(flags, ","), "-"), fmtTime(&v.CreatedAt))
		}
		return tw.Flush()
	}
	return cmd
}

// credentialFlags are --credential-env and --credential-file.
type credentialFlags struct{ env, file *string }

func addCredentialFlags(fs *pflag.FlagSet, what string) credentialFlags {
	return credentialFlags{
		fs.String("credential-env", "", "read the "+what+" from this environment variable"),
		fs.String("credential-file", "", "read the "+what+" from this file"),
	}
}

// given reports whether either flag was given.
func (f credentialFlags) given() bool { return *f.env != "" || *f.file != "" }

// read reads the upstream secret from an environment variable, a file, or
// standard input. Giving both flags is a usage error: neither silently wins.
func (f credentialFlags) read(e *env) (string, error) {
	envVar, file := *f.env, *f.file
	var s string
	switch {
	case envVar != "" && file != "":
		return "", usagef("--credential-env and --credential-file exclude each other: give one")
	case envVar != "":
		s = e.getenv(envVar)
		if s == "" {
			return "", withHint(fmt.Errorf("environment variable %s is empty or not set", envVar), "export it first, or use --credential-file")
		}
	case file != "":
		b, err := os.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			return "", withHint(fmt.Errorf("the credential file %s does not exist", file), "check --credential-file")
		}
		if err != nil {
			return "", fmt.Errorf("reading the credential file %s: %w", file, errors.Unwrap(err))
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

// check refuses both flags at once before anything else is done.
func (f credentialFlags) check() error {
	if *f.env != "" && *f.file != "" {
		return usagef("--credential-env and --credential-file exclude each other: give one")
	}
	return nil
}

func newConnectCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connect TYPE NAME [--scope SCOPE --to GRANTEE]",
		Short: "Connect a tool; with --scope and --to, its first grant",
		Long: `Connect a tool: its type (see aos connectors), a name and the credential, read
from --credential-env, --credential-file or standard input.

With --scope (in the connector's syntax; * means account-wide and must be
spelled out) and --to (an agent, department:D, or company for every agent) the
connection gets its first grant, read-only unless --write. Without --scope the
connection has no grant: nobody can call it until aos grant gives one.`,
		Example: `  aos connect http crm --base-url https://crm.example.com --scope /v1/contacts --to researcher --credential-env CRM_KEY
  aos connect github code --scope repo:acme/app --write --to department:eng --credential-file gh.token
  aos connect http pay --base-url https://api.example.com --operations ops.yaml --credential-env PAY_KEY
  aos grant pay --scope /v1 --write --to company
  echo "$SLACK_TOKEN" | aos connect slack team --scope channel:C0123 --to company --settings slack.json
  echo none | aos connect mcp fs --command "npx -y @modelcontextprotocol/server-filesystem /srv/docs" --read-tools annotated --scope tool:* --to researcher
  aos connect mcp search --base-url https://mcp.example.com/mcp --read-tools search --credential-env SEARCH_HEADERS`,
		Args:              exactArgs(2, "TYPE and NAME"),
		ValidArgsFunction: connectorTypeCompletion,
	}
	fs := cmd.Flags()
	scope := fs.String("scope", "", "what the first grant covers, in the connector's syntax (* = account-wide)")
	to := fs.String("to", "", "the first grant's grantee: AGENT, department:D or company")
	write := fs.Bool("write", false, "the first grant is for write access (default read-only)")
	baseURL := fs.String("base-url", "", "upstream base URL")
	holds := fs.Bool("holds-customer-data", false, "the tool is a system of record for customer data")
	cred := addCredentialFlags(fs, "credential")
	auth := fs.String("auth", "", "http connector: bearer | basic | header:NAME | query:NAME")
	ops := fs.String("operations", "", "http connector: file of declared operations and headers: to forward")
	settings := fs.String("settings", "", "connector settings file (JSON), such as slack's external_channels")
	rotateEvery := fs.String("rotate-every", "", "how often the credential is due for rotation, such as 90d (the default)")
	mcpf := addMCPFlags(fs)
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		switch {
		case *scope != "" && *to == "":
			return usagef("--scope needs --to AGENT, --to department:D or --to company: the first grant names its grantee")
		case *scope == "" && *to != "":
			return usagef("--to needs --scope SCOPE (write * for account-wide access)")
		case *scope == "" && *write:
			return usagef("--write needs --scope SCOPE and --to GRANTEE")
		}
		if err := cred.check(); err != nil {
			return err
		}
		if *rotateEvery != "" {
			if _, err := owner.ParseDuration(*rotateEvery); err != nil {
				return usagef("--rotate-every: %s", aos.ErrorMessage(err))
			}
		}
		req := httpapi.ConnectRequest{Type: args[0], Name: args[1], Scope: *scope, To: *to, Write: *write, BaseURL: *baseURL,
			Auth: *auth, HoldsCustomerData: *holds, RotateEvery: *rotateEvery}
		if mcpf.given() && (*ops != "" || *settings != "") {
			return usagef("--command, --read-tools, --write-tools, --tool-points and --upstream-names are the mcp connector's settings: give them or --settings, not both")
		}
		switch {
		case *ops != "" && *settings != "":
			return usagef("--operations and --settings are the same slot: give one")
		case *ops != "":
			b, err := os.ReadFile(*ops)
			if err != nil {
				return fmt.Errorf("reading the operations file %s: %w", *ops, errors.Unwrap(err))
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
				return fmt.Errorf("reading the settings file %s: %w", *settings, errors.Unwrap(err))
			}
			req.Operations = string(b)
		}
		if mcpf.given() {
			settings, err := mcpf.settings()
			if err != nil {
				return err
			}
			req.Operations = settings
		}
		c, err := newClient(e)
		if err != nil {
			return err
		}
		if req.Credential, err = cred.read(e); err != nil {
			return err
		}
		var res httpapi.ConnectResponse
		if err := c.do(cmd.Context(), "POST", "/v1/owner/connections", req, &res); err != nil {
			return err
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(e.stderr, "aos: warning: %s\n", w)
		}
		if *asJSON {
			return printJSON(e.stdout, res)
		}
		fmt.Fprintf(e.stdout, "connected %s (%s, %s)\n", res.Connection.Name, res.Connection.Type, res.Connection.BaseURL)
		if res.Connection.Type == "mcp" && res.Breadth != nil {
			fmt.Fprintf(e.stdout, "pinned %d upstream tools; `aos mcp tools %s` shows each one's access and points\n", len(res.Breadth.Scopes), res.Connection.Name)
		}
		if res.Grant == nil {
			fmt.Fprintf(e.stdout, "no grant yet: nobody can call %s until you grant it, such as\n  aos grant %s --scope SCOPE --to AGENT|department:D|company [--write]\n",
				res.Connection.Name, res.Connection.Name)
			return nil
		}
		fmt.Fprintf(e.stdout, "grant %s: %s on %s for %s\n", res.Grant.ID, res.Grant.Access, res.Grant.Scope, granteeText(res.Grant))
		return nil
	}
	return cmd
}

// granteeText names a grant's grantee in a sentence.
func granteeText(g *aos.Grant) string {
	if g.Grantee == "" {
		return "the company"
	}
	return g.Grantee
}

// connectorTypeCompletion completes a connector type as the first argument.
func connectorTypeCompletion(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return connectors().Types(), cobra.ShellCompDirectiveNoFileComp
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

func newDisconnectCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "disconnect NAME",
		Short: "Stop a connection and revoke its credential (undo with aos reconnect)",
		Example: `  aos disconnect crm
  aos disconnect crm --json`,
		Args: exactArgs(1, "connection NAME"),
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := newClient(e)
		if err != nil {
			return err
		}
		name := args[0]
		if err := c.do(cmd.Context(), "POST", "/v1/owner/connections/"+url.PathEscape(name)+"/disconnect", nil, nil); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, map[string]any{"disconnected": name, "credential_revoked": true})
		}
		fmt.Fprintf(e.stdout, "disconnected %s; its credential is revoked (undo with `aos reconnect %s`)\n", name, name)
		return nil
	}
	return cmd
}

func newReconnectCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reconnect NAME",
		Short: "Undo a disconnect: settings and grants come back, with a new credential",
		Example: `  aos reconnect crm --credential-env CRM_KEY
  aos reconnect crm --credential-file crm.key --json`,
		Args: exactArgs(1, "connection NAME"),
	}
	cred := addCredentialFlags(cmd.Flags(), "new credential")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := cred.check(); err != nil {
			return err
		}
		c, err := newClient(e)
		if err != nil {
			return err
		}
		secret, err := cred.read(e)
		if err != nil {
			return err
		}
		var res httpapi.ConnectResponse
		if err := c.do(cmd.Context(), "POST", "/v1/owner/connections/"+url.PathEscape(args[0])+"/reconnect",
			httpapi.ReconnectRequest{Credential: secret}, &res); err != nil {
			return err
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(e.stderr, "aos: warning: %s\n", w)
		}
		if *asJSON {
			return printJSON(e.stdout, res)
		}
		fmt.Fprintf(e.stdout, "reconnected %s with a new credential; its grants apply again\n", args[0])
		return nil
	}
	return cmd
}
