package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/httpapi"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func init() { register(newMCPCmd) }

// mcpFlags are the mcp connector's flags of aos connect: the upstream's
// command and the owner's decisions about its tools, sent as the
// connection's settings.
type mcpFlags struct {
	command, readTools, writeTools *string
	toolPoints                     *[]string
	upstreamNames                  *bool
}

func addMCPFlags(fs *pflag.FlagSet) mcpFlags {
	return mcpFlags{
		command:    fs.String("command", "", "mcp connector: the stdio upstream's command line (run without a shell)"),
		readTools:  fs.String("read-tools", "", "mcp connector: tools that only read, comma-separated; \"annotated\" confirms every readOnlyHint the upstream states"),
		writeTools: fs.String("write-tools", "", "mcp connector: tools that write (every tool not named read is write)"),
		toolPoints: fs.StringArray("tool-points", nil, "mcp connector: TOOL=POINT[,POINT] holds every call of TOOL at those approval points (repeatable)"),
		upstreamNames: fs.Bool("upstream-names", false, "mcp connector: serve the upstream's tools, prompts and resources to agents under its own names "+
			"(where unambiguous; see the README), not CONNECTION.NAME and aos://CONNECTION/URI"),
	}
}

func (f mcpFlags) given() bool {
	return *f.command != "" || *f.readTools != "" || *f.writeTools != "" || len(*f.toolPoints) > 0 || *f.upstreamNames
}

// settings are the flags as the mcp connector's settings (JSON).
func (f mcpFlags) settings() (string, error) {
	s := map[string]any{}
	if *f.command != "" {
		s["command"] = *f.command
	}
	if *f.readTools != "" {
		s["read_tools"] = splitList(*f.readTools)
	}
	if *f.writeTools != "" {
		s["write_tools"] = splitList(*f.writeTools)
	}
	if len(*f.toolPoints) > 0 {
		points := map[string][]string{}
		for _, tp := range *f.toolPoints {
			tool, ps, ok := strings.Cut(tp, "=")
			if !ok || tool == "" || ps == "" {
				return "", usagef("--tool-points takes TOOL=POINT[,POINT], such as send_email=public-claim,customer-data")
			}
			points[tool] = append(points[tool], splitList(ps)...)
		}
		s["tool_points"] = points
	}
	if *f.upstreamNames {
		s["upstream_names"] = true
	}
	b, err := json.Marshal(s)
	return string(b), err
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func newMCPCmd(e *env) *cobra.Command {
	return group(&cobra.Command{
		Use:   "mcp",
		Short: "Upstream MCP servers: their pinned tools, and accepting a new or changed one",
	}, newMCPToolsCmd(e), newMCPAcceptCmd(e), newMCPNamesCmd(e))
}

func newMCPToolsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tools NAME",
		Short: "The tools an mcp connection pins: access, approval points, state",
		Long: `The tools an mcp connection pinned at connect (or accepted since), each with
its access, approval points and state: served, pinned (the upstream was not
asked since the server started), changed or gone (not served), and new tools
the upstream offers unpinned (not served until aos mcp accept).`,
		Example: `  aos mcp tools fs
  aos mcp tools fs --json`,
		Args: exactArgs(1, "connection NAME"),
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var items []connector.PinnedItem
		if err := c.do(cmd.Context(), "GET", "/v1/owner/connections/"+url.PathEscape(args[0])+"/mcp/tools", nil, &items); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, items)
		}
		tw := table(e.stdout)
		fmt.Fprintln(tw, "TOOL\tACCESS\tAPPROVAL POINTS\tSTATE")
		for _, it := range items {
			pts := make([]string, len(it.Points))
			for i, p := range it.Points {
				pts[i] = string(p)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", it.Name, or(string(it.Access), "-"), or(strings.Join(pts, ","), "-"), it.State)
		}
		return tw.Flush()
	}
	return cmd
}

func newMCPAcceptCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "accept NAME TOOL",
		Short: "Serve an upstream tool whose definition changed, or that is new",
		Long: `Pin the upstream's current definition of TOOL (its description, schemas and
annotations) on the mcp connection NAME, so that it is served again. A changed
tool keeps its access and approval points unless --read, --write or --points
say otherwise; a new tool is write unless --read. The acceptance is recorded
in the evidence with the tool's old and new digests.`,
		Example: `  aos mcp accept fs read_text_file
  aos mcp accept fs search_files --read
  aos mcp accept mail send_email --write --points public-claim,customer-data`,
		Args: exactArgs(2, "connection NAME and TOOL"),
	}
	fs := cmd.Flags()
	read := fs.Bool("read", false, "the tool only reads")
	write := fs.Bool("write", false, "the tool writes")
	points := fs.String("points", "", "approval points every call of the tool is held at, comma-separated (\"none\" for none)")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		req := httpapi.MCPAcceptRequest{Tool: args[1]}
		switch {
		case *read && *write:
			return usagef("--read and --write exclude each other")
		case *read:
			req.Access = aos.Read
		case *write:
			req.Access = aos.Write
		}
		switch *points {
		case "":
		case "none":
			req.Points = []aos.ApprovalPoint{}
		default:
			for _, p := range splitList(*points) {
				req.Points = append(req.Points, aos.ApprovalPoint(p))
			}
		}
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var res httpapi.MCPAcceptResponse
		if err := c.do(cmd.Context(), "POST", "/v1/owner/connections/"+url.PathEscape(args[0])+"/mcp/accept", req, &res); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, res)
		}
		a := res.Accepted
		fmt.Fprintf(e.stdout, "accepted %s on %s: %s, points %s, digest %s\n", a["tool"], args[0], a["access"], or(a["points"], "none"), a["digest"])
		return nil
	}
	return cmd
}

func newMCPNamesCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "names NAME upstream|prefixed",
		Short: "Serve an mcp connection to agents under the upstream's own names, or prefixed",
		Long: `Choose how agents reach the tools, prompts and resources of the mcp connection
NAME over /mcp: "upstream" serves them under the upstream's own names where
they are unambiguous across the instance (else prefixed; see the README),
"prefixed" as CONNECTION.TOOL, aos://CONNECTION/URI and CONNECTION.NAME (the
default). The prefixed names work either way. The change is recorded in the
evidence (connection.names).`,
		Example: `  aos mcp names conf upstream
  aos mcp names conf prefixed`,
		Args: exactArgs(2, "connection NAME and upstream or prefixed"),
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var on bool
		switch args[1] {
		case "upstream":
			on = true
		case "prefixed":
		default:
			return usagef("the second argument is upstream or prefixed, not %q", args[1])
		}
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var res httpapi.MCPNamesResponse
		if err := c.do(cmd.Context(), "POST", "/v1/owner/connections/"+url.PathEscape(args[0])+"/mcp/names",
			httpapi.MCPNamesRequest{UpstreamNames: &on}, &res); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, res)
		}
		what := "prefixed names (CONNECTION.NAME)"
		if res.UpstreamNames {
			what = "the upstream's own names where unambiguous"
		}
		verb := "now serves"
		if !res.Changed {
			verb = "already served"
		}
		fmt.Fprintf(e.stdout, "%s %s its tools, prompts and resources to agents under %s\n", args[0], verb, what)
		return nil
	}
	return cmd
}
