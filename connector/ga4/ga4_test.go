package ga4_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/ga4"
	"github.com/aos-dev/aos/connector/ga4/ga4test"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

const (
	shop        = "123456"
	other       = "654321"
	measurement = "G-SHOP1234"
	apiSecret   = "mp-api-secret-9f8e7d"
)

// credential is a key file as Google issues it, plus the Measurement
// Protocol stream of the shop.
func credential(t *testing.T, key ga4test.Key, streams ...map[string]string) vault.Secret {
	t.Helper()
	b, _ := json.Marshal(key)
	var m map[string]any
	json.Unmarshal(b, &m)
	if len(streams) > 0 {
		m["measurement_protocol"] = streams
	}
	b, _ = json.Marshal(m)
	return vault.NewSecret(b)
}

func shopStream() map[string]string {
	return map[string]string{"property": shop, "measurement_id": measurement, "api_secret": apiSecret}
}

// setup starts the fake with two properties the key can read and the
// shop's stream, and an aos instance with the ga4 connection
// "analytics" granted write on the shop only.
func setup(t *testing.T) (*ga4test.Server, *gatewaytest.Instance, ga4test.Key, string) {
	t.Helper()
	fake := ga4test.New(t)
	key := fake.NewKey(t, "reporter")
	fake.AddProperty(shop, "Shop", "77", key.ClientEmail)
	fake.AddProperty(other, "Other", "77", key.ClientEmail)
	fake.AddStream(shop, measurement, apiSecret)
	in := gatewaytest.Start(t, ga4.New())
	in.Connect(t, owner.ConnectRequest{Type: ga4.Type, Name: "analytics", Scope: "property:" + shop, To: "company", Write: true,
		BaseURL: fake.URL + "?mp=" + fake.URL + "&admin=" + fake.URL, Credential: credential(t, key, shopStream())})
	return fake, in, key, in.Agent(t, "analyst", "growth")
}

type answer struct {
	status         int
	raw            []byte
	Status         json.RawMessage     `json:"status"` // the upstream's status, or "pending"
	Body           map[string]any      `json:"body"`
	ApprovalPoints []aos.ApprovalPoint `json:"approval_points"`
	Error          struct{ Code, Message string }
}

func agentDo(t *testing.T, token, method, url string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode}
	a.raw, _ = io.ReadAll(resp.Body)
	json.Unmarshal(a.raw, &a)
	return a
}

func callOp(t *testing.T, in *gatewaytest.Instance, token, conn, op string, args map[string]any) answer {
	t.Helper()
	return agentDo(t, token, "POST", in.URL+"/v1/call", map[string]any{"connection": conn, "operation": op, "args": args})
}

var report = map[string]any{
	"property": shop, "dimensions": []any{map[string]any{"name": "country"}},
	"metrics":    []any{map[string]any{"name": "activeUsers"}},
	"dateRanges": []any{map[string]any{"startDate": "2025-01-01", "endDate": "2025-01-07"}},
}

