// Package mcp is the `mcp` connector: it fronts an upstream Model Context
// Protocol server, started as a local command that speaks MCP on stdio
// (`aos connect mcp NAME --command "..."`) or reached over streamable HTTP
// (`--base-url https://...`), with the official Go SDK as its client.
//
// # Operations and scope
//
// Each upstream tool is an operation named after the tool, read or write.
// The upstream's annotations propose (readOnlyHint), the owner decides at
// connect: --read-tools and --write-tools name tools, and the keyword
// "annotated" in --read-tools confirms every readOnlyHint the upstream
// states. Any other tool, a tool without annotations among them, is write.
// The resource of a call is "tool:NAME"; scopes are "tool:NAME[,NAME...]",
// "tool:*" and "*".
//
// # Pinning
//
// At connect the connector lists the upstream's tools and pins each:
// its definition (name, title, description, input and output schemas,
// annotations), the digest of that definition, its access and the
// approval points the owner attached to it (--tool-points). The pins are
// the connection's settings, whose digest is part of the state the
// evidence log records. A tool that is not pinned, or whose definition the
// upstream now states differently, is not served: FromCall and Do refuse
// it with tool_not_accepted until the owner accepts it (`aos mcp accept
// NAME TOOL`), which pins its current definition, recorded in the
// evidence. So an upstream cannot change what a grant meant.
//
// # Credentials
//
// The credential is sealed like any other. For a stdio upstream it is
// environment variables, one KEY=VALUE a line, given to the command and
// to nothing else; the command runs with only those and a few harmless
// variables of the server's own (PATH, HOME, locale), never the server's
// environment. For an HTTP upstream it is header lines ("Name: value"),
// or a bare token sent as a bearer token. "none" says the upstream needs
// no secret.
//
// # Supervision
//
// A stdio upstream is started on the first call, shared by the calls that
// follow, restarted with backoff when it exits, and stopped on disconnect
// (Release), on rotation, and when the server shuts down (Close). Its
// stderr goes to the server's log, never to an agent.
package mcp

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// Type is the connector type name, as in `aos connect mcp NAME`.
const Type = "mcp"

// Connector is the mcp connector. It is safe for concurrent use. Use New.
type Connector struct {
	logger *slog.Logger
	client *http.Client
	now    func() time.Time
	// StartTimeout bounds starting an upstream and listing its tools.
	startTimeout time.Duration

	mu        sync.Mutex
	upstreams map[int64]*upstream
	closed    bool

	// watchOps orders the upstream subscribes and unsubscribes of
	// watchers; watchMu guards watching (see subscribe.go).
	watchOps sync.Mutex
	watchMu  sync.Mutex
	watching watching
}

var (
	_ connector.Connector         = (*Connector)(nil)
	_ connector.Inspector         = (*Connector)(nil)
	_ connector.CredentialChecker = (*Connector)(nil)
	_ connector.Pinner            = (*Connector)(nil)
	_ connector.Releaser          = (*Connector)(nil)
	_ connector.DecidedSender     = (*Connector)(nil)
	_ connector.Rereader          = (*Connector)(nil)
)

// Option configures a Connector.
type Option func(*Connector)

// WithLogger sends the upstreams' stderr and the supervisor's notes to l.
func WithLogger(l *slog.Logger) Option { return func(k *Connector) { k.logger = l } }

// WithHTTPClient sets the client of HTTP upstreams (for tests); it must
// not follow redirects.
func WithHTTPClient(c *http.Client) Option { return func(k *Connector) { k.client = c } }

// New returns an mcp connector.
func New(opts ...Option) *Connector {
	k := &Connector{client: connector.NewHTTPClient(), now: time.Now, startTimeout: 30 * time.Second,
		upstreams: map[int64]*upstream{}, watching: watching{}}
	for _, o := range opts {
		o(k)
	}
	return k
}

func (k *Connector) log() *slog.Logger {
	if k.logger != nil {
		return k.logger
	}
	return slog.Default()
}

// Type returns "mcp".
func (k *Connector) Type() string { return Type }

// Describe says what the connector does; its operations are each
// connection's pinned tools, listed by `aos connections` and the agent's
// MCP endpoint, not here.
func (k *Connector) Describe() connector.Description {
	return connector.Description{
		Type: Type,
		Summary: "An upstream MCP server: a stdio command (--command) or streamable HTTP (--base-url). " +
			"Each upstream tool is an operation, read or write as the owner decided at connect (--read-tools, --write-tools; " +
			"no annotations means write); tool definitions are pinned at connect and a changed or new tool is not served " +
			"until `aos mcp accept NAME TOOL`. --tool-points TOOL=POINT[,POINT] holds every call of a tool at those points.",
		ScopeSyntax: []string{"tool:NAME[,NAME...]", "tool:* (every pinned tool)", "*"},
		Operations:  []aos.Operation{},
	}
}
