package mcp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// definition is what is pinned of a tool: everything an agent or the
// policy reads of it. Icons and _meta are left out.
type definition struct {
	Name         string               `json:"name"`
	Title        string               `json:"title,omitempty"`
	Description  string               `json:"description,omitempty"`
	InputSchema  any                  `json:"inputSchema"`
	OutputSchema any                  `json:"outputSchema,omitempty"`
	Annotations  *sdk.ToolAnnotations `json:"annotations,omitempty"`
}

// canonical returns a tool's definition as canonical JSON (object keys
// sorted, as encoding/json writes maps) and its SHA-256, hex.
func canonical(t *sdk.Tool) (json.RawMessage, string, error) {
	d := definition{Name: t.Name, Title: t.Title, Description: t.Description, InputSchema: t.InputSchema,
		OutputSchema: t.OutputSchema, Annotations: t.Annotations}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, "", aos.Errorf(aos.EUpstream, "the definition of tool %.128q cannot be encoded", t.Name)
	}
	// Round trip through generic values: schemas arrive as maps already,
	// but a definition built by hand may hold structs.
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, "", aos.Errorf(aos.EUpstream, "the definition of tool %.128q cannot be encoded", t.Name)
	}
	b, _ = json.Marshal(v)
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:]), nil
}

// digestOf is the digest of a tool's definition as canonical computes it,
// remembered per definition the upstream listed (a listing's tools are
// never changed), so that a call does not encode its tool again.
func digestOf(t *sdk.Tool) (string, error) {
	if d, ok := digests.Load(t); ok {
		return d.(string), nil
	}
	_, d, err := canonical(t)
	if err != nil {
		return "", err
	}
	if digestCount.Add(1) > maxDigests {
		digests.Clear()
		digestCount.Store(0)
	}
	digests.Store(t, d)
	return d, nil
}

var (
	digests     sync.Map // *sdk.Tool → string
	digestCount atomic.Int64
)

const maxDigests = 10000

// proposesRead reports whether the upstream's annotations say a tool only
// reads. A tool without annotations does not.
func proposesRead(t *sdk.Tool) bool {
	return t.Annotations != nil && t.Annotations.ReadOnlyHint
}

// withSession runs f on a session with the upstream outside the
// supervisor: connecting and accepting ask the upstream once, with the
// credential given, and stop it again.
func (k *Connector) withSession(ctx context.Context, c *aos.Connection, cfg *config, secret vault.Secret,
	f func(*session) error) error {
	u := &upstream{k: k, name: c.Name}
	s, err := u.get(ctx, c, cfg, secret)
	if err != nil {
		return err
	}
	defer u.stop()
	return f(s)
}

// Pin lists the upstream's tools at connect and pins every one of them
// in c.Config with the owner's decisions: --read-tools (and "annotated"
// for every tool whose annotations say read-only), --write-tools, the rest
// write; --tool-points. A decision naming a tool the upstream does not
// offer is an error, so that a typo never leaves a tool unguarded.
func (k *Connector) Pin(ctx context.Context, c *aos.Connection, secret vault.Secret) error {
	cfg, err := parseConfig(c.Config)
	if err != nil {
		return err
	}
	var tools map[string]*sdk.Tool
	var caps *sdk.ServerCapabilities
	err = k.withSession(ctx, c, cfg, secret, func(s *session) error {
		if r := s.cs.InitializeResult(); r != nil {
			caps = r.Capabilities
		}
		tools, err = s.tool0(ctx)
		return err
	})
	if err != nil {
		return err
	}
	for _, list := range [][]string{cfg.ReadTools, cfg.WriteTools} {
		for _, n := range list {
			if n != annotated && tools[n] == nil {
				return connector.BadRequest("the upstream of %s has no tool %q (it has: %s)", c.Name, n, toolNames(tools))
			}
		}
	}
	for n := range cfg.ToolPoints {
		if tools[n] == nil {
			return connector.BadRequest("the upstream of %s has no tool %q (it has: %s)", c.Name, n, toolNames(tools))
		}
	}
	names := make([]string, 0, len(tools))
	for n := range tools {
		names = append(names, n)
	}
	sort.Strings(names)
	pins := make([]*pin, 0, len(names))
	for _, n := range names {
		t := tools[n]
		def, digest, err := canonical(t)
		if err != nil {
			return err
		}
		access := aos.Write
		if slices.Contains(cfg.ReadTools, n) || slices.Contains(cfg.ReadTools, annotated) && proposesRead(t) && !slices.Contains(cfg.WriteTools, n) {
			access = aos.Read
		}
		points, _ := parsePoints(cfg.ToolPoints[n])
		pins = append(pins, &pin{Name: n, Access: access, Points: points, Digest: digest, Definition: def})
	}
	stored := &config{Argv: cfg.Argv, Tools: pins, UpstreamNames: cfg.UpstreamNames}
	if caps != nil {
		stored.Resources, stored.Prompts, stored.Completions = caps.Resources != nil, caps.Prompts != nil, caps.Completions != nil
	}
	if c.Config, err = json.Marshal(stored); err != nil {
		return aos.Errorf(aos.EInternal, "cannot encode the mcp settings")
	}
	if len(c.Config) > maxSettings {
		return aos.Errorf(aos.ETooLarge, "the upstream's tool definitions are larger than %d MiB", maxSettings>>20)
	}
	return nil
}

