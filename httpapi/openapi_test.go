package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/metrics"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
)

const proxyPath = "/v1/proxy/{connection}/{path}"

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	b, err := httpapi.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("loading the description: %v", err)
	}
	return doc
}

// TestOpenAPI_Valid validates the description as OpenAPI 3.1.
func TestOpenAPI_Valid(t *testing.T) {
	doc := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI 3.1: %v", err)
	}
	// The examples the loader cannot see: a schema must reject what the
	// server never sends, or the validation above proves little.
	var bad any
	json.Unmarshal([]byte(`{"error":"not an object"}`), &bad)
	if err := doc.Components.Schemas["ErrorBody"].Value.VisitJSON(bad, openapi3.EnableJSONSchema2020()); err == nil {
		t.Fatal("ErrorBody accepts an error that is not an object")
	}
}

// operations returns "METHOD /path" for every operation in doc.
func operations(doc *openapi3.T) map[string]*openapi3.Operation {
	out := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[method+" "+path] = op
		}
	}
	return out
}

// TestOpenAPI_EveryRoute checks the description against the routes table
// both ways, and who may use each route.
func TestOpenAPI_EveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	ops := operations(doc)
	who := httpapi.RouteAudiences()
	for _, pattern := range httpapi.Routes() {
		op, ok := ops[pattern]
		if !ok {
			t.Errorf("route %s is not in the description", pattern)
			continue
		}
		if got := op.Extensions["x-aos-who"]; got != who[pattern] {
			t.Errorf("%s: x-aos-who %v, the routes table says %s", pattern, got, who[pattern])
		}
	}
	for key, op := range ops {
		_, path, _ := strings.Cut(key, " ")
		if path == proxyPath {
			if op.Extensions["x-aos-who"] != "agent" {
				t.Errorf("%s: the proxy is for agents", key)
			}
			continue
		}
		if !slices.Contains(httpapi.Routes(), key) {
			t.Errorf("the description has %s, which is no route", key)
		}
	}
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		if ops[m+" "+proxyPath] == nil {
			t.Errorf("the proxy serves %s; the description does not say so", m)
		}
	}
}

