package ga4test_test

import (
	"context"
	"encoding/json"
	"github.com/aos-dev/aos/connector/ga4/ga4test"
	"golang.org/x/oauth2/google"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const readonly = "https://www.googleapis.com/auth/analytics.readonly"

// mint gets an access token for key from the fake, as Google's client
// library does.
func mint(t *testing.T, key ga4test.Key, scopes ...string) (string, error) {
	t.Helper()
	b, _ := json.Marshal(key)
	cfg, err := google.JWTConfigFromJSON(b, scopes...)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cfg.TokenSource(context.Background()).Token()
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

func call(t *testing.T, method, u, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestServer_Token(t *testing.T) {
	s := ga4test.New(t)
	good := s.NewKey(t, "reporter")
	other := s.NewKey(t, "other")
	forged := good
	forged.PrivateKey = other.PrivateKey // signed by a key the account does not have
	wrongAud := good
	wrongAud.TokenURI = s.URL + "/token?x=1"
	unknown := good
	unknown.ClientEmail = "ghost@aos-test.iam.gserviceaccount.com"
	tests := []struct {
		name   string
		key    ga4test.Key
		scopes []string
		ok     bool
	}{
		{"valid", good, []string{readonly}, true},
		{"forged signature", forged, []string{readonly}, false},
		{"unknown account", unknown, []string{readonly}, false},
		{"no scope", good, nil, false},
		{"other audience", wrongAud, []string{readonly}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := mint(t, tt.key, tt.scopes...)
			if tt.ok != (err == nil) {
				t.Fatalf("mint = %q, %v; want ok %v", tok, err, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "invalid_grant") {
				t.Fatalf("error %v is not an invalid_grant", err)
			}
		})
	}
}

func TestServer_DataAPI(t *testing.T) {
	s := ga4test.New(t)
	key := s.NewKey(t, "reporter")
	s.AddProperty("123", "Shop", "9", key.ClientEmail)
	s.AddProperty("456", "Other", "9")
	tok, err := mint(t, key, readonly)
	if err != nil {
		t.Fatal(err)
	}
	report := `{"dimensions":[{"name":"country"}],"metrics":[{"name":"activeUsers"},{"name":"totalRevenue"}],` +
		`"dateRanges":[{"startDate":"2025-01-01","endDate":"2025-01-07"}],"limit":"2"}`
	tests := []struct {
		name, method, path, token, body string
		status                          int
		check                           func(t *testing.T, body map[string]any)
	}{
		{"runReport", "POST", "/v1beta/properties/123:runReport", tok, report, 200, func(t *testing.T, b map[string]any) {
			rows := b["rows"].([]any)
			if len(rows) != 2 || b["rowCount"].(float64) != 3 || b["kind"] != "analyticsData#runReport" {
				t.Errorf("report = %v", b)
			}
			first := rows[0].(map[string]any)
			if dv := first["dimensionValues"].([]any)[0].(map[string]any)["value"]; dv != "Germany" {
				t.Errorf("first row = %v", first)
			}
			mh := b["metricHeaders"].([]any)[1].(map[string]any)
			if mh["name"] != "totalRevenue" || mh["type"] != "TYPE_CURRENCY" {
				t.Errorf("metricHeaders = %v", b["metricHeaders"])
			}
		}},
		{"realtime", "POST", "/v1beta/properties/123:runRealtimeReport", tok, `{"metrics":[{"name":"activeUsers"}]}`, 200, func(t *testing.T, b map[string]any) {
			if b["kind"] != "analyticsData#runRealtimeReport" || b["rowCount"].(float64) != 1 {
				t.Errorf("report = %v", b)
			}
		}},
		{"batch", "POST", "/v1beta/properties/123:batchRunReports", tok, `{"requests":[` + report + `,` + report + `]}`, 200, func(t *testing.T, b map[string]any) {
			if len(b["reports"].([]any)) != 2 {
				t.Errorf("batch = %v", b)
			}
		}},
		{"metadata", "GET", "/v1beta/properties/123/metadata", tok, "", 200, func(t *testing.T, b map[string]any) {
			if b["name"] != "properties/123/metadata" || len(b["dimensions"].([]any)) == 0 {
				t.Errorf("metadata = %v", b)
			}
		}},
		{"account summaries", "GET", "/v1beta/accountSummaries", tok, "", 200, func(t *testing.T, b map[string]any) {
			ps := b["accountSummaries"].([]any)[0].(map[string]any)["propertySummaries"].([]any)
			if len(ps) != 1 || ps[0].(map[string]any)["property"] != "properties/123" {
				t.Errorf("summaries = %v", b)
			}
		}},
		{"invalid dimension", "POST", "/v1beta/properties/123:runReport", tok, `{"dimensions":[{"name":"nope"}],"dateRanges":[{"startDate":"2025-01-01","endDate":"2025-01-02"}]}`, 400, nil},
		{"no token", "POST", "/v1beta/properties/123:runReport", "", report, 401, nil},
		{"made-up token", "POST", "/v1beta/properties/123:runReport", "ya29.made-up", report, 401, nil},
		{"property not allowed", "POST", "/v1beta/properties/456:runReport", tok, report, 403, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, tt.method, s.URL+tt.path, tt.token, tt.body)
			if status != tt.status {
				t.Fatalf("%s %s = %d %v, want %d", tt.method, tt.path, status, body, tt.status)
			}
			if status != 200 {
				if e, ok := body["error"].(map[string]any); !ok || e["status"] == "" {
					t.Fatalf("error body = %v", body)
				}
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
}

func TestServer_Collect(t *testing.T) {
	s := ga4test.New(t)
	s.AddStream("123", "G-TEST123", "mp-secret")
	for _, secret := range []string{"mp-secret", "wrong"} {
		q := url.Values{"measurement_id": {"G-TEST123"}, "api_secret": {secret}}
		if status, _ := call(t, "POST", s.URL+"/mp/collect?"+q.Encode(), "", `{"client_id":"1.2","events":[{"name":"x"}]}`); status != 204 {
			t.Fatalf("collect = %d", status)
		}
	}
	ev := s.Events()
	if len(ev) != 2 || !ev[0].Accepted || ev[1].Accepted {
		t.Fatalf("events = %+v", ev)
	}
}
