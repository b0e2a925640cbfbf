package mcp

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// config is an mcp connection's settings, kept in Connection.Config. The
// owner sends command (or argv), read_tools, write_tools, tool_points and
// upstream_names; Pin turns the tool decisions into tools, the pins, and
// stores argv, tools and upstream_names.
type config struct {
	// Command is the stdio upstream's command line as the owner wrote it;
	// Configure splits it into Argv.
	Command string   `json:"command,omitempty"`
	Argv    []string `json:"argv,omitempty"`

	ReadTools  []string            `json:"read_tools,omitempty"`
	WriteTools []string            `json:"write_tools,omitempty"`
	ToolPoints map[string][]string `json:"tool_points,omitempty"`

	Tools []*pin `json:"tools,omitempty"`
	// Resources and Prompts say whether the upstream offered them at
	// connect.
	Resources bool `json:"resources,omitempty"`
	Prompts   bool `json:"prompts,omitempty"`
	// Completions says whether it offered completions of prompt and
	// resource template arguments.
	Completions bool `json:"completions,omitempty"`
	// UpstreamNames asks /mcp to serve the upstream's tools, prompts and
	// resources to agents under the upstream's own names rather than
	// CONNECTION.NAME and aos://CONNECTION/URI, where they are
	// unambiguous (connector.UpstreamNamer; mcpapi decides).
	UpstreamNames bool `json:"upstream_names,omitempty"`
}

// pin is one tool as the owner accepted it.
type pin struct {
	Name   string              `json:"name"`
	Access aos.Access          `json:"access"`
	Points []aos.ApprovalPoint `json:"points,omitempty"`
	// Digest is the SHA-256 of Definition, hex.
	Digest string `json:"digest"`
	// Definition is the tool's canonical definition (see definition).
	Definition json.RawMessage `json:"definition"`
}

// annotated is the keyword of --read-tools that confirms every
// readOnlyHint the upstream states.
const annotated = "annotated"

// maxSettings bounds the settings an owner sends and the pins stored.
const maxSettings = 4 << 20

func (cfg *config) stdio() bool { return len(cfg.Argv) > 0 }

