package ga4

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// FromCall maps POST /v1/call. args is a JSON object with "property"
// ("123" or "properties/123"); for the Data API operations the rest of it
// is the request body sent to Google, for sendEvents the Measurement
// Protocol body and "measurement_id" (see the package documentation).
//
// Errors: EUnknownOperation for an operation not listed by Describe;
// EBadRequest for malformed args; EOutOfScope for a batchRunReports
// whose requests name another property; ETooLarge for args over
// connector.MaxBody.
func (k *Connector) FromCall(c *aos.Connection, operation string, args json.RawMessage) (*connector.Call, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	op, ok := lookupOperation(operation)
	if !ok {
		return nil, aos.Errorf(aos.EUnknownOperation, "unknown ga4 operation %q: the operations are runReport, runRealtimeReport, "+
			"batchRunReports, getMetadata and sendEvents", clip(operation))
	}
	if len(args) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "args are larger than %d MiB", connector.MaxBody>>20)
	}
	obj, err := decodeObject(args, "args")
	if err != nil {
		return nil, err
	}
	id, err := propertyArg(obj["property"])
	if err != nil {
		return nil, err
	}
	delete(obj, "property")
	if op.Name == OpSendEvents.Name {
		return mpCall(ep, id, obj)
	}
	return dataCall(ep, op, id, obj)
}

// decodeObject decodes one JSON object into its members.
func decodeObject(b []byte, what string) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&obj); err != nil || obj == nil || dec.Decode(&struct{}{}) != io.EOF {
		return nil, connector.BadRequest("%s must be one JSON object, such as {\"property\": \"123\", \"dimensions\": [...], ...}", what)
	}
	return obj, nil
}

// propertyArg reads "property": "123" or "properties/123".
func propertyArg(raw json.RawMessage) (string, error) {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return "", connector.BadRequest("args.property is required: the numeric GA4 property ID, as \"123\" or \"properties/123\"")
	}
	id := strings.TrimPrefix(s, "properties/")
	if !isPropertyID(id) {
		return "", connector.BadRequest("args.property %q is not a GA4 property ID (digits, as \"123\" or \"properties/123\")", clip(s))
	}
	return id, nil
}

// dataCall builds a Data API call on property id with the given body
// members (without "property").
func dataCall(ep *endpoint, op aos.Operation, id string, body map[string]json.RawMessage) (*connector.Call, error) {
	out := &connector.Outbound{Method: http.MethodPost, URL: ep.dataURL(op.Name, id)}
	if err := checkDataBody(op, id, body); err != nil {
		return nil, err
	}
	if op.Name == OpGetMetadata.Name {
		out.Method = http.MethodGet
	} else {
		out.Body, _ = json.Marshal(body)
		out.Header = http.Header{"Content-Type": {"application/json"}}
	}
	if err := connector.CheckOverrides(out); err != nil {
		return nil, err
	}
	return &connector.Call{Operation: op, Resource: Resource(id), Upstream: out}, nil
}

// checkDataBody checks a Data API body against its operation: getMetadata
// takes none, and every request of a batch is on the batch's property.
func checkDataBody(op aos.Operation, id string, body map[string]json.RawMessage) error {
	switch op.Name {
	case OpGetMetadata.Name:
		if len(body) != 0 {
			return connector.BadRequest("getMetadata takes only args.property")
		}
	case OpBatchRunReports.Name:
		var reqs []map[string]json.RawMessage
		if json.Unmarshal(body["requests"], &reqs) != nil || len(reqs) == 0 {
			return connector.BadRequest("batchRunReports needs args.requests, a list of RunReportRequest objects")
		}
		for i, r := range reqs {
			if r == nil {
				return connector.BadRequest("args.requests[%d] must be an object", i)
			}
			if !sameProperty(r["property"], id) {
				return aos.Errorf(aos.EOutOfScope, "args.requests[%d].property is not the batch's property %s", i, id)
			}
		}
	}
	return nil
}

// proxyPath matches the Data API paths the proxy forwards.
var proxyPath = regexp.MustCompile(`^/v1beta/properties/([0-9]+)(?::(runReport|runRealtimeReport|batchRunReports)|/(metadata))$`)

// proxyQuery are the system parameters a REST client may add, dropped
// because they change only the form of the answer.
var proxyQuery = map[string]bool{"$alt": true, "alt": true, "prettyPrint": true}