// TestOpenAPI_PathsServed sends every operation of the description to a
// running server: none is answered as an unknown route or method.
func TestOpenAPI_PathsServed(t *testing.T) {
	in := gatewaytest.Start(t, rest.New())
	ops := operations(loadOpenAPI(t))
	keys := make([]string, 0, len(ops))
	for k := range ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fill := strings.NewReplacer("{name}", "x", "{id}", "x", "{mission}", "x", "{connection}", "x", "{path}", "y/z")
	for _, key := range keys {
		method, path, _ := strings.Cut(key, " ")
		req, _ := http.NewRequest(method, in.URL+fill.Replace(path), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body httpapi.ErrorBody
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusMethodNotAllowed || body.Error.Code == aos.EMethodNotAllowed ||
			resp.StatusCode == http.StatusNotFound && strings.HasPrefix(body.Error.Message, "no route") {
			t.Errorf("%s: %d %s %q: described but not served", key, resp.StatusCode, body.Error.Code, body.Error.Message)
		}
	}
}

// TestOpenAPI_ErrorStatuses checks that every error response the
// description documents is at the status httpapi gives its codes, and that
// every code is documented.
func TestOpenAPI_ErrorStatuses(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := map[string]bool{}
	for name, ref := range doc.Components.Responses {
		raw, ok := ref.Value.Extensions["x-aos-codes"]
		if !ok {
			continue
		}
		for _, c := range raw.([]any) {
			documented[c.(string)] = true
		}
		if ref.Value.Content.Get("application/json").Schema.Ref != "#/components/schemas/ErrorBody" {
			t.Errorf("response %s documents error codes but not the error body", name)
		}
	}
	uses := 0
	for key, op := range operations(doc) {
		for status, ref := range op.Responses.Map() {
			raw, ok := ref.Value.Extensions["x-aos-codes"]
			if !ok {
				continue
			}
			uses++
			for _, c := range raw.([]any) {
				if got := strconv.Itoa(httpapi.StatusOf(c.(string))); got != status {
					t.Errorf("%s: code %s documented at %s, served at %s", key, c, status, got)
				}
			}
		}
	}
	if uses < 100 {
		t.Fatalf("only %d error responses documented", uses)
	}
	for _, c := range []string{aos.EUnauthenticated, aos.EForbidden, aos.EUnknownConnection, aos.EUnknownOperation,
		aos.ENotGranted, aos.EOutOfScope, aos.EReadOnly, aos.EApprovalDenied, aos.EApprovalExpired, aos.EApprovalStale,
		aos.EToolNotAccepted, aos.EBadRequest, aos.ETooLarge, aos.ETooManyPending, aos.EUnsupportedEncoding, aos.EUpstream,
		aos.EEvidenceUnavailable, aos.ENotFound, aos.EConflict, aos.EMethodNotAllowed, aos.EInternal} {
		if !documented[c] {
			t.Errorf("error code %s is not documented", c)
		}
	}
}

// jsonNames returns the JSON property names of a struct type, as
// encoding/json writes them (embedded structs flattened).
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonNames(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPI_SchemasMatchTypes checks that each schema has exactly the
// properties of the Go type the server reads or writes: a field added to a
// request (unknown fields are refused) or a response shows here.
func TestOpenAPI_SchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	types := map[string]any{
		"CallRequest": gateway.CallRequest{}, "AddAgentRequest": httpapi.AddAgentRequest{},
		"ConnectRequest": httpapi.ConnectRequest{}, "ReconnectRequest": httpapi.ReconnectRequest{},
		"GrantRequest": httpapi.GrantRequest{}, "DecideRequest": httpapi.DecideRequest{},
		"RedactRequest": httpapi.RedactRequest{}, "Caps": aos.Caps{}, "KeySettingsRequest": httpapi.KeySettingsRequest{},
		"RotateRequest": httpapi.RotateRequest{}, "ReviewApplyRequest": httpapi.ReviewApplyRequest{},
		"ReviewDismissRequest": httpapi.ReviewDismissRequest{}, "PIIMapRequest": httpapi.PIIMapRequest{},
		"ErrorBody": httpapi.ErrorBody{}, "HeldBody": httpapi.HeldBody{}, "ApprovalState": httpapi.ApprovalState{},
		"CallResult": httpapi.CallResult{}, "WhoAmI": gateway.WhoAmI{}, "GrantView": gateway.GrantView{},
		"AddAgentResponse": httpapi.AddAgentResponse{}, "Principal": aos.Principal{},
		"ConnectResponse": httpapi.ConnectResponse{}, "Connection": aos.Connection{}, "Grant": aos.Grant{},
		"Approval": aos.Approval{}, "Facts": aos.Facts{}, "Entry": aos.Entry{}, "StateChange": aos.StateChange{},
		"RotateResponse": httpapi.RotateResponse{}, "Credential": aos.Credential{}, "CredentialInfo": aos.CredentialInfo{},
		"Status": owner.Status{}, "Key": secinfra.Key{}, "ExposedReport": secinfra.ExposedReport{},
		"ReviewReport": secinfra.ReviewReport{}, "Applied": secinfra.Applied{}, "Dismissal": secinfra.Dismissal{},
		"FlowMap": secinfra.FlowMap{}, "Description": connector.Description{}, "ApprovalView": aos.ApprovalView{},
		"CapsResponse": httpapi.CapsResponse{}, "CapsText": aos.CapsText{}, "MoneyStatus": owner.MoneyStatus{},
	}
	for name, v := range types {
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Errorf("no schema %s", name)
			continue
		}
		var props []string
		for p := range ref.Value.Properties {
			props = append(props, p)
		}
		sort.Strings(props)
		if want := jsonNames(reflect.TypeOf(v)); !slices.Equal(props, want) {
			t.Errorf("schema %s has %v; %T has %v", name, props, v, want)
		}
	}
}

