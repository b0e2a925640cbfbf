package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metricsOps declares a payments API: refunds move money (held over the
// cap), reading one does not.
const metricsOps = `operations:
  - name: refunds.create
    method: POST
    path: /v1/refunds
    access: write
    points: [money]
    facts: {amount: /amount, currency: /currency}
  - name: refunds.get
    method: GET
    path: /v1/refunds/{id}
    access: read
`

// scrape is one parsed scrape of /metrics.
type scrape struct {
	text     string
	families map[string]*dto.MetricFamily
}

func scrapeMetrics(t *testing.T, url, token string) scrape {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %s\n%s", url, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("the scrape does not parse as Prometheus text: %v\n%s", err, b)
	}
	return scrape{text: string(b), families: fams}
}

// value returns the counter, or the histogram's sample count, of the
// series of family name with exactly labels; 0 if there is none.
func (s scrape) value(name string, labels map[string]string) float64 {
	f := s.families[name]
	if f == nil {
		return 0
	}
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return 0
}

// sum returns the sum of every sample count (histograms) or value
// (counters) of family name.
func (s scrape) sum(name string, of func(*dto.Metric) float64) float64 {
	total := 0.0
	if f := s.families[name]; f != nil {
		for _, m := range f.GetMetric() {
			total += of(m)
		}
	}
	return total
}

func histCount(m *dto.Metric) float64    { return float64(m.GetHistogram().GetSampleCount()) }
func histSum(m *dto.Metric) float64      { return m.GetHistogram().GetSampleSum() }
func counterValue(m *dto.Metric) float64 { return m.GetCounter().GetValue() }