func TestGA4_Gateway(t *testing.T) {
	fake, in, _, token := setup(t)
	allowed := []struct {
		name, op string
		args     map[string]any
		check    func(t *testing.T, body map[string]any)
	}{
		{"runReport", "runReport", report, func(t *testing.T, b map[string]any) {
			if b["kind"] != "analyticsData#runReport" || b["rowCount"] != float64(3) || len(b["rows"].([]any)) != 3 {
				t.Errorf("report = %v", b)
			}
		}},
		{"runRealtimeReport", "runRealtimeReport", map[string]any{"property": "properties/" + shop, "metrics": []any{map[string]any{"name": "activeUsers"}}},
			func(t *testing.T, b map[string]any) {
				if b["kind"] != "analyticsData#runRealtimeReport" {
					t.Errorf("report = %v", b)
				}
			}},
		{"batchRunReports", "batchRunReports", map[string]any{"property": shop, "requests": []any{with(report, "property", "properties/"+shop), with(report, "property", nil)}},
			func(t *testing.T, b map[string]any) {
				if len(b["reports"].([]any)) != 2 {
					t.Errorf("batch = %v", b)
				}
			}},
		{"getMetadata", "getMetadata", map[string]any{"property": shop}, func(t *testing.T, b map[string]any) {
			if b["name"] != "properties/"+shop+"/metadata" {
				t.Errorf("metadata = %v", b)
			}
		}},
	}
	for _, tt := range allowed {
		t.Run(tt.name, func(t *testing.T) {
			a := callOp(t, in, token, "analytics", tt.op, tt.args)
			if a.status != 200 {
				t.Fatalf("%s = %d %s", tt.op, a.status, a.raw)
			}
			tt.check(t, a.Body)
		})
	}

	t.Run("proxied runReport", func(t *testing.T) {
		a := agentDo(t, token, "POST", in.URL+"/v1/proxy/analytics/v1beta/properties/"+shop+":runReport?$alt=json;enum-encoding=int", report)
		if a.status != 200 || !bytes.Contains(a.raw, []byte(`"analyticsData#runReport"`)) {
			t.Fatalf("proxy = %d %s", a.status, a.raw)
		}
	})

	t.Run("upstream saw only minted tokens, one of them", func(t *testing.T) {
		var reqs []ga4test.Request
		for _, r := range fake.Requests() {
			if !strings.Contains(r.Path, "accountSummaries") { // the connect-time inspection
				reqs = append(reqs, r)
			}
		}
		if len(reqs) != 5 {
			t.Fatalf("upstream saw %d requests", len(reqs))
		}
		for _, r := range reqs {
			if !strings.HasPrefix(r.Authorization, "Bearer ya29.fake-") || r.Authorization != reqs[0].Authorization ||
				strings.Contains(r.Authorization, token) {
				t.Errorf("%s %s: Authorization %q", r.Method, r.Path, r.Authorization)
			}
		}
		if fake.Minted() != 1 {
			t.Errorf("minted %d tokens for one key, want 1 (cached)", fake.Minted())
		}
	})

	denied := []struct {
		name, op string
		args     map[string]any
		code     string
	}{
		{"property outside the scope", "runReport", with(report, "property", other), aos.EOutOfScope},
		{"batch naming another property", "batchRunReports", map[string]any{"property": shop, "requests": []any{with(report, "property", "properties/"+other)}}, aos.EOutOfScope},
		{"unknown operation", "deleteProperty", map[string]any{"property": shop}, aos.EUnknownOperation},
		{"no property", "runReport", with(report, "property", nil), aos.EBadRequest},
		{"events to a stream the key lacks", "sendEvents", event("G-OTHER999", nil), aos.EOutOfScope},
	}
	for _, tt := range denied {
		t.Run(tt.name, func(t *testing.T) {
			before, events := len(fake.Requests()), len(fake.Events())
			a := callOp(t, in, token, "analytics", tt.op, tt.args)
			if a.Error.Code != tt.code {
				t.Fatalf("%s = %d %s, want %s", tt.op, a.status, a.raw, tt.code)
			}
			if len(fake.Requests()) != before || len(fake.Events()) != events {
				t.Fatal("the upstream saw the call")
			}
		})
	}

	t.Run("proxied path outside the Data API", func(t *testing.T) {
		for _, p := range []string{"/v1beta/properties/" + shop + ":runPivotReport", "/mp/collect", "/v1beta/properties/" + shop + "/../" + other + ":runReport"} {
			if a := agentDo(t, token, "POST", in.URL+"/v1/proxy/analytics"+p, report); a.Error.Code != aos.EUnknownOperation {
				t.Errorf("POST %s = %d %s", p, a.status, a.raw)
			}
		}
	})

	t.Run("read-only grant cannot send events", func(t *testing.T) {
		key := fake.NewKey(t, "viewer")
		in.Connect(t, owner.ConnectRequest{Type: ga4.Type, Name: "analytics-ro", Scope: "property:" + shop, To: "company",
			BaseURL: fake.URL + "?mp=" + fake.URL, Credential: credential(t, key, shopStream())})
		if a := callOp(t, in, token, "analytics-ro", "sendEvents", event(measurement, nil)); a.Error.Code != aos.EReadOnly {
			t.Fatalf("sendEvents = %d %s", a.status, a.raw)
		}
	})

	t.Run("anonymous events are sent with the stream's secret", func(t *testing.T) {
		a := callOp(t, in, token, "analytics", "sendEvents", event(measurement, nil))
		if a.status != 200 || a.Body["sent"] != true || a.Body["events"] != float64(1) {
			t.Fatalf("sendEvents = %d %s", a.status, a.raw)
		}
		ev := fake.Events()
		if len(ev) != 1 || !ev[0].Accepted || ev[0].MeasurementID != measurement {
			t.Fatalf("events = %+v", ev)
		}
		if bytes.Contains(a.raw, []byte(apiSecret)) {
			t.Fatal("the API secret is in the answer")
		}
	})

	identifying := []struct {
		name  string
		extra map[string]any
	}{
		{"user_id", map[string]any{"user_id": "customer-4711"}},
		{"email in user_properties", map[string]any{"user_properties": map[string]any{"contact": map[string]any{"value": "ada@example.com"}}}},
		{"escaped email in params", map[string]any{"events": []any{map[string]any{"name": "signup", "params": map[string]any{"who": "ada\u0040example.com"}}}}},
		{"user_data", map[string]any{"user_data": map[string]any{"sha256_email_address": []string{"a3f1..."}}}},
	}
	for _, tt := range identifying {
		t.Run("events identifying people are held: "+tt.name, func(t *testing.T) {
			before := len(fake.Events())
			a := callOp(t, in, token, "analytics", "sendEvents", event(measurement, tt.extra))
			if a.status != 202 || len(a.ApprovalPoints) != 1 || a.ApprovalPoints[0] != aos.PointCustomerData {
				t.Fatalf("sendEvents = %d %s", a.status, a.raw)
			}
			if len(fake.Events()) != before {
				t.Fatal("held events reached Google")
			}
		})
	}

	t.Run("a revoked token is replaced", func(t *testing.T) {
		fake.RevokeTokens()
		minted := fake.Minted()
		if a := callOp(t, in, token, "analytics", "runReport", report); string(a.Status) != "401" {
			t.Fatalf("with a revoked token: %d %s", a.status, a.raw)
		}
		if a := callOp(t, in, token, "analytics", "runReport", report); a.status != 200 || fake.Minted() != minted+1 {
			t.Fatalf("after: %d %s, %d minted", a.status, a.raw, fake.Minted())
		}
	})

	in.Verify(t)
}