// FromHTTP maps a proxied Data API request: POST
// /v1beta/properties/ID:runReport, :runRealtimeReport or
// :batchRunReports with a JSON body, or GET
// /v1beta/properties/ID/metadata. The path is decoded once and must match
// exactly; the upstream request is rebuilt from the property and the
// method, with none of the agent's headers. Of the query, only $alt, alt
// and prettyPrint are accepted, and dropped. A "property" in the body
// must be the path's.
//
// Errors: EUnknownOperation for any other method or path (the
// Measurement Protocol is only reachable with POST /v1/call); EBadRequest
// for another query parameter or a body that is not a JSON object;
// EOutOfScope for a body naming another property.
func (k *Connector) FromHTTP(c *aos.Connection, r *connector.HTTPRequest) (*connector.Call, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, connector.BadRequest("no request")
	}
	// No header goes upstream, but an override is refused, not dropped,
	// as by every connector.
	if err := connector.CheckHeaderOverrides(r.Header); err != nil {
		return nil, err
	}
	path, err := url.PathUnescape(r.RawPath)
	m := proxyPath.FindStringSubmatch(path)
	if err != nil || m == nil || !isPropertyID(m[1]) {
		return nil, aos.Errorf(aos.EUnknownOperation, "the ga4 proxy forwards only the Data API: POST /v1beta/properties/ID:runReport, "+
			":runRealtimeReport, :batchRunReports and GET /v1beta/properties/ID/metadata; use POST /v1/call for sendEvents")
	}
	id, name, want := m[1], m[2], http.MethodPost
	if m[3] != "" {
		name, want = OpGetMetadata.Name, http.MethodGet
	}
	if r.Method != want {
		return nil, aos.Errorf(aos.EUnknownOperation, "%s is not a method of %s (use %s)", clip(r.Method), path, want)
	}
	if err := checkProxyQuery(r.RawQuery); err != nil {
		return nil, err
	}
	op, _ := lookupOperation(name)
	body := map[string]json.RawMessage{}
	if want == http.MethodPost {
		if body, err = decodeObject(r.Body, "the request body"); err != nil {
			return nil, err
		}
		if !sameProperty(body["property"], id) {
			return nil, aos.Errorf(aos.EOutOfScope, "the body's property is not the path's, %s", id)
		}
		delete(body, "property")
	} else if len(bytes.TrimSpace(r.Body)) != 0 {
		return nil, connector.BadRequest("GET .../metadata takes no body")
	}
	return dataCall(ep, op, id, body)
}

// Reread maps a decided call's upstream request again, as FromHTTP or
// FromCall mapped it, for connector.Recheck: a Data API request by its
// path below the connection's Data API, a Measurement Protocol send by
// its URL and body (see rereadMP). Errors: EOutOfScope for a URL that is
// neither; those of FromHTTP and FromCall otherwise.
func (k *Connector) Reread(c *aos.Connection, decided *connector.Call) (*connector.Call, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	out := decided.Upstream
	if query, ok := strings.CutPrefix(out.URL, ep.mp+"/mp/collect?"); ok {
		return rereadMP(ep, decided, query)
	}
	path, ok := strings.CutPrefix(out.URL, ep.data)
	if !ok || !proxyPath.MatchString(path) {
		return nil, aos.Errorf(aos.EOutOfScope, "the upstream URL is not the connection's Data API")
	}
	return k.FromHTTP(c, &connector.HTTPRequest{Method: out.Method, RawPath: path, Header: out.Header, Body: out.Body})
}

// checkProxyQuery accepts a query of the system parameters in proxyQuery
// only. It is split by hand: "$alt=json;enum-encoding=int" has a ';',
// which url.ParseQuery refuses.
func checkProxyQuery(raw string) error {
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(name)
		if err != nil || !proxyQuery[name] {
			return connector.BadRequest("the query parameter %q is not forwarded to the Data API", clip(name))
		}
	}
	return nil
}

// sameProperty reports whether a request's "property" member is absent,
// empty, or names property id ("ID" or "properties/ID").
func sameProperty(raw json.RawMessage, id string) bool {
	if raw == nil {
		return true
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && (s == "" || s == id || s == "properties/"+id)
}
