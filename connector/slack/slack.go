// Package slack is the `slack` connector: Slack's Web API (POST or GET
// /api/METHOD with arguments in the query or a form, JSON or multipart
// body), authenticated with a bot (xoxb-) or user (xoxp-) token sent as a
// bearer token.
//
// Resources are conversations: "channel:ID" for a method that acts on a
// channel, DM or group (its channel, channel_id or channels argument);
// "*" for methods that reach the whole workspace (conversations.list,
// users.*, team.info, conversations.create/open, files.info/list/delete,
// files.sharedPublicURL), which only the "*" scope covers; "self" for
// auth.test, which any grant covers (it tells the caller who the token
// is, nothing more); and "upload" for a file upload not yet shared into a
// channel, which any grant covers but which is always held (see below).
// Scopes are "channel:ID[,ID...]" and "*". Methods not in the table are
// unknown operations, denied. Reads and writes are per method, never per
// HTTP verb.
//
// # Approval points
//
// public-claim: a message posted into a conversation shared outside the
// workspace (Slack Connect), or into one with more members than the
// recipient limit. Slack's requests do not say either, so the connector
// learns each channel's is_ext_shared (also is_pending_ext_shared, and
// is_shared without is_org_shared) and num_members from the answers to
// conversations.info, conversations.list and the like that pass through
// it; the owner may also list channels to treat as external in the
// connection's settings ({"external_channels": ["C…"]}). The rule is
// precise, and never sends what it has not checked:
//
//   - A post (chat.postMessage, scheduleMessage, meMessage, update and
//     unfurl; files.upload and files.completeUploadExternal into
//     channels) to a channel known to be external is held at
//     public-claim; the known member counts are its recipients, so a post
//     to an internal channel above the limit is held too.
//   - Before sending a post that was not held as public, Do checks its
//     channels: what it knows is used while younger than ten minutes,
//     otherwise it asks conversations.info (with include_num_members)
//     itself. If a channel is external, or a channel it knew nothing
//     about has members the decision could not count (more than a lone DM
//     recipient), it sends nothing and answers `conflict`; sending the
//     same call again is decided with the facts, and held if they reach a
//     point. A channel that cannot be looked up (the token lacks
//     channels:read, groups:read, im:read or mpim:read) is not posted to.
//     An agent that calls conversations.info with include_num_members=true
//     before its first post to a channel never meets the conflict.
//
// The policy decides before Do runs, so an out-of-scope or read-only post
// is denied with its own code whatever the connector knows. What it learns
// lives in memory, per process: a restarted or second replica learns
// again, and until then checks rather than guesses. A post held for
// another reason (customer data) to a channel not yet learnt is checked
// the same way when the owner approves it, and may then fail with
// `conflict`, to be sent and approved again with the full facts.
//
// customer-data: files.getUploadURLExternal is always held (Share): the
// file's bytes then go straight from the agent to Slack's upload URL,
// where the gateway cannot scan them, so the owner sees the filename and
// size and decides. Every other write, files.upload's content included,
// is scanned by the gateway, and customer data found in it holds the call.
// conversations.inviteShared (sharing a channel with another organisation)
// is held as a share; files.sharedPublicURL (a public link) as a public
// claim.
package slack

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// Type is the connector type name, as in `aos connect slack NAME`.
const Type = "slack"

// DefaultBaseURL is where Slack's Web API methods live.
const DefaultBaseURL = "https://slack.com/api"

// Connector is the slack connector. It is safe for concurrent use. Use
// New.
type Connector struct {
	client   *http.Client
	channels *channelCache
	now      func() time.Time
}

var (
	_ connector.Connector         = (*Connector)(nil)
	_ connector.Rereader          = (*Connector)(nil)
	_ connector.DecidedSender     = (*Connector)(nil)
	_ connector.Inspector         = (*Connector)(nil)
	_ connector.CredentialChecker = (*Connector)(nil)
)

// Option configures a Connector.
type Option func(*Connector)

// WithClock makes the connector read time from now (for tests).
func WithClock(now func() time.Time) Option { return func(k *Connector) { k.now = now } }

// New returns a slack connector whose upstream client never follows
// redirects (connector.NewHTTPClient).
func New(opts ...Option) *Connector {
	k := &Connector{client: connector.NewHTTPClient(), channels: newChannelCache(), now: time.Now}
	for _, o := range opts {
		o(k)
	}
	return k
}

func (k *Connector) httpClient() *http.Client { return connector.ClientOr(k.client) }

// Type returns "slack".
func (k *Connector) Type() string { return Type }