// TestOpenAPI_ServedWithoutToken fetches the description from a running
// server, without a token, and checks real answers against its schemas.
func TestOpenAPI_ServedWithoutToken(t *testing.T) {
	in := gatewaytest.Start(t, rest.New())
	resp, err := http.Get(in.URL + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, _ := httpapi.OpenAPI()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || !bytes.Equal(b, want) {
		t.Fatalf("GET /v1/openapi.json: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(b))
	}
	doc := loadOpenAPI(t)
	agent := in.Agent(t, "reader", "growth")
	check := func(schema, method, path, token string, status int) {
		t.Helper()
		req, _ := http.NewRequest(method, in.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v any
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != status {
			t.Fatalf("%s %s: %d, %v", method, path, resp.StatusCode, err)
		}
		if err := doc.Components.Schemas[schema].Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("%s %s does not match %s: %v", method, path, schema, err)
		}
	}
	check("WhoAmI", "GET", "/v1/whoami", agent, 200)
	check("ErrorBody", "GET", "/v1/whoami", "", 401)
	check("ErrorBody", "GET", "/v1/nowhere", "", 404)
	check("ErrorBody", "DELETE", "/v1/whoami", agent, 405)
}

// recorder is a client transport that keeps every exchange.
type recorder struct {
	exchanges []exchange
}

type exchange struct {
	method, path string
	status       int
	contentType  string
	body         []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	r.exchanges = append(r.exchanges, exchange{req.Method, req.URL.Path, resp.StatusCode, resp.Header.Get("Content-Type"), b})
	return resp, nil
}

// operationFor finds the operation of doc that serves method and path.
func operationFor(doc *openapi3.T, method, path string) (string, *openapi3.Operation) {
	for tmpl, item := range doc.Paths.Map() {
		expr := regexp.QuoteMeta(tmpl)
		expr = strings.ReplaceAll(expr, `\{path\}`, `.*`)
		expr = regexp.MustCompile(`\\\{[a-z]+\\\}`).ReplaceAllString(expr, `[^/]+`)
		if regexp.MustCompile("^" + expr + "$").MatchString(path) {
			if op := item.GetOperation(method); op != nil {
				return tmpl, op
			}
		}
	}
	return "", nil
}

// TestOpenAPI_ResponsesMatch drives the owner and agent APIs through a
// day's work and checks every answer against the description: its status
// is documented for the operation, and its JSON body fits the schema.
func TestOpenAPI_ResponsesMatch(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"re_1","amount":100}`))
	}))
	defer up.Close()
	in := gatewaytest.Start(t, rest.New())
	// The instance's API, with the routes gatewaytest leaves out: the
	// access review and the metrics.
	api := &httpapi.Server{Gateway: in.Gateway, Owner: in.Owner, Evidence: in.Log, ProxyHostSuffix: "localhost",
		Review:  &secinfra.Reviewer{Store: in.Store, Log: in.Log, Entries: in.Log, Connectors: in.Gateway.Connectors, Now: time.Now},
		Metrics: metrics.New().Handler()}
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	rec := &recorder{}
	client := &http.Client{Transport: rec}
	do := func(method, path, token, body string, want int) string {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b)
		}
		return string(b)
	}
	owner := in.OwnerToken
	var added httpapi.AddAgentResponse
	json.Unmarshal([]byte(do("POST", "/v1/owner/agents", owner, `{"name":"clerk","department":"finance"}`, 201)), &added)
	agent := added.Token
	ops := "operations:\n  - {name: refunds.create, method: POST, path: /v1/refunds, access: write, points: [money], facts: {amount: /amount, currency: /currency}}\n  - {name: refunds.get, method: GET, path: '/v1/refunds/{id}', access: read}\n"
	conn, _ := json.Marshal(map[string]any{"type": "http", "name": "pay", "base_url": up.URL, "scope": "/v1", "to": "clerk", "write": true,
		"operations": ops, "credential": "sk_test_openapi"})
	var connected httpapi.ConnectResponse
	json.Unmarshal([]byte(do("POST", "/v1/owner/connections", owner, string(conn), 201)), &connected)
	do("GET", "/v1/whoami", agent, "", 200)
	do("POST", "/v1/call", agent, `{"connection":"pay","operation":"refunds.get","args":{"path":"/v1/refunds/re_1"}}`, 200)
	do("GET", "/v1/proxy/pay/v1/refunds/re_1", agent, "", 200)
	var held httpapi.HeldBody
	json.Unmarshal([]byte(do("POST", "/v1/call", agent, `{"connection":"pay","operation":"refunds.create","args":{"body":{"amount":500000,"currency":"usd"}},"purpose":"p"}`, 202)), &held)
	var held2 httpapi.HeldBody
	json.Unmarshal([]byte(do("POST", "/v1/proxy/pay/v1/refunds", agent, `{"amount":600000,"currency":"usd"}`, 202)), &held2)
	do("GET", "/v1/approvals/"+held.ApprovalID, agent, "", 200)
	do("GET", "/v1/owner/approvals", owner, "", 200)
	do("GET", "/v1/owner/approvals?all=true", owner, "", 200)
	do("GET", "/v1/owner/approvals/"+held.ApprovalID, owner, "", 200)
	do("POST", "/v1/owner/approvals/"+held.ApprovalID+"/approve", owner, `{"reason":"ok"}`, 200)
	do("POST", "/v1/owner/approvals/"+held2.ApprovalID+"/deny", owner, `{"reason":"no"}`, 200)
	do("POST", "/v1/owner/approvals/"+held2.ApprovalID+"/deny", owner, `{"reason":"again"}`, 409)
	do("GET", "/v1/approvals/"+held.ApprovalID+"?wait=1s", agent, "", 200)
	do("GET", "/v1/approvals/"+held2.ApprovalID, agent, "", 200)
	do("DELETE", "/v1/proxy/pay/v1/refunds/re_1", agent, "", 403)
	do("POST", "/v1/call", agent, `{"connection":"nope","operation":"GET"}`, 404)
	do("POST", "/v1/call", agent, `{"connection":`, 400)
	do("GET", "/v1/owner/status", owner, "", 200)
	do("GET", "/v1/owner/connectors", owner, "", 200)
	do("GET", "/v1/owner/agents", owner, "", 200)
	do("GET", "/v1/owner/connections", owner, "", 200)
	var g aos.Grant
	json.Unmarshal([]byte(do("POST", "/v1/owner/grants", owner, `{"connection":"pay","scope":"/v1/refunds","to":"clerk","expires_in":"30d","mission":"m1"}`, 201)), &g)
	do("GET", "/v1/owner/grants", owner, "", 200)
	do("DELETE", "/v1/owner/grants/"+g.ID, owner, "", 200)
	do("POST", "/v1/owner/missions/m1/close", owner, "", 200)
	do("GET", "/v1/owner/caps", owner, "", 200)
	do("PUT", "/v1/owner/caps", owner, `{"per_move":200000,"per_week":1000000,"recipient_limit":500,"strict":false,"rates":{"EUR":"1.08"}}`, 200)
	do("GET", "/v1/owner/keys", owner, "", 200)
	do("PUT", "/v1/owner/keys/pay", owner, `{"rotate_every":"60d"}`, 200)
	do("POST", "/v1/owner/keys/pay/rotate", owner, `{"credential":"sk_test_openapi_2"}`, 200)
	do("GET", "/v1/owner/connections/pay/mcp/tools", owner, "", 400) // an http connection pins nothing
	do("POST", "/v1/owner/connections/pay/mcp/accept", owner, `{"tool":"refunds"}`, 400)
	do("POST", "/v1/owner/connections/pay/mcp/names", owner, `{"upstream_names":true}`, 400)
	do("GET", "/v1/owner/pii-map", owner, "", 200)
	do("POST", "/v1/owner/pii-map", owner, `{"subject":"ada@example.com"}`, 200)
	var entries []aos.Entry
	json.Unmarshal([]byte(do("GET", "/v1/owner/evidence?tail=50", owner, "", 200)), &entries)
	redact := int64(-1)
	for _, e := range entries {
		if e.Commitment != "" && redact < 0 {
			redact = e.Index
		}
	}
	do("POST", "/v1/owner/evidence/redact", owner, `{"entry":`+strconv.FormatInt(redact, 10)+`,"reason":"test"}`, 202)
	do("GET", "/v1/owner/review", owner, "", 200)
	do("GET", "/v1/owner/review?window=30d&all=1", owner, "", 200)
	do("POST", "/v1/owner/review/apply", owner, `{"findings":["f_nope"]}`, 404)
	do("POST", "/v1/owner/review/dismiss", owner, `{"finding":"f_nope","reason":"no"}`, 404)
	do("POST", "/v1/owner/keys/pay/exposed", owner, `{}`, 200)
	do("POST", "/v1/owner/connections/pay/disconnect", owner, "", 204)
	do("POST", "/v1/owner/connections/pay/reconnect", owner, `{"credential":"sk_test_openapi_3"}`, 200)
	do("DELETE", "/v1/owner/agents/clerk", owner, "", 204)
	do("GET", "/v1/owner/agents", agent, "", 401)
	do("GET", "/v1/owner/status", "", "", 401)
	do("GET", "/healthz", "", "", 200)
	do("GET", "/metrics", owner, "", 200)
	do("GET", "/metrics", agent, "", 401) // the agent was removed

	doc := loadOpenAPI(t)
	for _, x := range rec.exchanges {
		tmpl, op := operationFor(doc, x.method, x.path)
		if op == nil {
			t.Errorf("%s %s: no operation describes it", x.method, x.path)
			continue
		}
		ref := op.Responses.Status(x.status)
		if ref == nil && (tmpl != proxyPath || x.status == 202 || x.status >= 400) {
			t.Errorf("%s %s: status %d is not documented", x.method, x.path, x.status)
			continue
		}
		if ref == nil {
			ref = op.Responses.Default()
		}
		if !strings.HasPrefix(x.contentType, "application/json") || len(x.body) == 0 {
			continue
		}
		mt := ref.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil {
			if tmpl != proxyPath {
				t.Errorf("%s %s: %d answers JSON; the description has no JSON schema for it", x.method, x.path, x.status)
			}
			continue
		}
		var v any
		if err := json.Unmarshal(x.body, &v); err != nil {
			t.Errorf("%s %s: %v", x.method, x.path, err)
			continue
		}
		if err := mt.Schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			msg, _, _ := strings.Cut(err.Error(), "\n")
			t.Errorf("%s %s: %d does not match its schema: %s", x.method, x.path, x.status, msg)
		}
	}
	if len(rec.exchanges) < 40 {
		t.Fatalf("only %d exchanges checked", len(rec.exchanges))
	}
}
