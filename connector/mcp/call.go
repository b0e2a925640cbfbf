package mcp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// request is the upstream request of a call, as sealed in its
// Outbound's body: the tool and its arguments, which the gateway scans.
type request struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// callURL is the Outbound URL of a call of tool: not an address but a
// name for the evidence (an opaque URL, with no path or query to scan).
func callURL(tool string) string { return "mcp:tools/call/" + url.PathEscape(tool) }

// FromCall maps a call of a tool: the operation is the tool's name and
// args its arguments (a JSON object; empty means {}). The resource is
// "tool:NAME"; the access and the approval points those pinned for it.
//
// The call's Parsed is the tool and its arguments (or a feature
// operation's parameters), which Do sends.
//
// Errors: EUnknownOperation for a tool that is not pinned; EToolNotAccepted
// for one that the running upstream now defines differently from its pin,
// or offers without a pin (Do checks again before sending); EBadRequest
// for arguments that are not an object.
func (k *Connector) FromCall(c *aos.Connection, operation string, args json.RawMessage) (*connector.Call, error) {
	cfg, err := settings(c)
	if err != nil {
		return nil, err
	}
	if featureResource(operation) != "" {
		return featureCall(c, cfg, operation, args)
	}
	p := cfg.pin(operation)
	if p == nil {
		if t, ok := k.liveTool(c.ID, operation); ok && t != nil {
			return nil, notAccepted(c.Name, operation, true)
		}
		return nil, aos.Errorf(aos.EUnknownOperation, "%.128q is not a tool of %s (a tool the upstream added later waits for `aos mcp accept %s TOOL`)",
			operation, c.Name, c.Name)
	}
	if t, ok := k.liveTool(c.ID, operation); ok {
		if t == nil {
			return nil, aos.Errorf(aos.EUnknownOperation, "the upstream of %s no longer offers tool %q", c.Name, operation)
		}
		if digest, err := digestOf(t); err != nil || digest != p.Digest {
			return nil, notAccepted(c.Name, operation, false)
		}
	}
	return toolCall(p, args)
}

// toolCall maps a call of the pinned tool p with args.
func toolCall(p *pin, args json.RawMessage) (*connector.Call, error) {
	argsJSON, err := normalArgs(args)
	if err != nil {
		return nil, err
	}
	req := &request{Name: p.Name, Arguments: argsJSON}
	body, _ := json.Marshal(req)
	return &connector.Call{
		Operation: aos.Operation{Name: p.Name, Access: p.Access, Points: p.Points},
		Resource:  "tool:" + p.Name,
		Facts:     pointFacts(p.Points),
		Upstream: &connector.Outbound{Method: "tools/call", URL: callURL(p.Name),
			Header: http.Header{"Content-Type": {"application/json"}}, Body: body},
		Parsed: req,
	}, nil
}

// SendsDecided marks the connector as a connector.DecidedSender.
func (k *Connector) SendsDecided() {}

// Reread maps a sealed call again as the connection is now, for
// connector.Recheck. A tool call must name a tool still pinned with the
// access decided on, and the points its pin raises now must all be among
// those decided on: a call never runs with fewer approval points than its
// tool has, and one held for more, and approved, may (its facts are taken
// as decided). A feature call must be one the upstream offered at
// connect. How the running upstream defines the tool is not asked here:
// Do checks it right before sending.
//
// Errors: EUnknownOperation for a tool no longer pinned as it was, or a
// feature no longer offered; EBadRequest for a malformed sealed request.
func (k *Connector) Reread(c *aos.Connection, decided *connector.Call) (*connector.Call, error) {
	cfg, err := settings(c)
	if err != nil {
		return nil, err
	}
	if op := decided.Operation.Name; featureResource(op) != "" {
		if decided.Upstream == nil || decided.Upstream.Method != op {
			return nil, connector.BadRequest("the sealed %s call is malformed", op)
		}
		return featureCall(c, cfg, op, decided.Upstream.Body)
	}
	req, err := parseRequest(decided)
	if err != nil {
		return nil, err
	}
	p := cfg.pin(req.Name)
	if p == nil || decided.Operation.Name != p.Name || decided.Operation.Access != p.Access ||
		decided.Resource != "tool:"+p.Name || !covers(decided.Facts, pointFacts(p.Points)) {
		return nil, noLongerPinned(c.Name, req.Name)
	}
	again, err := toolCall(p, req.Arguments)
	if err != nil {
		return nil, err
	}
	again.Facts = decided.Facts
	return again, nil
}

// covers reports whether the facts a call was decided on hold every
// point the tool's pin raises now: a call never runs with fewer approval
// points than its tool has (one held for more, and approved, may).
func covers(decided, now aos.Facts) bool {
	return (!now.AmountUnknown || decided.AmountUnknown) && (!now.Public || decided.Public) &&
		(!now.Share || decided.Share) && (!now.Production || decided.Production)
}

func noLongerPinned(conn, tool string) error {
	return aos.Errorf(aos.EUnknownOperation, "tool %q of %s is no longer pinned as it was when the call was decided; call it again", tool, conn)
}

func notAccepted(conn, tool string, isNew bool) error {
	what := "changed its definition since it was pinned"
	if isNew {
		what = "is new on the upstream since it was connected"
	}
	return aos.Errorf(aos.EToolNotAccepted, "tool %q of %s %s; it is not served until the owner accepts it (`aos mcp accept %s %s`)",
		tool, conn, what, conn, tool)
}

// normalArgs checks that args is one JSON object (empty is {}) and
// returns it compact.
func normalArgs(args json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(args)) == 0 || string(bytes.TrimSpace(args)) == "null" {
		return json.RawMessage(`{}`), nil
	}
	if len(args) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the arguments are larger than %d MiB", connector.MaxBody>>20)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(args, &obj); err != nil || obj == nil {
		return nil, connector.BadRequest("args are the tool's arguments: one JSON object")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, args); err != nil {
		return nil, connector.BadRequest("args are the tool's arguments: one JSON object")
	}
	return b.Bytes(), nil
}

// pointFacts are the facts of a tool the owner attached points to: each
// point holds every call. Customer-data holds it as a share (the tool
// sends data out); money as an amount it cannot read.
func pointFacts(points []aos.ApprovalPoint) aos.Facts {
	var f aos.Facts
	for _, p := range points {
		switch p {
		case aos.PointMoney:
			f.AmountUnknown = true
		case aos.PointPublicClaim:
			f.Public = true
		case aos.PointCustomerData:
			f.Share = true
		case aos.PointProduction:
			f.Production = true
		}
	}
	return f
}

// parseRequest reads a sealed call's request back (see Reread).
func parseRequest(call *connector.Call) (*request, error) {
	if call == nil || call.Upstream == nil || call.Upstream.Method != "tools/call" {
		return nil, connector.BadRequest("no tool call to send")
	}
	var r request
	dec := json.NewDecoder(bytes.NewReader(call.Upstream.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil || r.Name == "" || !strings.HasPrefix(string(bytes.TrimSpace(r.Arguments)), "{") {
		return nil, connector.BadRequest("the sealed tool call is malformed")
	}
	return &r, nil
}
