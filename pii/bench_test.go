package pii_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aos-dev/aos/pii"
)

// contactsJSON returns a CRM-like JSON response of about size bytes.
func contactsJSON(tb testing.TB, size int) []byte {
	tb.Helper()
	type contact struct {
		ID        string            `json:"id"`
		Email     string            `json:"email"`
		FirstName string            `json:"first_name"`
		LastName  string            `json:"last_name"`
		Phone     string            `json:"phone"`
		Address   map[string]string `json:"address"`
		Notes     string            `json:"notes"`
		Score     int               `json:"score"`
	}
	var cs []contact
	for i := 0; ; i++ {
		cs = append(cs, contact{
			ID:        fmt.Sprintf("cus_%08dXy", i),
			Email:     fmt.Sprintf("person%d@example.com", i),
			FirstName: "Ada",
			LastName:  fmt.Sprintf("Lovelace%c", 'a'+i%26),
			Phone:     fmt.Sprintf("+44 20 7946 %04d", i%10000),
			Address:   map[string]string{"line1": fmt.Sprintf("%d High Street", i), "city": "London", "postal_code": "SW1A 1AA"},
			Notes:     fmt.Sprintf("Met at the conference; follow up with assistant%d@example.org next week about renewal %d.", i, i),
			Score:     i % 100,
		})
		b, err := json.Marshal(map[string]any{"results": cs})
		if err != nil {
			tb.Fatal(err)
		}
		if len(b) >= size {
			return b
		}
	}
}

func BenchmarkExtractCandidates(b *testing.B) {
	mac := newMAC(b)
	body := contactsJSON(b, 100<<10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(pii.Candidates(mac, pii.Extract("application/json", body)))
	}
	b.ReportMetric(float64(n), "candidates")
}
