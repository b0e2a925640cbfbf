// Package gateway is the call pipeline: it authenticates an agent, resolves
// the connection, lets the connector map the request to an operation on a
// resource, asks the policy, writes the evidence, and only then opens the
// credential and calls the upstream. Transports (the HTTP proxy, /v1/call,
// MCP) all call into it, so every path through the boundary is the same.
package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/policy"
	"github.com/aos-dev/aos/vault"
)

// Gateway runs calls through the boundary. Its fields are set once, before use.
type Gateway struct {
	Store      aos.Store
	Log        aos.EvidenceLog
	Vault      *vault.Vault
	Connectors connector.Registry
	Approvals  *approval.Service
	Now        func() time.Time
	Logger     *slog.Logger
	// MaxPending bounds the calls one agent may have waiting for the
	// owner; DefaultMaxPending if zero.
	MaxPending int
	// MaxHeldRequest bounds, in bytes (HeldSize), the request a call may
	// be held with; DefaultMaxHeldRequest if zero.
	MaxHeldRequest int
	// Observer, if set, is told how long upstreams take (see Observer).
	Observer Observer

	echoes    echoWarnings
	sending   inflight
	redactors redactors
	state     stateCache
	absentFPs absentFingerprints
	scans     scanMemo
	usedMu    sync.Mutex
	used      lastUsed
}

// Outcome is what became of a call: the upstream's response, or the
// approval it is held at.
type Outcome struct {
	Response *connector.Response
	Held     *aos.Approval
}

// Meta is what an agent says about a call, shown to the owner if it is held.
type Meta struct {
	Purpose        string   `json:"purpose,omitempty"`
	Recommendation string   `json:"recommendation,omitempty"`
	Alternatives   []string `json:"alternatives,omitempty"`
}

// Authenticate returns the principal holding token.
// Errors: EUnauthenticated.
func (g *Gateway) Authenticate(ctx context.Context, token string) (*aos.Principal, error) {
	if !aos.LooksLikeToken(token) {
		return nil, aos.Errorf(aos.EUnauthenticated, "missing or malformed token")
	}
	hash := aos.HashToken(token)
	cache, gen := g.cached()
	if cache != nil {
		if p := cache.principal(gen, string(hash)); p != nil && aos.TokenHashEqual(p.TokenHash, hash) {
			return p, nil
		}
	}
	p, err := g.principalByHash(ctx, hash)
	if err == nil && cache != nil {
		cache.putPrincipal(gen, string(hash), p)
	}
	return p, err
}

// principalByHash reads the principal with the token hash from the store.
func (g *Gateway) principalByHash(ctx context.Context, hash []byte) (*aos.Principal, error) {
	var p *aos.Principal
	err := g.Store.View(ctx, func(tx aos.Tx) (err error) {
		p, err = tx.PrincipalByTokenHash(ctx, hash)
		return err
	})
	if aos.ErrorCode(err) == aos.ENotFound || err == nil && !aos.TokenHashEqual(p.TokenHash, hash) {
		return nil, aos.Errorf(aos.EUnauthenticated, "unknown token")
	}
	return p, err
}

// Proxy runs a proxied HTTP request on connection conn.
//
// When ctx comes from StreamAnswers, the Response of an allowed call may
// be a stream (Response.Stream; Body nil): when nothing but the echo
// redactor reads the answer (the connection holds no customer data and its
// connector is a connector.AnswerStreamer). The caller must then read it
// and close it; the call's outcome is recorded on Close.
func (g *Gateway) Proxy(ctx context.Context, p *aos.Principal, conn string, r *connector.HTTPRequest, m Meta) (*Outcome, error) {
	return g.run(ctx, p, conn, m, func(k connector.Connector, c *aos.Connection) (*connector.Call, error) {
		hm, ok := k.(connector.HTTPMapper)
		if !ok {
			return nil, notHTTP(k, c)
		}
		return hm.FromHTTP(c, r)
	})
}

