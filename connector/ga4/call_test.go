package ga4_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/ga4"
	"github.com/aos-dev/aos/connector/ga4/ga4test"
	"github.com/aos-dev/aos/vault"
)

func TestCheckScope(t *testing.T) {
	tests := []struct{ scope, want string }{
		{"*", "*"},
		{"property:123", "property:123"},
		{"properties/123", "property:123"},
		{"property:0", "property:0"},
		{"", ""}, {"property:", ""}, {"property:0123", ""}, {"property:12a", ""}, {"property:*", ""},
		{"account:1", ""}, {"123", ""}, {"property:123/x", ""}, {"Property:123", ""},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			got, err := ga4.CheckScope(tt.scope)
			if tt.want == "" {
				if aos.ErrorCode(err) != aos.EBadRequest {
					t.Fatalf("CheckScope(%q) = %q, %v; want bad_request", tt.scope, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CheckScope(%q) = %q, %v; want %q", tt.scope, got, err, tt.want)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		scope, resource string
		want            bool
	}{
		{"property:123", "property:123", true},
		{"properties/123", "property:123", true},
		{"property:123", "property:1234", false},
		{"property:123", "property:12", false},
		{"*", "property:9", true},
		{"*", "property:09", false},
		{"*", "properties/9", false},
		{"bogus", "property:9", false},
	}
	for _, tt := range tests {
		t.Run(tt.scope+" "+tt.resource, func(t *testing.T) {
			if got := ga4.Covers(tt.scope, tt.resource); got != tt.want {
				t.Fatalf("Covers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConnector_Configure(t *testing.T) {
	tests := []struct{ name, base, auth, want string }{
		{"default", "", "", ga4.DefaultDataAPI},
		{"explicit default", "https://AnalyticsData.googleapis.com/", "", ga4.DefaultDataAPI},
		{"loopback with options", "http://127.0.0.1:8080?mp=http://127.0.0.1:8081&admin=http://localhost:8082", "",
			"http://127.0.0.1:8080?admin=http://localhost:8082&mp=http://127.0.0.1:8081"},
		{"EU collection", "?mp=https://region1.google-analytics.com", "", "https://analyticsdata.googleapis.com?mp=https://region1.google-analytics.com"},
		{"http remote", "http://analyticsdata.googleapis.com", "", ""},
		{"path", "https://analyticsdata.googleapis.com/v1beta", "", ""},
		{"user info", "https://u:p@analyticsdata.googleapis.com", "", ""},
		{"unknown option", "https://analyticsdata.googleapis.com?key=1", "", ""},
		{"http mp remote", "https://analyticsdata.googleapis.com?mp=http://www.google-analytics.com", "", ""},
		{"mp with path", "https://analyticsdata.googleapis.com?mp=https://x.example/mp", "", ""},
		{"auth mode", "", "bearer", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &aos.Connection{Name: "analytics", BaseURL: tt.base, Auth: tt.auth}
			err := ga4.New().Configure(c)
			if tt.want == "" {
				if aos.ErrorCode(err) != aos.EBadRequest {
					t.Fatalf("Configure(%q) = %q, %v; want bad_request", tt.base, c.BaseURL, err)
				}
				return
			}
			if err != nil || c.BaseURL != tt.want {
				t.Fatalf("Configure(%q) = %q, %v; want %q", tt.base, c.BaseURL, err, tt.want)
			}
			again := &aos.Connection{BaseURL: c.BaseURL}
			if err := ga4.New().Configure(again); err != nil || again.BaseURL != c.BaseURL {
				t.Fatalf("not a fixed point: %q, %v", again.BaseURL, err)
			}
		})
	}
}

func TestConnector_CheckCredential(t *testing.T) {
	fake := ga4test.New(t)
	key := fake.NewKey(t, "reporter")
	edit := func(f func(m map[string]any)) vault.Secret {
		b, _ := json.Marshal(key)
		var m map[string]any
		json.Unmarshal(b, &m)
		f(m)
		b, _ = json.Marshal(m)
		return vault.NewSecret(b)
	}
	tests := []struct {
		name   string
		secret vault.Secret
		ok     bool
	}{
		{"key file", credential(t, key), true},
		{"with a stream", credential(t, key, shopStream()), true},
		{"google token uri", edit(func(m map[string]any) { m["token_uri"] = "https://oauth2.googleapis.com/token" }), true},
		{"not JSON", vault.NewSecret([]byte("AIzaSy-an-api-key")), false},
		{"user credentials", edit(func(m map[string]any) { m["type"] = "authorized_user" }), false},
		{"no client_email", edit(func(m map[string]any) { delete(m, "client_email") }), false},
		{"bad private key", edit(func(m map[string]any) {
			m["private_key"] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
		}), false},
		{"http token uri", edit(func(m map[string]any) { m["token_uri"] = "http://oauth2.googleapis.com/token" }), false},
		{"stream without secret", edit(func(m map[string]any) {
			m["measurement_protocol"] = []any{map[string]any{"property": shop, "measurement_id": measurement}}
		}), false},
		{"stream with bad id", edit(func(m map[string]any) {
			m["measurement_protocol"] = []any{map[string]any{"property": shop, "measurement_id": "UA-1", "api_secret": "x"}}
		}), false},
		{"stream twice", credential(t, key, shopStream(), shopStream()), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ga4.New().CheckCredential(&aos.Connection{}, tt.secret)
			if tt.ok != (err == nil) {
				t.Fatalf("CheckCredential = %v; want ok %v", err, tt.ok)
			}
			if err != nil && (aos.ErrorCode(err) != aos.EBadRequest || strings.Contains(err.Error(), "PRIVATE") || strings.Contains(err.Error(), "AIza")) {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestConnector_FromCall(t *testing.T) {
	c := &aos.Connection{Name: "analytics"}
	ga4.New().Configure(c)
	tests := []struct {
		name, op, args string
		code           string
		method, url    string
		share          bool
	}{
		{"runReport", "runReport", `{"property":"42","metrics":[{"name":"sessions"}]}`, "", "POST",
			"https://analyticsdata.googleapis.com/v1beta/properties/42:runReport", false},
		{"getMetadata", "getMetadata", `{"property":"properties/42"}`, "", "GET",
			"https://analyticsdata.googleapis.com/v1beta/properties/42/metadata", false},
		{"sendEvents", "sendEvents", `{"property":"42","measurement_id":"G-ABC1234","client_id":"1.2","events":[{"name":"x"}]}`, "",
			"POST", "https://www.google-analytics.com/mp/collect?measurement_id=G-ABC1234", false},
		{"sendEvents with user_id", "sendEvents", `{"property":"42","measurement_id":"G-ABC1234","client_id":"1.2","user_id":"u7","events":[{"name":"x"}]}`, "",
			"POST", "https://www.google-analytics.com/mp/collect?measurement_id=G-ABC1234", true},
		{"sendEvents with empty user_id", "sendEvents", `{"property":"42","measurement_id":"G-ABC1234","client_id":"1.2","user_id":"","events":[{"name":"x"}]}`, "",
			"POST", "https://www.google-analytics.com/mp/collect?measurement_id=G-ABC1234", false},

		{"unknown operation", "runPivotReport", `{"property":"42"}`, aos.EUnknownOperation, "", "", false},
		{"not an object", "runReport", `[]`, aos.EBadRequest, "", "", false},
		{"property number", "runReport", `{"property":42}`, aos.EBadRequest, "", "", false},
		{"property with path", "runReport", `{"property":"42/../43"}`, aos.EBadRequest, "", "", false},
		{"metadata with a body", "getMetadata", `{"property":"42","x":1}`, aos.EBadRequest, "", "", false},
		{"batch without requests", "batchRunReports", `{"property":"42"}`, aos.EBadRequest, "", "", false},
		{"batch on another property", "batchRunReports", `{"property":"42","requests":[{"property":"properties/43"}]}`, aos.EOutOfScope, "", "", false},
		{"events without measurement id", "sendEvents", `{"property":"42","client_id":"1.2","events":[{"name":"x"}]}`, aos.EBadRequest, "", "", false},
		{"events with an unknown member", "sendEvents", `{"property":"42","measurement_id":"G-ABC1234","client_id":"1.2","userId":"u","events":[{"name":"x"}]}`, aos.EBadRequest, "", "", false},
		{"events without client id", "sendEvents", `{"property":"42","measurement_id":"G-ABC1234","events":[{"name":"x"}]}`, aos.EBadRequest, "", "", false},
		{"too many events", "sendEvents", `{"property":"42","measurement_id":"G-ABC1234","client_id":"1","events":[` +
			strings.TrimSuffix(strings.Repeat(`{"name":"x"},`, 26), ",") + `]}`, aos.EBadRequest, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call, err := ga4.New().FromCall(c, tt.op, json.RawMessage(tt.args))
			if tt.code != "" {
				if aos.ErrorCode(err) != tt.code {
					t.Fatalf("FromCall = %v; want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if call.Upstream.Method != tt.method || call.Upstream.URL != tt.url || call.Resource != "property:42" || call.Facts.Share != tt.share {
				t.Fatalf("call = %s %s %s %+v", call.Upstream.Method, call.Upstream.URL, call.Resource, call.Facts)
			}
			if strings.Contains(string(call.Upstream.Body), `"property"`) || strings.Contains(string(call.Upstream.Body), "measurement_id") {
				t.Fatalf("body %s keeps the routing members", call.Upstream.Body)
			}
		})
	}
}

func TestConnector_FromHTTP(t *testing.T) {
	c := &aos.Connection{Name: "analytics"}
	ga4.New().Configure(c)
	body := `{"metrics":[{"name":"sessions"}]}`
	tests := []struct {
		name, method, path, query, body string
		code, op                        string
	}{
		{"runReport", "POST", "/v1beta/properties/42:runReport", "", body, "", "runReport"},
		{"escaped colon", "POST", "/v1beta/properties/42%3ArunReport", "", body, "", "runReport"},
		{"system parameters", "POST", "/v1beta/properties/42:runRealtimeReport", "$alt=json;enum-encoding=int&prettyPrint=false", body, "", "runRealtimeReport"},
		{"metadata", "GET", "/v1beta/properties/42/metadata", "", "", "", "getMetadata"},
		{"body property", "POST", "/v1beta/properties/42:runReport", "", `{"property":"properties/42"}`, "", "runReport"},

		{"other property in body", "POST", "/v1beta/properties/42:runReport", "", `{"property":"properties/43"}`, aos.EOutOfScope, ""},
		{"api key in query", "POST", "/v1beta/properties/42:runReport", "key=AIza", body, aos.EBadRequest, ""},
		{"GET a report", "GET", "/v1beta/properties/42:runReport", "", "", aos.EUnknownOperation, ""},
		{"pivot", "POST", "/v1beta/properties/42:runPivotReport", "", body, aos.EUnknownOperation, ""},
		{"dot segments", "POST", "/v1beta/properties/43/../42:runReport", "", body, aos.EUnknownOperation, ""},
		{"encoded slash", "POST", "/v1beta%2Fproperties/42:runReport", "", body, "", "runReport"},
		{"leading zero", "POST", "/v1beta/properties/042:runReport", "", body, aos.EUnknownOperation, ""},
		{"admin api", "GET", "/v1beta/accountSummaries", "", "", aos.EUnknownOperation, ""},
		{"collect", "POST", "/mp/collect", "measurement_id=G-X", body, aos.EUnknownOperation, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call, err := ga4.New().FromHTTP(c, &connector.HTTPRequest{Method: tt.method, RawPath: tt.path, RawQuery: tt.query,
				Header: http.Header{"Authorization": {"Bearer agent-token"}}, Body: []byte(tt.body)})
			if tt.code != "" {
				if aos.ErrorCode(err) != tt.code {
					t.Fatalf("FromHTTP = %v; want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if call.Operation.Name != tt.op || call.Resource != "property:42" || call.Upstream.Header.Get("Authorization") != "" ||
				strings.Contains(call.Upstream.URL, "?") {
				t.Fatalf("call = %s %s %+v", call.Operation.Name, call.Resource, call.Upstream)
			}
		})
	}
}

// TestConnector_DoRefusesAlteredCalls checks that nothing is sent that is
// not what FromCall built for the authorised operation and resource: a
// call sealed for an approval is read again once, by the gateway's
// connector.Recheck, and Do checks the key's stream.
func TestConnector_DoRefusesAlteredCalls(t *testing.T) {
	fake := ga4test.New(t)
	key := fake.NewKey(t, "reporter")
	fake.AddProperty(shop, "Shop", "77", key.ClientEmail)
	fake.AddStream(shop, measurement, apiSecret)
	otherStream := map[string]string{"property": other, "measurement_id": "G-OTHER999", "api_secret": "other-secret-123"}
	secret := credential(t, key, shopStream(), otherStream)
	c := &aos.Connection{ID: 1, Name: "analytics", BaseURL: fake.URL + "?mp=" + fake.URL}
	k := ga4.New()
	k.Configure(c)
	fresh := func(op string, args map[string]any) *connector.Call {
		b, _ := json.Marshal(args)
		call, err := k.FromCall(c, op, b)
		if err != nil {
			t.Fatal(err)
		}
		return call
	}
	tests := []struct {
		name  string
		call  *connector.Call
		alter func(*connector.Call)
		code  string
	}{
		{"other resource", fresh("runReport", report), func(c *connector.Call) { c.Resource = "property:" + other }, aos.EOutOfScope},
		{"other host", fresh("runReport", report), func(c *connector.Call) {
			c.Upstream.URL = strings.Replace(c.Upstream.URL, "127.0.0.1", "localhost", 1)
		}, aos.EOutOfScope},
		{"other method", fresh("runReport", report), func(c *connector.Call) { c.Upstream.URL += "x" }, aos.EOutOfScope},
		{"operation renamed", fresh("runReport", report), func(c *connector.Call) { c.Operation = ga4.OpGetMetadata }, aos.EUnknownOperation},
		{"write as read", fresh("sendEvents", event(measurement, nil)), func(c *connector.Call) { c.Operation.Access = aos.Read }, aos.EUnknownOperation},
		{"property in body", fresh("runReport", report), func(c *connector.Call) { c.Upstream.Body = []byte(`{"property":"properties/1"}`) }, aos.EOutOfScope},
		{"stream of another property", fresh("sendEvents", with(event("G-OTHER999", nil), "property", shop)), nil, aos.EOutOfScope},
		{"identifying events decided as anonymous", fresh("sendEvents", event(measurement, nil)), func(c *connector.Call) {
			c.Upstream.Body = []byte(`{"client_id":"1","user_id":"u7","events":[{"name":"x"}]}`)
		}, aos.EUnknownOperation},
		{"api secret in the URL", fresh("sendEvents", event(measurement, nil)), func(c *connector.Call) { c.Upstream.URL += "&api_secret=x" }, aos.EOutOfScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.alter != nil {
				tt.alter(tt.call)
			}
			_, err := recheckAndDo(k, c, secret, tt.call)
			if aos.ErrorCode(err) != tt.code {
				t.Fatalf("Do = %v; want %s", err, tt.code)
			}
		})
	}
	if len(fake.Requests()) != 0 || len(fake.Events()) != 0 || fake.Minted() != 0 {
		t.Fatalf("the upstream was contacted: %d requests, %d events, %d tokens", len(fake.Requests()), len(fake.Events()), fake.Minted())
	}
}

// recheckAndDo sends a call as the gateway sends an approved one: read
// again by connector.Recheck, then sent by Do as decided.
func recheckAndDo(k *ga4.Connector, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if err := connector.Recheck(k, c, call); err != nil {
		return nil, err
	}
	return k.Do(context.Background(), c, secret, call)
}
