// Package connector defines what a connector teaches the gateway about one
// kind of tool: its scope syntax, how a request maps to an operation on a
// resource with approval facts, and how a call is sent upstream with the
// connection's credential. One subpackage per tool implements it.
package connector

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
)

// HTTPRequest is an agent's proxied request as the transport received it,
// relative to the connection: for GET /v1/proxy/crm/v1/contacts?x=1 the
// RawPath is "/v1/contacts" and RawQuery "x=1". RawPath is still escaped,
// exactly as the client sent it; canonicalising it is the connector's job.
type HTTPRequest struct {
	Method   string
	RawPath  string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// Call is a request as a connector understood it: what it does, on which
// resource, with which facts, and the upstream request that carries it out.
type Call struct {
	Operation aos.Operation
	// Resource is canonical, in the connector's scope syntax.
	Resource string
	Facts    aos.Facts
	// Upstream is the request to send, without the credential.
	Upstream *Outbound
	// Parsed is the connector's own reading of Upstream, made when the
	// request was mapped (or read again by Recheck), for its Do: what Do
	// needs beyond the bytes it sends, such as the branch a write
	// targets or the channels a post goes to, so that Do never parses the
	// request again. It is never sealed or compared; nil when the
	// connector needs nothing.
	Parsed any
}

// Outbound is an upstream HTTP request. URL is absolute and always under the
// connection's base URL.
type Outbound struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
}

// SameFacts reports whether two calls' facts agree on everything a
// connector reads from a request (not the customer data and PII findings
// the gateway adds).
func SameFacts(a, b aos.Facts) bool {
	return a.Amount == b.Amount && a.Currency == b.Currency && a.AmountUnknown == b.AmountUnknown &&
		a.Recipients == b.Recipients && a.Public == b.Public && a.Production == b.Production &&
		a.Export == b.Export && a.Share == b.Share && a.TrainingOptIn == b.TrainingOptIn
}

// CheckDecided compares the call a connector is about to send, as it
// reads it again (again), with the call the policy decided on (decided),
// and is the one place where a difference becomes an error:
// EUnknownOperation for another operation, EOutOfScope for another
// resource, EUnknownOperation for other approval facts (SameFacts; the
// request is then not the operation that was authorised). Nothing may be
// sent when it returns an error.
func CheckDecided(decided, again *Call) error {
	switch {
	case again.Operation.Name != decided.Operation.Name || again.Operation.Access != decided.Operation.Access:
		return aos.Errorf(aos.EUnknownOperation, "the upstream request is %s, not the operation %s that was authorised",
			again.Operation.Name, decided.Operation.Name)
	case again.Resource != decided.Resource:
		return aos.Errorf(aos.EOutOfScope, "the upstream request acts on %s, not on %s that was authorised",
			again.Resource, decided.Resource)
	case !SameFacts(again.Facts, decided.Facts):
		return aos.Errorf(aos.EUnknownOperation, "the upstream request's approval facts are not those that were authorised")
	}
	return nil
}

// Response is what the upstream answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Stream, when not nil, is the body instead of Body (which is then
	// nil): an answer streamed to the agent without being held (see
	// WithStreaming). Whoever has the Response last reads it and closes it.
	Stream io.ReadCloser
	// Customers is how many customers the connector counted in the answer
	// of a connection that holds customer data; 0 when it does not count.
	// The gateway adds it to the agent's running total (see
	// WithCustomerAllowance).
	Customers int64
}

// MaxBody bounds request and response bodies passing through the gateway.
const MaxBody = 32 << 20

// Connector is one kind of tool. Implementations must be safe for
// concurrent use. Errors returned to callers are *aos.Error values:
// EBadRequest for malformed input, EUnknownOperation for a request the
// connector does not know (which is denied), EOutOfScope for a request that
// could only reach outside any scope (such as a path escaping the base URL),
// EUpstream when the upstream cannot be reached.
type Connector interface {
	// Type is the connector type name, as in `aos connect TYPE`.
	Type() string
	// Describe lists the scope syntax and operations for `aos connectors`.
	Describe() Description
	// Configure validates and normalises a connection's settings (base URL,
	// auth mode, config) at connect time.
	Configure(c *aos.Connection) error
	// CheckScope validates a scope pattern and returns its canonical form.
	CheckScope(scope string) (string, error)
	// Covers reports whether a granted scope covers a canonical resource.
	// It must be pure: the policy calls it while deciding.
	Covers(scope, resource string) bool
	// FromCall maps a POST /v1/call request.
	FromCall(c *aos.Connection, operation string, args json.RawMessage) (*Call, error)
	// Do sends call upstream, authenticated with secret, and returns the
	// upstream's answer (any status). It removes whatever the agent sent in
	// the credential's place, and never sends to a host other than the
	// connection's base URL.
	Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *Call) (*Response, error)
}

// HTTPMapper is implemented by connectors of HTTP APIs, which agents may
// also reach through the proxy (/v1/proxy/NAME/...). A connector that is
// not HTTP-shaped (email, postgres) does not implement it, and the
// gateway refuses proxied requests to its connections.
type HTTPMapper interface {
	// FromHTTP maps a proxied request.
	FromHTTP(c *aos.Connection, r *HTTPRequest) (*Call, error)
}