// notHTTP is the refusal of a proxied request to a connection whose tool
// is not an HTTP API: it names the way in, POST /v1/call, and the
// operations.
func notHTTP(k connector.Connector, c *aos.Connection) error {
	var ops []string
	for _, op := range k.Describe().Operations {
		ops = append(ops, op.Name)
	}
	msg := fmt.Sprintf("connection %s is a %s connection, not an HTTP API: use POST /v1/call {\"connection\": %q, \"operation\": ..., \"args\": {...}}",
		c.Name, k.Type(), c.Name)
	if len(ops) > 0 {
		msg += " with operation " + strings.Join(ops, ", ")
	}
	return aos.Errorf(aos.EUnknownOperation, "%s", msg)
}

// CallRequest is the body of POST /v1/call.
type CallRequest struct {
	Connection string          `json:"connection"`
	Operation  string          `json:"operation"`
	Args       json.RawMessage `json:"args,omitempty"`
	Meta
}

// Call runs a named operation.
func (g *Gateway) Call(ctx context.Context, p *aos.Principal, req CallRequest) (*Outcome, error) {
	if req.Connection == "" || req.Operation == "" {
		return nil, aos.Errorf(aos.EBadRequest, "connection and operation are required")
	}
	return g.run(ctx, p, req.Connection, req.Meta, func(k connector.Connector, c *aos.Connection) (*connector.Call, error) {
		return k.FromCall(c, req.Operation, req.Args)
	})
}

// target is a resolved connection with what a decision needs.
type target struct {
	conn      *aos.Connection
	connector connector.Connector
	grants    []*aos.Grant
	caps      aos.Caps
	spent     int64 // US cents in the rolling week; read only for a call that moves money
	// cached says the target comes from the state cache at generation gen
	// (cs): its decision is recorded only if the state is still that one.
	cached bool
	gen    uint64
	cs     *connState
	// fp says the scan of the call decided on took absences of customer
	// data from the gateway's set (absentFingerprints): its decision is
	// recorded only if no other writer appended since.
	fp fpMark
}

// week is the window of the rolling spend cap.
const week = 7 * 24 * time.Hour

// resolve returns the connection called and what the decision reads of it,
// from the state cache when the log keeps generations, else (or with
// fresh) from the store.
func (g *Gateway) resolve(ctx context.Context, p *aos.Principal, name string, fresh bool) (*target, error) {
	cache, gen := g.cached()
	if cache == nil || fresh {
		return g.resolveStored(ctx, name)
	}
	cs, caps := cache.conn(gen, name)
	if cs == nil || caps == nil {
		var err error
		if cs, caps, err = g.loadConn(ctx, name); err != nil {
			return nil, err
		}
		cache.putConn(gen, name, cs, caps)
	}
	t := &target{conn: cs.conn, grants: cs.grants.For(p), caps: *caps, cached: true, gen: gen, cs: cs}
	var err error
	if t.connector, err = g.Connectors.Lookup(t.conn.Type); err != nil {
		return nil, err
	}
	return t, nil
}

// resolveStored reads the target from one snapshot of the store.
func (g *Gateway) resolveStored(ctx context.Context, name string) (*target, error) {
	var t target
	err := g.Store.View(ctx, func(tx aos.Tx) error {
		var err error
		if t.conn, t.grants, err = readConn(ctx, tx, name, &t.caps); err != nil {
			return err
		}
		t.spent, err = tx.SpentSince(ctx, g.Now().Add(-week))
		return err
	})
	if err != nil {
		return nil, err
	}
	if t.connector, err = g.Connectors.Lookup(t.conn.Type); err != nil {
		return nil, err
	}
	return &t, nil
}

// readSpent reads the rolling week's spend for a cached target when the
// call moves money: the policy reads it for nothing else.
func (g *Gateway) readSpent(ctx context.Context, t *target, call *connector.Call) error {
	if !t.cached || call.Facts.Amount <= 0 {
		return nil
	}
	return g.Store.View(ctx, func(tx aos.Tx) (err error) {
		t.spent, err = tx.SpentSince(ctx, g.Now().Add(-week))
		return err
	})
}