// event is sendEvents args for a stream, with extra members.
func event(measurementID string, extra map[string]any) map[string]any {
	args := map[string]any{"property": shop, "measurement_id": measurementID, "client_id": "1234.5678",
		"events": []any{map[string]any{"name": "page_view", "params": map[string]any{"page_location": "https://shop.example/"}}}}
	for k, v := range extra {
		args[k] = v
	}
	return args
}

// with returns a copy of m with key set to v (removed when v is nil).
func with(m map[string]any, key string, v any) map[string]any {
	out := map[string]any{}
	for k, x := range m {
		out[k] = x
	}
	if v == nil {
		delete(out, key)
	} else {
		out[key] = v
	}
	return out
}

func TestConnector_Inspect(t *testing.T) {
	fake := ga4test.New(t)
	key := fake.NewKey(t, "reporter")
	fake.AddProperty(shop, "Shop", "77", key.ClientEmail)
	fake.AddProperty(other, "Other", "78", key.ClientEmail)
	fake.AddProperty("999", "Not shared", "78")
	c := &aos.Connection{ID: 1, Name: "analytics", BaseURL: fake.URL + "?admin=" + fake.URL}
	k := ga4.New()
	if err := k.Configure(c); err != nil {
		t.Fatal(err)
	}
	info, err := k.Inspect(context.Background(), c, credential(t, key, shopStream()))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(info.Resources, ",") != "property:"+shop+",property:"+other || !info.CanWrite || info.AccountWide ||
		len(info.Scopes) != 2 || !strings.Contains(info.Scopes[1], measurement) {
		t.Fatalf("info = %+v", info)
	}
	if b, _ := json.Marshal(info); bytes.Contains(b, []byte(apiSecret)) || bytes.Contains(b, []byte("PRIVATE KEY")) {
		t.Fatal("Inspect reveals a secret")
	}
}

func TestConnector_DoTokenRefused(t *testing.T) {
	fake := ga4test.New(t)
	key := fake.NewKey(t, "reporter")
	forged := key
	forged.PrivateKey = fake.NewKey(t, "someone").PrivateKey
	fake.AddProperty(shop, "Shop", "77", key.ClientEmail)
	c := &aos.Connection{ID: 1, Name: "analytics", BaseURL: fake.URL}
	k := ga4.New()
	if err := k.Configure(c); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(report)
	call, err := k.FromCall(c, "runReport", b)
	if err != nil {
		t.Fatal(err)
	}
	_, err = k.Do(context.Background(), c, credential(t, forged), call)
	if aos.ErrorCode(err) != aos.EUpstream || !strings.Contains(err.Error(), "invalid_grant") ||
		strings.Contains(err.Error(), "PRIVATE") || strings.Contains(err.Error(), "ya29") {
		t.Fatalf("Do = %v", err)
	}
	if len(fake.Requests()) != 0 {
		t.Fatal("the Data API saw a call without a token")
	}
}