// TestMetrics_Scrape runs aos serve, makes allowed, denied and held calls,
// approves one hold and denies another, and checks by how much each metric
// moved, on the main listener (owner's token) and on --metrics-listen (no
// token), and that nothing secret or customer-related is in a scrape.
func TestMetrics_Scrape(t *testing.T) {
	const (
		credential = "sk_live_metricscanary_5f3a9c"
		customer   = "ada.lovelace@example.com"
		purpose    = "refund order ord_canary_7731 for the angry customer"
		resourceID = "re_canaryresource_0042"
	)
	var seenAuth []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenAuth = append(seenAuth, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"` + resourceID + `","status":"succeeded"}`))
	}))
	defer up.Close()

	in := startInstance(t, "", "--metrics-listen", "127.0.0.1:0", "--review-every", "0")
	ownerToken := strings.TrimSpace(readFile(t, filepath.Join(in.home, ownerTokenFile)))
	metricsURL := regexp.MustCompile(`serving metrics without a token" url=(\S+)`).FindStringSubmatch(in.logs.String())
	if metricsURL == nil {
		t.Fatalf("no metrics address in the log:\n%s", in.logs)
	}
	owner := func(method, path, body string) (int, string) {
		t.Helper()
		return call(t, method, in.url+path, ownerToken, body)
	}
	st, body := owner("POST", "/v1/owner/agents", `{"name":"buyer","department":"finance"}`)
	var added struct{ Token string }
	json.Unmarshal([]byte(body), &added)
	if st != 201 || added.Token == "" {
		t.Fatalf("add agent: %d %s", st, body)
	}
	agent := added.Token
	conn, _ := json.Marshal(map[string]any{"type": "http", "name": "pay", "base_url": up.URL, "scope": "/v1",
		"to": "buyer", "write": true, "operations": metricsOps, "credential": credential})
	if st, body := owner("POST", "/v1/owner/connections", string(conn)); st != 201 {
		t.Fatalf("connect: %d %s", st, body)
	}

	// Who may scrape: the owner (and auditors) on the main listener, not
	// an agent, not anyone without a token.
	if st, _ := call(t, "GET", in.url+"/metrics", agent, ""); st != 403 {
		t.Fatalf("an agent scraped /metrics: %d", st)
	}
	if st, _ := call(t, "GET", in.url+"/metrics", "", ""); st != 401 {
		t.Fatalf("no token scraped /metrics: %d", st)
	}
	if st, body := call(t, "GET", strings.TrimSuffix(metricsURL[1], "/metrics")+"/v1/whoami", agent, ""); st != 404 || !strings.Contains(body, `"not_found"`) {
		t.Fatalf("the metrics address serves more than /metrics: %d %s", st, body)
	}
	before := scrapeMetrics(t, in.url+"/metrics", ownerToken)

	agentCall := func(method, path, body string, header map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, in.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+agent)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	expect := func(want int, got int, body string) {
		t.Helper()
		if got != want {
			t.Fatalf("status %d, want %d: %s", got, want, body)
		}
	}
	// Allowed: two reads and a small refund.
	for range 2 {
		st, body := agentCall("GET", "/v1/proxy/pay/v1/refunds/"+resourceID, "", nil)
		expect(200, st, body)
	}
	st, body = agentCall("POST", "/v1/proxy/pay/v1/refunds", `{"amount":5000,"currency":"usd","email":"`+customer+`"}`, nil)
	expect(200, st, body)
	// Denied: an undeclared operation, and a connection that does not exist.
	st, body = agentCall("DELETE", "/v1/proxy/pay/v1/refunds/"+resourceID, "", nil)
	expect(403, st, body)
	st, body = agentCall("GET", "/v1/proxy/ghost-canary-conn/v1/x", "", nil)
	expect(404, st, body)
	// Held: two refunds over the cap, with the agent's purpose.
	var ids []string
	for _, amount := range []string{"250000", "300000"} {
		st, body := agentCall("POST", "/v1/proxy/pay/v1/refunds", `{"amount":`+amount+`,"currency":"usd","email":"`+customer+`"}`,
			map[string]string{"AOS-Purpose": purpose, "AOS-Recommendation": "approve for " + customer})
		expect(202, st, body)
		var held struct {
			ApprovalID string `json:"approval_id"`
		}
		json.Unmarshal([]byte(body), &held)
		ids = append(ids, held.ApprovalID)
	}
	time.Sleep(10 * time.Millisecond) // a measurable time to decide
	if st, body := owner("POST", "/v1/owner/approvals/"+ids[0]+"/approve", `{"reason":"ok"}`); st != 200 || !strings.Contains(body, `"executed"`) {
		t.Fatalf("approve: %d %s", st, body)
	}
	if st, body := owner("POST", "/v1/owner/approvals/"+ids[1]+"/deny", `{"reason":"too much"}`); st != 200 {
		t.Fatalf("deny: %d %s", st, body)
	}
	if len(seenAuth) != 4 || seenAuth[0] != "Bearer "+credential {
		t.Fatalf("the upstream saw %d calls (%v), want 4 with the credential", len(seenAuth), len(seenAuth) > 0)
	}

	after := scrapeMetrics(t, in.url+"/metrics", ownerToken)
	open := scrapeMetrics(t, metricsURL[1], "")
	for _, s := range []scrape{after, open} {
		moved := func(name string, labels map[string]string, want float64) {
			t.Helper()
			if got := s.value(name, labels) - before.value(name, labels); got != want {
				t.Errorf("%s%v moved by %v, want %v", name, labels, got, want)
			}
		}
		calls := func(conn, access, decision string, want float64) {
			t.Helper()
			moved("aos_calls_total", map[string]string{"connection": conn, "access": access, "decision": decision}, want)
		}
		calls("pay", "read", "allowed", 2)
		calls("pay", "write", "allowed", 1)
		calls("pay", "write", "held", 2)
		calls("pay", "unknown", "denied", 1)
		calls("_unknown", "unknown", "denied", 1)
		if got, want := s.sum("aos_calls_total", counterValue)-before.sum("aos_calls_total", counterValue), 7.0; got != want {
			t.Errorf("aos_calls_total moved by %v in all, want %v", got, want)
		}
		moved("aos_calls_denied_total", map[string]string{"connection": "pay", "code": "unknown_operation"}, 1)
		moved("aos_calls_denied_total", map[string]string{"connection": "_unknown", "code": "unknown_connection"}, 1)
		moved("aos_call_outcomes_total", map[string]string{"connection": "pay", "result": "2xx"}, 4)
		moved("aos_holds_total", map[string]string{"point": "money"}, 2)
		moved("aos_approval_decisions_total", map[string]string{"decision": "approved"}, 1)
		moved("aos_approval_decisions_total", map[string]string{"decision": "denied"}, 1)
		moved("aos_approval_decision_seconds", map[string]string{"decision": "approved"}, 1)
		moved("aos_approval_decision_seconds", map[string]string{"decision": "denied"}, 1)
		if d := s.sum("aos_approval_decision_seconds", histSum) - before.sum("aos_approval_decision_seconds", histSum); d < 0.01 {
			t.Errorf("time to decide summed to %vs, want at least the 10ms the test waited", d)
		}
		moved("aos_upstream_request_seconds", map[string]string{"connection": "pay"}, 4)
		// Every Record (2 per allowed call, 1 per denial or hold, 3 for
		// the approval and its run, 1 for the denial) waited once, and
		// was one writer of one batch.
		appends := s.sum("aos_evidence_append_seconds", histCount) - before.sum("aos_evidence_append_seconds", histCount)
		writers := s.sum("aos_evidence_batch_size", histSum) - before.sum("aos_evidence_batch_size", histSum)
		if appends < 14 || writers != appends {
			t.Errorf("evidence: %v appends waited for, %v writers in batches; want the same, at least 14", appends, writers)
		}
		for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "aos_evidence_batch_seconds", "aos_evidence_batch_entries"} {
			if s.families[name] == nil {
				t.Errorf("no %s in the scrape", name)
			}
		}
		for _, secret := range []string{credential, agent, ownerToken, customer, "ada.lovelace", purpose, "ord_canary", resourceID, "canaryresource", "buyer", "finance", "/v1/refunds", "ghost"} {
			if strings.Contains(s.text, secret) {
				t.Errorf("the scrape holds %q", secret)
			}
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