func (cfg *config) pin(name string) *pin {
	for _, p := range cfg.Tools {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// parseConfig reads settings strictly: one JSON object, known keys only.
func parseConfig(raw []byte) (*config, error) {
	var cfg config
	if len(bytes.TrimSpace(raw)) == 0 {
		return &cfg, nil
	}
	if len(raw) > maxSettings {
		return nil, aos.Errorf(aos.ETooLarge, "the mcp settings are larger than %d MiB", maxSettings>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, connector.BadRequest(`the mcp settings must be JSON such as {"command": "npx -y server", "read_tools": ["a"]} (%s)`, jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, connector.BadRequest("the mcp settings must be one JSON object")
	}
	return &cfg, nil
}

func jsonProblem(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "unknown field"); i >= 0 {
		return msg[i:]
	}
	return "invalid JSON"
}

// Configure validates and normalises a connection. A stdio upstream has a
// command (settings "command", split as a shell would split words, with
// quotes but no expansion) and the base URL "stdio:" followed by the
// command; an HTTP upstream has an absolute https base URL (plain http
// only to this machine) and no command. The tool decisions are checked
// for shape here and against the upstream by Pin. Errors are EBadRequest.
func (k *Connector) Configure(c *aos.Connection) error {
	cfg, err := parseConfig(c.Config)
	if err != nil {
		return err
	}
	if c.Auth != "" {
		return connector.BadRequest("the mcp connector takes no --auth: an HTTP upstream's credential is its header lines")
	}
	if cfg.Command != "" {
		if len(cfg.Argv) > 0 {
			return connector.BadRequest("give the command once: command or argv")
		}
		if cfg.Argv, err = SplitCommand(cfg.Command); err != nil {
			return err
		}
		cfg.Command = ""
	}
	base, isStdio := strings.CutPrefix(c.BaseURL, "stdio:")
	switch {
	case len(cfg.Argv) > 0 && c.BaseURL != "" && !isStdio:
		return connector.BadRequest("an mcp upstream is a command (--command) or a URL (--base-url), not both")
	case len(cfg.Argv) > 0 && isStdio && base != "" && base != joinCommand(cfg.Argv):
		return connector.BadRequest("the base URL of a stdio upstream is its command")
	case len(cfg.Argv) > 0:
		for _, a := range cfg.Argv {
			if strings.IndexByte(a, 0) >= 0 || !utf8Printable(a) {
				return connector.BadRequest("the command holds a control character")
			}
		}
		c.BaseURL = "stdio:" + joinCommand(cfg.Argv)
	case c.BaseURL == "" || isStdio:
		return connector.BadRequest("an mcp upstream needs --command \"...\" (stdio) or --base-url https://... (streamable HTTP)")
	default:
		ep, err := connector.ParseBaseURL(c.BaseURL, func(p string) (string, error) { return p, nil })
		if err != nil {
			return err
		}
		if ep.Scheme != "https" && !connector.IsLoopback(hostname(ep.Host)) {
			return connector.BadRequest("an HTTP upstream is reached over https (plain http only on this machine)")
		}
		c.BaseURL = ep.String()
	}
	if err := checkDecisions(cfg); err != nil {
		return err
	}
	for _, p := range cfg.Tools {
		if p.Name == "" || !p.Access.Valid() || p.Digest == "" || len(p.Definition) == 0 {
			return connector.BadRequest("the settings hold a malformed tool pin")
		}
	}
	c.Config, err = json.Marshal(cfg)
	if err != nil {
		return aos.Errorf(aos.EInternal, "cannot encode the mcp settings")
	}
	return nil
}

// checkDecisions checks the owner's tool decisions for shape: tool names,
// no tool both read and write, known approval points.
func checkDecisions(cfg *config) error {
	for _, n := range cfg.ReadTools {
		if n != annotated {
			if err := checkToolName(n); err != nil {
				return err
			}
		}
		if slices.Contains(cfg.WriteTools, n) {
			return connector.BadRequest("tool %q is named both read and write", n)
		}
	}
	for _, n := range cfg.WriteTools {
		if err := checkToolName(n); err != nil {
			return err
		}
	}
	for n, ps := range cfg.ToolPoints {
		if err := checkToolName(n); err != nil {
			return err
		}
		if _, err := parsePoints(ps); err != nil {
			return err
		}
	}
	return nil
}

// parsePoints reads approval point names; audit-edit belongs to the
// gateway and cannot be attached to a tool.
func parsePoints(names []string) ([]aos.ApprovalPoint, error) {
	var ps []aos.ApprovalPoint
	for _, n := range names {
		p := aos.ApprovalPoint(strings.TrimSpace(n))
		switch p {
		case aos.PointMoney, aos.PointPublicClaim, aos.PointCustomerData, aos.PointProduction:
		default:
			return nil, connector.BadRequest("%.40q is not an approval point a tool can raise (money, public-claim, customer-data, production)", n)
		}
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// checkToolName accepts MCP tool names: 1 to 128 of letters, digits, '_',
// '-', '.' and '/'.
func checkToolName(n string) error {
	if n == "" || len(n) > 128 || strings.ContainsFunc(n, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("_-./", r))
	}) {
		return connector.BadRequest("%.140q is not an MCP tool name", n)
	}
	return nil
}

// hostname is host without its port.
func hostname(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return strings.Trim(host, "[]")
}

func utf8Printable(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r == unicode.ReplacementChar || unicode.IsControl(r) })
}

// settings parses a configured connection; Configure checked it, so a
// failure means the stored connection was altered: internal. The result
// is shared by every call of the same settings (parsed once, as the pins
// of a large server are tens of kilobytes): callers must not change it.
func settings(c *aos.Connection) (*config, error) {
	key := maphash.Bytes(settingsSeed, c.Config)
	if v, ok := parsedSettings.Load(key); ok && bytes.Equal(v.(*parsed).raw, c.Config) {
		cfg := v.(*parsed).cfg
		if len(cfg.Argv) == 0 && !strings.HasPrefix(c.BaseURL, "http") {
			return nil, aos.Errorf(aos.EInternal, "connection %s has invalid mcp settings", c.Name)
		}
		return cfg, nil
	}
	cfg, err := parseConfig(c.Config)
	if err != nil || len(cfg.Argv) == 0 && !strings.HasPrefix(c.BaseURL, "http") {
		return nil, aos.Errorf(aos.EInternal, "connection %s has invalid mcp settings", c.Name)
	}
	if parsedCount.Add(1) > maxParsed {
		parsedSettings.Clear()
		parsedCount.Store(0)
	}
	parsedSettings.Store(key, &parsed{raw: bytes.Clone(c.Config), cfg: cfg})
	return cfg, nil
}

// parsedSettings holds parsed settings by a hash of their bytes, each with
// those bytes, which a hit must equal (the hash is fast, not
// collision-resistant); it is emptied when it holds more than maxParsed.
var (
	parsedSettings sync.Map // uint64 → *parsed
	parsedCount    atomic.Int64
	settingsSeed   = maphash.MakeSeed()
)

type parsed struct {
	raw []byte
	cfg *config
}

const maxParsed = 256

// SplitCommand splits a command line into words as a POSIX shell would,
// with single and double quotes and backslashes, but without expanding
// anything: the upstream runs without a shell. Errors are EBadRequest.
func SplitCommand(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
		quote rune
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch {
			case r == '"':
				quote = 0
			case r == '\\' && i+1 < len(rs) && strings.ContainsRune(`"\$`+"`", rs[i+1]):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == '\\':
			if i+1 < len(rs) {
				i++
				cur.WriteRune(rs[i])
				in = true
			}
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, connector.BadRequest("the command has an unclosed quote")
	}
	if in {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, connector.BadRequest("the command is empty")
	}
	return words, nil
}

// joinCommand writes argv back as one line, quoting words that need it.
func joinCommand(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`") {
			b.WriteString(a)
			continue
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(a, "'", `'\''`))
		b.WriteByte('\'')
	}
	return b.String()
}