// Description is what `aos connectors` shows of a connector.
type Description struct {
	Type        string          `json:"type"`
	Summary     string          `json:"summary"`
	ScopeSyntax []string        `json:"scope_syntax"`
	Operations  []aos.Operation `json:"operations"`
}

// Registry maps connector types to connectors.
type Registry map[string]Connector

// Lookup returns the connector of a type, or EBadRequest.
func (r Registry) Lookup(typ string) (Connector, error) {
	if c, ok := r[typ]; ok {
		return c, nil
	}
	return nil, aos.Errorf(aos.EBadRequest, "unknown connector type %q (see `aos connectors`)", typ)
}

// Types returns the registered types in order.
func (r Registry) Types() []string {
	var ts []string
	for t := range r {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// Inspector is implemented by connectors that can learn from the upstream
// what a credential really allows (a Stripe secret key versus a restricted
// key, a classic GitHub token versus a fine-grained one, Slack scopes). The
// owner's inventory and access review compare that with the grants that
// use it: a credential broader than its grants is reported.
type Inspector interface {
	// Inspect asks the upstream (read-only) about secret. It must not
	// return or log the secret itself.
	Inspect(ctx context.Context, c *aos.Connection, secret vault.Secret) (*CredentialInfo, error)
}

// CredentialInfo is what a credential allows, as far as the upstream says.
// It lives in the root package, where credentials record it; this alias
// keeps connectors written against connector.CredentialInfo compiling.
type CredentialInfo = aos.CredentialInfo

// CredentialChecker is implemented by connectors that can tell a malformed
// credential at connect time, before it is sealed.
type CredentialChecker interface {
	CheckCredential(c *aos.Connection, secret vault.Secret) error
}

// Redecide is the error Do returns, having sent nothing, when asking the
// upstream showed that the call is not what the decision was made on: the
// channel of a post turned out to be shared outside the workspace, the
// branch a merge targets is now the default one. The connector keeps what
// it learnt, so that mapping the same request again describes it truly;
// the gateway then maps it again and decides again, once.
type Redecide struct {
	// Reason says what the upstream showed, for the evidence and the agent.
	Reason string
	// Call, if set, is the call as the upstream showed it to be (a
	// statement whose plan reaches more tables than it names): the gateway
	// decides on it instead of mapping the request again. It may only ask
	// for more than the original call, never less.
	Call *Call
}

func (r *Redecide) Error() string { return "the call must be decided again: " + r.Reason }

// Compound is implemented by connectors whose resources can name several
// things at once: a join of two tables, an association of two object
// types, a Stripe request that expands other objects. Items splits such a
// resource into resources that grants cover one by one, so that a call is
// allowed when each item is covered by some grant (one grant per table is
// enough; no grant has to cover them all). Items of a resource that is not
// canonical is empty, and the call is denied.
type Compound interface {
	Items(resource string) []string
}

// KeyRevoker is implemented by connectors whose upstream can revoke a
// credential through its own API (Slack's auth.revoke). The exposed-key
// runbook calls it with the retired secret. Detail is what the upstream
// answered, caller-safe: never the secret.
type KeyRevoker interface {
	RevokeKey(ctx context.Context, c *aos.Connection, secret vault.Secret) (detail string, err error)
}

// KeyChecker is implemented by connectors that can ask the upstream,
// read-only, whether it still accepts a credential (GitHub's GET /user,
// Stripe's GET /v1/balance). live is false only when the upstream refused
// the credential as unknown, revoked or expired; an upstream that cannot
// be asked is an error. Detail is caller-safe: never the secret.
type KeyChecker interface {
	CheckKey(ctx context.Context, c *aos.Connection, secret vault.Secret) (live bool, detail string, err error)
}

// FactFinder is implemented by connectors whose requests can leave a fact
// to the upstream: a Stripe refund names no currency (it is the charge's)
// and, refunding the whole charge, no amount. The gateway calls FindFacts
// before deciding on a call that the grants allow but that would be held
// because its amount could not be read, with the connection's credential.
//
// This is not Redecide: nothing has been decided or authorised yet, and
// the answer may lower what the call is held for. So the facts learnt
// must be stated by the call FindFacts returns: its request says them
// (the refund with the charge's currency and, for a whole refund, the
// amount left to refund), Do reads them from it like any other request,
// and the upstream is held to them (Stripe refuses a refund larger than
// what is left). The lookup is a read the connector makes for the
// gateway; nothing of it reaches the agent but the decision, and the
// gateway records it in the evidence.
type FactFinder interface {
	// FindFacts returns nil when there is nothing it can learn for call.
	// Otherwise Learnt says what it read and learnt, or why the facts
	// stay unknown. An error is a lookup that failed (the upstream could
	// not be reached or refused): the call stays held, with the error's
	// message as the reason; it must never hold the secret.
	FindFacts(ctx context.Context, c *aos.Connection, secret vault.Secret, call *Call) (*Learnt, error)
}

// Learnt is what a FactFinder learnt.
type Learnt struct {
	// Call is the call stating what was learnt; nil when nothing was.
	Call *Call
	// From says what was read ("GET /v1/charges/ch_123"), and Detail what
	// it showed that the decision is made on ("currency USD, amount
	// 10000, refunded 2500"), for the evidence.
	From, Detail string
	// Reason says, when Call is nil, why the facts stay unknown, for the
	// owner ("charge ch_123 was not found").
	Reason string
}