func (g *Gateway) run(ctx context.Context, p *aos.Principal, name string, m Meta,
	mapCall func(connector.Connector, *aos.Connection) (*connector.Call, error)) (*Outcome, error) {
	// Before anything is recorded: even a denial keeps the meta.
	if err := m.Check(); err != nil {
		return nil, err
	}
	fresh := false // decide on the store's state rather than the cache
	for attempt := 0; ; attempt++ {
		out, err := g.runOnce(ctx, p, name, m, mapCall, fresh)
		if errors.Is(err, errStale) && !fresh {
			// Decided on a state that changed before it was recorded:
			// nothing was recorded or sent. Authenticate and decide again
			// on the store's state.
			if p, err = g.principalByHash(ctx, p.TokenHash); err != nil {
				return nil, err
			}
			fresh = true
			attempt--
			continue
		}
		var rd *connector.Redecide
		if !errors.As(err, &rd) {
			return out, err
		}
		if attempt > 0 {
			return nil, aos.Errorf(aos.EConflict, "nothing was sent: %s; send the call again", rd.Reason)
		}
		// The connector learnt, before sending anything, that the call is
		// not what was decided on; its outcome is recorded. Decide again,
		// on the call as the upstream showed it when the connector says.
		if corrected := rd.Call; corrected != nil {
			mapCall = func(connector.Connector, *aos.Connection) (*connector.Call, error) { return corrected, nil }
		}
	}
}

func (g *Gateway) runOnce(ctx context.Context, p *aos.Principal, name string, m Meta,
	mapCall func(connector.Connector, *aos.Connection) (*connector.Call, error), fresh bool) (*Outcome, error) {
	t, err := g.resolve(ctx, p, name, fresh)
	if err != nil {
		if aos.ErrorCode(err) == aos.EUnknownConnection {
			return nil, g.denied(ctx, p, name, nil, aos.Decision{Code: aos.EUnknownConnection, Reason: aos.ErrorMessage(err)}, m)
		}
		return nil, err
	}
	call, err := mapCall(t.connector, t.conn)
	if err != nil {
		if code := aos.ErrorCode(err); code != aos.EInternal {
			return nil, g.deniedOn(ctx, p, t, name, nil, aos.Decision{Code: code, Reason: aos.ErrorMessage(err)}, m)
		}
		return nil, err
	}
	if err := g.scan(ctx, t, call); err != nil {
		return nil, err
	}
	if err := g.readSpent(ctx, t, call); err != nil {
		return nil, err
	}
	d := g.decide(p, t, call)
	if d.Verdict == aos.Hold && call.Facts.AmountUnknown {
		// Granted, but held for an amount the request leaves to the
		// upstream: learn it, then decide on what was learnt.
		if call, err = g.lookUp(ctx, p, t, call); err != nil {
			return nil, err
		}
		if err := g.readSpent(ctx, t, call); err != nil { // the amount is known now
			return nil, err
		}
		d = g.decide(p, t, call)
	}
	switch d.Verdict {
	case aos.Allow:
		resp, err := g.execute(ctx, p, t, call, d, m)
		if errors.Is(err, errRehold) {
			// Money moved by calls that committed meanwhile brought this
			// one over the weekly cap: decide again with the new total.
			if t, err = g.resolve(ctx, p, name, true); err != nil {
				return nil, err
			}
			if d = g.decide(p, t, call); d.Verdict != aos.Hold {
				return nil, aos.Errorf(aos.EInternal, "the weekly total changed while deciding; try again")
			}
			a, err := g.hold(ctx, p, t, call, d, m)
			return &Outcome{Held: a}, err
		}
		return &Outcome{Response: resp}, err
	case aos.Hold:
		a, err := g.hold(ctx, p, t, call, d, m)
		return &Outcome{Held: a}, err
	case aos.Deny:
		return nil, g.deniedOn(ctx, p, t, name, call, d, m)
	default:
		return nil, aos.Errorf(aos.EInternal, "unexpected verdict %q", d.Verdict)
	}
}

func (g *Gateway) decide(p *aos.Principal, t *target, call *connector.Call) aos.Decision {
	in := policy.Input{
		Principal: p, Connection: t.conn, Grants: t.grants, Operation: call.Operation,
		Resource: call.Resource, Facts: call.Facts, Covers: t.connector.Covers, Now: g.Now(),
		Caps: t.caps, SpentThisWeek: t.spent,
	}
	if c, ok := t.connector.(connector.Compound); ok {
		in.Items = c.Items
	}
	return policy.Decide(in)
}