// Describe lists the scope syntax and the methods.
func (k *Connector) Describe() connector.Description {
	return connector.Description{
		Type: Type,
		Summary: "Slack Web API (bot or user token as bearer), at /api/METHOD. The resource is the channel a method acts on. " +
			"Posts to channels shared outside the workspace or above the recipient limit are held at public-claim; " +
			"file uploads whose bytes bypass the gateway are held at customer-data.",
		ScopeSyntax: []string{
			"channel:ID[,ID...] (C…, G… or D… conversation IDs; auth.test and file upload slots are allowed to any grant)",
			"* (workspace-wide: also conversations.list, users.*, team.info, conversations.create/open, files.*)",
		},
		Operations: operations(),
	}
}

// CheckScope validates a scope; see the package function CheckScope.
func (k *Connector) CheckScope(scope string) (string, error) { return CheckScope(scope) }

// Covers reports whether scope covers resource; see the package function
// Covers.
func (k *Connector) Covers(scope, resource string) bool { return Covers(scope, resource) }

// config is a slack connection's settings, kept in Connection.Config.
type config struct {
	// ExternalChannels are treated as shared outside the workspace,
	// whatever Slack says.
	ExternalChannels []string `json:"external_channels,omitempty"`
}

// parseConfig reads settings strictly: one JSON object, known keys only,
// valid conversation IDs. Errors are EBadRequest.
func parseConfig(raw []byte) (*config, error) {
	var cfg config
	if len(bytes.TrimSpace(raw)) == 0 {
		return &cfg, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil || dec.More() {
		return nil, connector.BadRequest(`the slack settings must be JSON such as {"external_channels": ["C0123ABCD"]}`)
	}
	for _, ch := range cfg.ExternalChannels {
		if err := checkChannelID(ch); err != nil {
			return nil, err
		}
	}
	slices.Sort(cfg.ExternalChannels)
	cfg.ExternalChannels = slices.Compact(cfg.ExternalChannels)
	return &cfg, nil
}

func (cfg *config) external(ch string) bool {
	_, ok := slices.BinarySearch(cfg.ExternalChannels, ch)
	return ok
}

// Configure validates and normalises a connection: the base URL (default
// DefaultBaseURL) must be absolute http(s) without user info, query or
// fragment; the auth mode must be empty or "bearer" (stored "bearer");
// the settings, if any, are {"external_channels": [IDs]}, stored in
// normal form. Errors are EBadRequest.
func (k *Connector) Configure(c *aos.Connection) error {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	ep, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return err
	}
	if c.Auth != "" && c.Auth != "bearer" {
		return connector.BadRequest("the slack connector sends its token as a bearer token; --auth %q is not supported", c.Auth)
	}
	cfg, err := parseConfig(c.Config)
	if err != nil {
		return err
	}
	c.Config = nil
	if len(cfg.ExternalChannels) > 0 {
		c.Config, _ = json.Marshal(cfg)
	}
	c.BaseURL, c.Auth = ep.String(), "bearer"
	return nil
}

// settled is a connection's settings parsed: immutable, kept per
// connection version (connector.Configs).
type settled struct {
	ep  *connector.Endpoint
	cfg *config
}

// configs holds the parsed settings of connections, per version.
var configs = connector.NewConfigs(parseSettings)

// settings returns a connection's parsed settings, parsed once per
// connection version.
func settings(c *aos.Connection) (*connector.Endpoint, *config, error) {
	p, err := configs.Get(c)
	if err != nil {
		return nil, nil, err
	}
	return p.ep, p.cfg, nil
}

// parseSettings parses a configured connection. Configure checked it, so
// a failure means the stored connection was altered: internal.
func parseSettings(c *aos.Connection) (*settled, error) {
	ep, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "connection %s has an invalid base URL", c.Name)
	}
	cfg, err := parseConfig(c.Config)
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "connection %s has invalid settings", c.Name)
	}
	return &settled{ep: ep, cfg: cfg}, nil
}

// AnswerHeaderNames are Slack's response headers that pass to the agent
// beyond connector.AnswerHeaders (whose Retry-After the Slack SDKs read
// when rate limited): its request ids and back-off hint, and the scopes
// the token holds and the method accepts, from which the SDKs fill
// response_metadata.scopes and explain a missing_scope error. They name
// scopes, never the token.
func (*Connector) AnswerHeaderNames() []string {
	return []string{"X-Slack-Req-Id", "X-Slack-Unique-Id", "X-Slack-Backoff", "X-Oauth-Scopes", "X-Accepted-Oauth-Scopes"}
}

var _ connector.VendorHeaders = (*Connector)(nil)
