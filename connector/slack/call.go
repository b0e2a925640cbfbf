package slack

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// parsed is a Web API request understood: which method, on which
// conversations, and what goes upstream.
type parsed struct {
	name     string
	method   method
	channels []string
	resource string
	verb     string // GET or POST
	query    string
	header   http.Header
	body     []byte
}

// methodName reads the method from a path relative to the connection as
// the agent sent it (/api/METHOD) or as it goes upstream (/METHOD).
func methodName(rawPath, prefix string) (string, error) {
	p, err := connector.CanonicalPath(rawPath)
	if err != nil {
		return "", err
	}
	name, ok := strings.CutPrefix(p, prefix+"/")
	if !ok || name == "" || len(name) > 64 || strings.ContainsFunc(name, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.')
	}) {
		hint := ""
		if prefix != "" && !strings.HasPrefix(p, prefix+"/") {
			hint = " (Slack methods are at /api/METHOD: point the SDK at .../v1/proxy/NAME/api/)"
		}
		return "", aos.Errorf(aos.EUnknownOperation, "%.200q is not a Slack Web API method%s", p, hint)
	}
	return name, nil
}

// parse understands a request: verb, method name (already read from the
// path), query, headers and body.
func parse(verb, name, rawQuery string, h http.Header, body []byte) (*parsed, error) {
	m, ok := methods[name]
	if !ok {
		return nil, aos.Errorf(aos.EUnknownOperation, "%.64s is not a Slack method the slack connector knows", name)
	}
	verb = strings.ToUpper(verb)
	if verb != http.MethodGet && verb != http.MethodPost {
		return nil, aos.Errorf(aos.EUnknownOperation, "Slack methods are called with GET or POST, not %.16q", verb)
	}
	if len(body) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the request body is larger than %d MiB", connector.MaxBody>>20)
	}
	if verb == http.MethodGet && len(body) > 0 {
		return nil, connector.BadRequest("a GET carries its arguments in the query, not a body")
	}
	// The query goes upstream as sent; readArgs refuses a token argument.
	q, err := connector.ParseQueryBrief(rawQuery)
	if err != nil {
		return nil, err
	}
	header, err := connector.AllowedHeaders(h, forwardedHeaders)
	if err != nil {
		return nil, err
	}
	args, err := readArgs(header.Get("Content-Type"), q, body, m.args)
	if err != nil {
		return nil, err
	}
	p := &parsed{name: name, method: m, verb: verb, query: rawQuery, header: header, body: body}
	if p.channels, err = channelsOf(m, args); err != nil {
		return nil, err
	}
	if p.resource, err = resourceOf(name, m, p.channels); err != nil {
		return nil, err
	}
	return p, nil
}

// channelsOf reads the conversations a method's arguments name: sorted,
// distinct, each a valid ID.
func channelsOf(m method, args map[string]string) ([]string, error) {
	var channels []string
	for _, a := range m.args {
		v, ok := args[a]
		if !ok {
			continue
		}
		ids := []string{v}
		if a == "channels" { // a comma-separated list
			ids = strings.Split(v, ",")
			for i := range ids {
				ids[i] = strings.TrimSpace(ids[i])
			}
		}
		for _, id := range ids {
			if err := checkChannelID(id); err != nil {
				return nil, &aos.Error{Code: aos.EBadRequest, Message: "argument " + a + ": " + aos.ErrorMessage(err)}
			}
			channels = append(channels, id)
		}
	}
	slices.Sort(channels)
	channels = slices.Compact(channels)
	if len(channels) > maxChannels {
		return nil, connector.BadRequest("at most %d conversations in one call", maxChannels)
	}
	return channels, nil
}

// resourceOf returns the resource of a method acting on channels.
func resourceOf(name string, m method, channels []string) (string, error) {
	switch m.kind {
	case self:
		return Self, nil
	case workspace, publicLink:
		return AccountWide, nil
	case uploadSlot:
		return Upload, nil
	case postOrKeep:
		if len(channels) == 0 {
			return Upload, nil
		}
	default:
		if len(channels) == 0 {
			return "", connector.BadRequest("%s needs its %s argument: the conversation's ID", name, strings.Join(m.args, " or "))
		}
	}
	return channelResource(channels), nil
}

// posts reports whether the call publishes into its channels.
func (p *parsed) posts() bool {
	return (p.method.kind == post || p.method.kind == postOrKeep) && len(p.channels) > 0
}