// callPayload is the sensitive part of a call's evidence: it enters the
// leaf only as a salted commitment.
type callPayload struct {
	Method     string `json:"method,omitempty"`
	Resource   string `json:"resource,omitempty"`
	URL        string `json:"url,omitempty"`
	BodySHA256 string `json:"body_sha256,omitempty"`
	BodyBytes  int    `json:"body_bytes,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Meta
}

func newCallPayload(call *connector.Call, reason string, m Meta) json.RawMessage {
	b, _ := json.Marshal(callPayloadOf(call, reason, m))
	return b
}

func callPayloadOf(call *connector.Call, reason string, m Meta) callPayload {
	cp := callPayload{Reason: reason, Meta: m}
	if call != nil {
		cp.Resource = call.Resource
		if u := call.Upstream; u != nil {
			cp.Method, cp.URL = u.Method, u.URL
			if len(u.Body) > 0 {
				sum := sha256.Sum256(u.Body)
				cp.BodySHA256, cp.BodyBytes = hex.EncodeToString(sum[:]), len(u.Body)
			}
		}
	}
	return cp
}

func callAttrs(conn string, call *connector.Call) map[string]string {
	a := map[string]string{"connection": conn}
	if call != nil {
		a["operation"] = call.Operation.Name
		a["access"] = string(call.Operation.Access)
	}
	return a
}

// deniedRecord is the evidence of a call denied with d; grant is the grant
// that would have allowed it, when one did until the call was authorised.
func deniedRecord(p *aos.Principal, conn string, call *connector.Call, grant string, d aos.Decision, m Meta) aos.Record {
	attrs := callAttrs(conn, call)
	attrs["decision"], attrs["code"] = "deny", d.Code
	if grant != "" {
		attrs["grant"] = grant
	}
	return aos.Record{Kind: "call.denied", Actor: p.Ref(), Subject: conn, Attrs: attrs,
		Payload: newCallPayload(call, d.Reason, m)}
}

// denied records a denial and returns the error for the agent. If the
// denial cannot be recorded the agent gets evidence_unavailable instead.
func (g *Gateway) denied(ctx context.Context, p *aos.Principal, conn string, call *connector.Call, d aos.Decision, m Meta) error {
	return g.deniedOn(ctx, p, nil, conn, call, d, m)
}

// deniedOn is denied for a call decided on target t: a denial decided on
// a cached state that has since changed is not recorded (errStale).
func (g *Gateway) deniedOn(ctx context.Context, p *aos.Principal, t *target, conn string, call *connector.Call, d aos.Decision, m Meta) error {
	_, err := g.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		if err := g.current(tx, t); err != nil {
			return nil, err
		}
		return []aos.Record{deniedRecord(p, conn, call, "", d, m)}, nil
	})
	if err != nil {
		return err
	}
	return aos.Errorf(d.Code, "%s", d.Reason)
}

// execute records the authorisation durably, then calls the upstream and
// records the outcome. The grant and credential are checked again inside
// the evidence transaction, so a revoke that committed after the decision
// was made still stops the call.
func (g *Gateway) execute(ctx context.Context, p *aos.Principal, t *target, call *connector.Call, d aos.Decision, m Meta) (*connector.Response, error) {
	var cred *aos.Credential
	var stale *aos.Decision
	var received int64 // customers the agent received from the connection recently
	idx, err := g.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		cred, stale = nil, nil
		if err := g.current(tx, t); err != nil {
			return nil, err
		}
		var err error
		if cred, stale = t.standing(d.GrantIDs, g.Now()); cred == nil && stale == nil {
			if cred, stale, err = g.recheck(ctx, tx, t.conn, d.GrantIDs); err != nil {
				return nil, err
			}
		}
		if t.conn.HoldsCustomerData {
			if received, err = tx.CustomerReadsSince(ctx, p.ID, t.conn.ID, g.Now().Add(-connector.CustomerWindow)); err != nil {
				return nil, err
			}
		}
		if stale == nil {
			if err := g.spend(ctx, tx, t, call, ""); err != nil {
				return nil, err
			}
			if err := g.recordFlows(ctx, tx, t.conn.Name, call.Resource, call.Facts, ""); err != nil {
				return nil, err
			}
		}
		if stale != nil {
			return []aos.Record{deniedRecord(p, t.conn.Name, call, d.GrantAttr(), *stale, m)}, nil
		}
		attrs := callAttrs(t.conn.Name, call)
		attrs["grant"] = d.GrantAttr()
		attrs["decision"] = "allow"
		attrs["credential_version"] = strconv.Itoa(cred.Version)
		return []aos.Record{{Kind: "call.authorized", Actor: p.Ref(), Subject: t.conn.Name, Attrs: attrs,
			Payload: newCallPayload(call, "", m)}}, nil
	})
	if err != nil {
		return nil, err
	}
	if stale != nil {
		return nil, aos.Errorf(stale.Code, "%s", stale.Reason)
	}
	g.markUsed(t.conn.ID, cred.Version)
	secret, err := g.Vault.Open(cred.Sealed, vault.CredentialAAD(t.conn.ID, cred.Version))
	if err != nil {
		return nil, err
	}
	start := time.Now()
	callCtx := ctx
	if t.conn.HoldsCustomerData {
		callCtx = connector.WithCustomerAllowance(ctx, connector.BulkCustomers-received)
	}
	if _, ok := t.connector.(connector.AnswerStreamer); ok && !t.conn.HoldsCustomerData && ctx.Value(streamOKKey{}) != nil {
		// Nothing reads the answer but the echo redactor, which works on
		// a stream: it need not be held.
		callCtx = connector.WithStreaming(callCtx)
	}
	resp, echoed, callErr := g.sendCall(callCtx, t.connector, t.conn, cred, secret, call, decidedOn{gen: t.gen, cached: t.cached})
	if callErr == nil && resp.Stream != nil {
		resp.Stream = &outcomeStream{ReadCloser: resp.Stream, echo: resp.Stream.(*echoStream), done: func(n int64, readErr error, echoedBody bool) {
			echoed := echoed || echoedBody
			g.recordOutcome(ctx, p, t.conn, call.Resource, idx[0], resp, readErr, echoed, time.Since(start), n)
			if echoed {
				g.warnEcho(ctx, t.conn.Name, call.Operation.Name, idx[0])
			}
		}}
		return resp, nil
	}
	n := int64(0)
	if resp != nil {
		n = int64(len(resp.Body))
	}
	g.recordOutcome(ctx, p, t.conn, call.Resource, idx[0], resp, callErr, echoed, time.Since(start), n)
	if echoed {
		g.warnEcho(ctx, t.conn.Name, call.Operation.Name, idx[0])
	}
	return resp, callErr
}

// streamOKKey marks the context of a Proxy call whose caller takes the
// answer as a stream (StreamAnswers).
type streamOKKey struct{}

// StreamAnswers returns ctx telling Proxy that its caller takes an answer
// as a stream (Response.Stream) and always closes it.
func StreamAnswers(ctx context.Context) context.Context {
	return context.WithValue(ctx, streamOKKey{}, true)
}

// recheck confirms, inside the authorising transaction, that the grant and
// the credential still stand. The caller marks the credential used
// (markUsed) once the authorisation is committed.
func (g *Gateway) recheck(ctx context.Context, tx aos.Tx, conn *aos.Connection, grantIDs []string) (*aos.Credential, *aos.Decision, error) {
	cred, stale, err := g.standing(ctx, tx, conn, grantIDs)
	if err != nil || stale != nil {
		return nil, stale, err
	}
	return cred, nil, nil
}

// standing returns the connection's active credential if the grant is
// still active and the connection still connected, else a denial.
// grantIDs is one grant ID, or several when grants together cover the
// items of a compound resource; all must still stand.
func (g *Gateway) standing(ctx context.Context, tx aos.Tx, conn *aos.Connection, grantIDs []string) (*aos.Credential, *aos.Decision, error) {
	if len(grantIDs) == 0 {
		return nil, &aos.Decision{Code: aos.ENotGranted, Reason: "no grant allows the call"}, nil
	}
	for _, id := range grantIDs {
		gr, err := tx.GrantByID(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if !gr.Active(g.Now()) {
			return nil, &aos.Decision{Code: aos.ENotGranted, Reason: "grant " + id + " was revoked or expired"}, nil
		}
	}
	c, err := tx.ConnectionByName(ctx, conn.Name)
	if err != nil {
		return nil, nil, err
	}
	if c.ID != conn.ID || !c.Connected() {
		return nil, &aos.Decision{Code: aos.EUnknownConnection, Reason: "connection " + conn.Name + " is disconnected"}, nil
	}
	cred, err := tx.ActiveCredential(ctx, conn.ID)
	if aos.ErrorCode(err) == aos.ENotFound {
		return nil, &aos.Decision{Code: aos.ENotGranted, Reason: "connection " + conn.Name + " has no active credential"}, nil
	}
	return cred, nil, err
}

// recordOutcome records what became of an authorised call. echoed says
// the upstream echoed the credential, which was redacted: the entry's
// credential_echo attribute says so (never what was echoed).
//
// A streamed answer's outcome is recorded once the stream is closed: bytes
// is what reached the agent, and callErr, if the upstream's body broke off,
// is recorded beside the status as the answer's code.
func (g *Gateway) recordOutcome(ctx context.Context, p *aos.Principal, c *aos.Connection, resource string, authorized int64, resp *connector.Response, callErr error, echoed bool, took time.Duration, bytes int64) {
	conn := c.Name
	attrs := map[string]string{"connection": conn, "authorized_entry": strconv.FormatInt(authorized, 10)}
	if echoed {
		attrs["credential_echo"] = "redacted"
	}
	var pl struct {
		Bytes      int64 `json:"bytes"`
		DurationMS int64 `json:"duration_ms"`
	}
	pl.DurationMS = took.Milliseconds()
	var rd *connector.Redecide
	switch {
	case errors.As(callErr, &rd):
		attrs["code"] = "redecide" // nothing was sent; the call is decided again
	case callErr != nil && resp != nil: // a streamed answer broke off
		attrs["status"] = strconv.Itoa(resp.Status)
		attrs["code"] = aos.ErrorCode(callErr)
		pl.Bytes = bytes
	case callErr != nil:
		attrs["code"] = aos.ErrorCode(callErr)
	default:
		attrs["status"] = strconv.Itoa(resp.Status)
		pl.Bytes = bytes
	}
	b, _ := json.Marshal(pl)
	if callErr == nil && resp.Customers > 0 {
		attrs["customers"] = strconv.FormatInt(resp.Customers, 10)
	}
	if callErr != nil {
		resp = nil // learn and count nothing of a broken answer
	}
	record := func(tx aos.Tx) ([]aos.Record, error) {
		if resp != nil {
			if err := g.learn(ctx, tx, c, resource, resp); err != nil {
				return nil, err
			}
			if resp.Customers > 0 {
				// What the agent received counts against its allowance.
				if err := tx.AddCustomerRead(ctx, aos.CustomerRead{AgentID: p.ID, ConnectionID: c.ID,
					At: g.Now().UTC(), Customers: resp.Customers}); err != nil {
					return nil, err
				}
			}
		}
		return []aos.Record{{Kind: "call.outcome", Actor: p.Ref(), Subject: conn, Attrs: attrs, Payload: b}}, nil
	}
	failed := func(err error) {
		if err != nil && g.Logger != nil {
			g.Logger.Error("recording call outcome", "connection", conn, "authorized_entry", authorized, "err", err)
		}
	}
	// An outcome that teaches nothing the next call's decision reads (no
	// customer data learnt or counted) is queued and recorded after the
	// answer, in the next batch: the authorisation is durable already, so a
	// crash can only lose the outcome, and verify reports an authorisation
	// without one.
	if s, ok := g.Log.(submitter); ok && !c.HoldsCustomerData && (resp == nil || resp.Customers == 0) {
		if err := s.Submit(record, func(_ []int64, err error) { failed(err) }); err == nil {
			return
		}
	}
	if c.HoldsCustomerData {
		defer g.absentFPs.learn()()
	}
	_, err := g.Log.Record(context.WithoutCancel(ctx), record)
	failed(err)
}

// submitter is a log that can queue a record without waiting for it
// (evidence.Log).
type submitter interface {
	Submit(fn func(aos.Tx) ([]aos.Record, error), then func([]int64, error)) error
}
