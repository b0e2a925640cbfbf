package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
)

// TestCaps_Text: the caps API keeps amounts in US cents, as PUT takes
// them, and says them in major units with the currency for people; so
// does the status. A body read back from GET can be put again.
func TestCaps_Text(t *testing.T) {
	in := gatewaytest.Start(t, rest.New())
	var caps struct {
		PerMove int64 `json:"per_move"`
		Text    struct {
			PerMove string   `json:"per_move"`
			PerWeek string   `json:"per_week"`
			Rates   []string `json:"rates"`
		} `json:"text"`
	}
	if err := json.Unmarshal(ownerGet(t, in, "/v1/owner/caps"), &caps); err != nil {
		t.Fatal(err)
	}
	if caps.PerMove != 1000_00 || caps.Text.PerMove != "$1,000.00 USD" || caps.Text.PerWeek != "$10,000.00 USD" {
		t.Fatalf("caps = %+v", caps)
	}
	var raw map[string]any
	json.Unmarshal(ownerGet(t, in, "/v1/owner/caps"), &raw)
	raw["per_move"] = 2500_00
	raw["rates"] = map[string]string{"JPY": "0.0067", "EUR": "1.08"}
	body, _ := json.Marshal(raw)
	req, _ := http.NewRequest(http.MethodPut, in.URL+"/v1/owner/caps", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+in.OwnerToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&caps); err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT: %d %v", resp.StatusCode, err)
	}
	if caps.Text.PerMove != "$2,500.00 USD" || len(caps.Text.Rates) != 2 || caps.Text.Rates[0] != "1 EUR = 1.08 USD" || caps.Text.Rates[1] != "1 JPY = 0.0067 USD" {
		t.Fatalf("caps after PUT = %+v", caps)
	}
	var st struct {
		Money struct {
			PerMove       int64  `json:"per_move"`
			SpentThisWeek int64  `json:"spent_this_week"`
			Text          string `json:"text"`
		} `json:"money"`
	}
	if err := json.Unmarshal(ownerGet(t, in, "/v1/owner/status"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Money.PerMove != 2500_00 || st.Money.Text != "$0.00 USD of $10,000.00 USD this rolling week; at most $2,500.00 USD per move" {
		t.Fatalf("status money = %+v", st.Money)
	}
}