// call turns a parsed request into a call with its facts.
func (k *Connector) call(c *aos.Connection, ep *connector.Endpoint, cfg *config, p *parsed) (*connector.Call, error) {
	var f aos.Facts
	switch {
	case p.posts():
		f = k.postFacts(c, cfg, p.channels)
	case p.method.kind == uploadSlot || p.method.kind == shareOut:
		f.Share = true
	case p.method.kind == publicLink:
		f.Public = true
	}
	out := &connector.Outbound{Method: p.verb, URL: ep.URL("/"+p.name, p.query), Header: p.header, Body: p.body}
	if err := connector.CheckOverrides(out); err != nil {
		return nil, err
	}
	return &connector.Call{
		Operation: aos.Operation{Name: p.name, Access: p.method.access, Points: p.method.points()},
		Resource:  p.resource,
		Facts:     f,
		Upstream:  out,
		Parsed:    p,
	}, nil
}

// Reread maps a decided call's upstream request again, as FromHTTP or
// FromCall mapped it, for connector.Recheck. A post's facts come from
// what the connector learnt of its channels (and the owner's settings):
// they are taken as decided (see connector.Rereader), and Do confirms
// them before sending (checkPost). Errors: EOutOfScope for a URL outside
// the base URL; those of FromHTTP otherwise.
func (k *Connector) Reread(c *aos.Connection, decided *connector.Call) (*connector.Call, error) {
	ep, cfg, err := settings(c)
	if err != nil {
		return nil, err
	}
	out := decided.Upstream
	rel, query, err := ep.Relative(out.URL)
	if err != nil {
		return nil, err
	}
	name, err := methodName(rel, "")
	if err != nil {
		return nil, err
	}
	p, err := parse(out.Method, name, query, out.Header, out.Body)
	if err != nil {
		return nil, err
	}
	again, err := k.call(c, ep, cfg, p)
	if err != nil {
		return nil, err
	}
	if p.posts() {
		again.Facts.Public, again.Facts.Recipients = decided.Facts.Public, decided.Facts.Recipients
	}
	return again, nil
}

// FromHTTP maps a proxied request to /api/METHOD. The method's table
// entry gives the access and the arguments that name its conversations,
// read wherever Slack reads them (see readArgs); the resource is those
// conversations (see the package documentation). The upstream request
// goes to the base URL plus /METHOD, with the query and body as sent and
// only the Accept, Content-Type and User-Agent headers.
//
// Errors: EUnknownOperation for a path that is no known method or a verb
// other than GET and POST; EBadRequest for a malformed or ambiguous
// argument, a token argument, a channel given by name, or a body Slack
// methods do not take; EOutOfScope for a path leaving the base URL;
// ETooLarge for a body over connector.MaxBody.
func (k *Connector) FromHTTP(c *aos.Connection, r *connector.HTTPRequest) (*connector.Call, error) {
	if r == nil {
		return nil, connector.BadRequest("no request")
	}
	ep, cfg, err := settings(c)
	if err != nil {
		return nil, err
	}
	name, err := methodName(r.RawPath, "/api")
	if err != nil {
		return nil, err
	}
	p, err := parse(r.Method, name, r.RawQuery, r.Header, r.Body)
	if err != nil {
		return nil, err
	}
	return k.call(c, ep, cfg, p)
}

// FromCall maps a POST /v1/call request: the operation is the method name
// and args a JSON object of its arguments, sent as a form the way Slack's
// SDKs send them (strings as they are, numbers and booleans as text,
// objects and arrays as JSON). Errors are those of FromHTTP.
func (k *Connector) FromCall(c *aos.Connection, operation string, args json.RawMessage) (*connector.Call, error) {
	ep, cfg, err := settings(c)
	if err != nil {
		return nil, err
	}
	if len(args) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "args are larger than %d MiB", connector.MaxBody>>20)
	}
	var fields map[string]json.RawMessage
	if len(bytes.TrimSpace(args)) > 0 {
		if err := json.Unmarshal(args, &fields); err != nil {
			return nil, connector.BadRequest("args must be a JSON object of the method's arguments")
		}
	}
	form := url.Values{}
	for key, raw := range fields {
		var s string
		var n json.Number
		var b bool
		switch {
		case string(raw) == "null":
		case json.Unmarshal(raw, &s) == nil:
			form.Set(key, s)
		case json.Unmarshal(raw, &n) == nil:
			form.Set(key, n.String())
		case json.Unmarshal(raw, &b) == nil:
			form.Set(key, strconv.FormatBool(b))
		default:
			var compact bytes.Buffer
			json.Compact(&compact, raw)
			form.Set(key, compact.String())
		}
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}
	p, err := parse(http.MethodPost, operation, "", h, []byte(form.Encode()))
	if err != nil {
		return nil, err
	}
	return k.call(c, ep, cfg, p)
}