// tool0 lists the tools the session started with.
func (s *session) tool0(ctx context.Context) (map[string]*sdk.Tool, error) {
	s.mu.Lock()
	tools := s.tools
	s.mu.Unlock()
	if tools != nil {
		return tools, nil
	}
	return s.listTools(ctx)
}

func toolNames(tools map[string]*sdk.Tool) string {
	var ns []string
	for n := range tools {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	if len(ns) > 20 {
		ns = append(ns[:20], "…")
	}
	if len(ns) == 0 {
		return "none"
	}
	return strings.Join(ns, ", ")
}

// Accept pins the upstream's current definition of tool, at access (empty:
// the access it was pinned with, or write for a new tool) with points
// (nil: those it had), and returns the new settings with what the
// evidence records: the tool, its access and points, the old and new
// digests.
func (k *Connector) Accept(ctx context.Context, c *aos.Connection, secret vault.Secret, tool string, access aos.Access, points []aos.ApprovalPoint) ([]byte, map[string]string, error) {
	if err := checkToolName(tool); err != nil {
		return nil, nil, err
	}
	if access != "" && !access.Valid() {
		return nil, nil, connector.BadRequest("access is read or write")
	}
	names := make([]string, len(points))
	for i, p := range points {
		names[i] = string(p)
	}
	if _, err := parsePoints(names); err != nil {
		return nil, nil, err
	}
	if _, err := settings(c); err != nil {
		return nil, nil, err
	}
	cfg, err := parseConfig(c.Config) // a copy of its own: it is changed below
	if err != nil {
		return nil, nil, err
	}
	var t *sdk.Tool
	err = k.withSession(ctx, c, cfg, secret, func(s *session) error {
		tools, err := s.tool0(ctx)
		t = tools[tool]
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if t == nil {
		return nil, nil, aos.Errorf(aos.ENotFound, "the upstream of %s has no tool %q", c.Name, tool)
	}
	def, digest, err := canonical(t)
	if err != nil {
		return nil, nil, err
	}
	attrs := map[string]string{"tool": tool, "digest": digest}
	p := cfg.pin(tool)
	if p == nil {
		p = &pin{Name: tool, Access: aos.Write}
		cfg.Tools = append(cfg.Tools, p)
		sort.Slice(cfg.Tools, func(i, j int) bool { return cfg.Tools[i].Name < cfg.Tools[j].Name })
		attrs["new"] = "true"
	} else {
		attrs["previous_digest"] = p.Digest
	}
	if access != "" {
		p.Access = access
	}
	if points != nil {
		p.Points = points
	}
	p.Digest, p.Definition = digest, def
	attrs["access"] = string(p.Access)
	if len(p.Points) > 0 {
		ps := make([]string, len(p.Points))
		for i, x := range p.Points {
			ps[i] = string(x)
		}
		attrs["points"] = strings.Join(ps, ",")
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, nil, aos.Errorf(aos.EInternal, "cannot encode the mcp settings")
	}
	// The connection's own upstream keys on its settings: the next call
	// starts one that knows the new pin.
	return b, attrs, nil
}

// Inspect lists the upstream's tools: Kind names the server, Scopes its
// tools, Resources the tools as resources ("tool:NAME"), CanWrite whether
// any pinned tool is write. Nothing an MCP credential holds limits what
// it reaches, so the review compares the tools with the grants.
func (k *Connector) Inspect(ctx context.Context, c *aos.Connection, secret vault.Secret) (*connector.CredentialInfo, error) {
	cfg, err := settings(c)
	if err != nil {
		return nil, err
	}
	info := &connector.CredentialInfo{Kind: "mcp server"}
	err = k.withSession(ctx, c, cfg, secret, func(s *session) error {
		tools, err := s.tool0(ctx)
		if err != nil {
			return err
		}
		if r := s.cs.InitializeResult(); r != nil && r.ServerInfo != nil {
			info.Kind = "mcp server " + brief(r.ServerInfo.Name+" "+r.ServerInfo.Version)
		}
		for n := range tools {
			info.Scopes = append(info.Scopes, n)
			info.Resources = append(info.Resources, "tool:"+n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(info.Scopes)
	sort.Strings(info.Resources)
	for _, p := range cfg.Tools {
		if p.Access == aos.Write {
			info.CanWrite = true
		}
	}
	return info, nil
}
