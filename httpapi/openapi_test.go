package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/internal/gatewaytest"
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
		aos.EBadRequest, aos.ETooLarge, aos.ETooManyPending, aos.EUnsupportedEncoding, aos.EUpstream,
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
		"FlowMap": secinfra.FlowMap{}, "Description": connector.Description{},
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
