package pii_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/pii"
	"github.com/aos-dev/aos/vault"
)

// fingerprints is a store of learnt fingerprints, as aos.Tx keeps them.
type fingerprints map[string][]aos.Fingerprint

func (s fingerprints) put(connection string, fps []aos.Fingerprint) {
	for _, fp := range fps {
		fp.Connection = connection
		s[string(fp.MAC)] = append(s[string(fp.MAC)], fp)
	}
}

func (s fingerprints) find(macs [][]byte) []aos.Fingerprint {
	var out []aos.Fingerprint
	for _, m := range macs {
		out = append(out, s[string(m)]...)
	}
	return out
}

func newMAC(t testing.TB) pii.MAC {
	t.Helper()
	v, err := vault.New(vault.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return v.MAC
}

func payload(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "payloads", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gateway plays the gateway's part: it learns what a system of record
// returns, and assesses what goes out.
type gateway struct {
	mac   pii.MAC
	store fingerprints
}

func (g *gateway) learn(t *testing.T, connection, contentType string, body []byte) {
	t.Helper()
	g.store.put(connection, pii.Learn(g.mac, pii.Extract(contentType, body)))
}

func (g *gateway) assess(destination, contentType string, body []byte) pii.Assessment {
	items := pii.Extract(contentType, body)
	return pii.Assess(g.mac, items, g.store.find(pii.Candidates(g.mac, items)), destination)
}

func TestLearnAssess_RoundTrip(t *testing.T) {
	g := &gateway{mac: newMAC(t), store: fingerprints{}}
	g.learn(t, "crm", "application/json", payload(t, "crm_contacts.json"))

	for _, tc := range []struct {
		name, destination, contentType, body string
		customerData                         []string
		personal, sensitive                  []string
	}{
		{name: "email in free text", destination: "slack", contentType: "application/json",
			body:         string(payload(t, "slack_message.json")),
			customerData: []string{"email"}},
		{name: "no customer data", destination: "slack", contentType: "application/json",
			body: string(payload(t, "slack_clean.json"))},
		{name: "name in free text", destination: "slack", contentType: "application/json",
			body:         `{"text": "Can someone call grace hopper back?"}`,
			customerData: []string{"name"}},
		{name: "phone spelt differently", destination: "email", contentType: "text/plain",
			body:         "Reach her on +1 555 201 7788 or 020 7946 0321.",
			customerData: []string{"phone"}},
		{name: "street and postcode", destination: "slack", contentType: "text/plain",
			body:         "Courier to 12 St James's Square, SW1Y 4JH please",
			customerData: []string{"address"}},
		{name: "record id in a sentence", destination: "slack", contentType: "text/plain",
			body:         "Refund cus_NffrFeUfNV2Hib today",
			customerData: []string{"record_id"}},
		{name: "back to its source", destination: "crm", contentType: "application/json",
			body: `{"email": "ada.lovelace@example.com", "note": "called"}`},
		{name: "unknown email is personal", destination: "slack", contentType: "application/json",
			body:         `{"text": "ping stranger@example.org and ada.lovelace@example.com"}`,
			customerData: []string{"email"}, personal: []string{"email"}},
		{name: "card anywhere is sensitive", destination: "slack", contentType: "text/plain",
			body:      "card 4111 1111 1111 1111, call 020 7123 4567",
			personal:  []string{"phone"},
			sensitive: []string{"payment_card"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := g.assess(tc.destination, tc.contentType, []byte(tc.body))
			if !slices.Equal(a.CustomerData, tc.customerData) {
				t.Errorf("CustomerData = %q, want %q", a.CustomerData, tc.customerData)
			}
			wantSources := []string(nil)
			if tc.customerData != nil {
				wantSources = []string{"crm"}
			}
			if !slices.Equal(a.CustomerSources, wantSources) {
				t.Errorf("CustomerSources = %q, want %q", a.CustomerSources, wantSources)
			}
			if !slices.Equal(a.Personal, tc.personal) {
				t.Errorf("Personal = %q, want %q", a.Personal, tc.personal)
			}
			if !slices.Equal(a.Sensitive, tc.sensitive) {
				t.Errorf("Sensitive = %q, want %q", a.Sensitive, tc.sensitive)
			}
		})
	}
}

func TestLearn_NeverRemembersBareNumbers(t *testing.T) {
	g := &gateway{mac: newMAC(t), store: fingerprints{}}
	g.learn(t, "crm", "application/json", []byte(`{"results": [{"id": 42, "contact_id": "42", "owner_id": 1234567,
		"deal_id": "123456789", "status_id": "active", "zone_id": "Europe/London"}]}`))
	if len(g.store) != 0 {
		t.Fatalf("learnt %d fingerprints from ids that match everything", len(g.store))
	}
	for _, body := range []string{`{"text": "42"}`, `{"n": 42}`, "ticket 42 and 1234567", "active"} {
		if a := g.assess("slack", "application/json", []byte(body)); a.CustomerData != nil {
			t.Errorf("%s: matched %q", body, a.CustomerData)
		}
	}
}

func TestLearn_ChecksRules(t *testing.T) {
	mac := newMAC(t)
	items := []pii.Item{
		{Value: "42", Category: pii.CategoryRecordID},
		{Value: "Ada", Category: pii.CategoryName},
		{Value: "not an email", Category: pii.CategoryEmail},
		{Value: "4111 1111 1111 1112", Category: pii.CategoryPayment},
		{Value: "666-12-3456", Category: pii.CategoryNationalID},
		{Value: "London", Category: pii.CategoryAddress},
		{Value: "free text", Category: ""},
	}
	if fps := pii.Learn(mac, items); len(fps) != 0 {
		t.Errorf("learnt %d fingerprints from items that break their rules", len(fps))
	}
	good := []pii.Item{
		{Value: "Ada@Example.com", Category: pii.CategoryEmail},
		{Value: "ada@example.com ", Category: pii.CategoryEmail},
		{Value: "4111-1111-1111-1111", Category: pii.CategoryPayment},
	}
	fps := pii.Learn(mac, good)
	if len(fps) != 2 || fps[0].Category != pii.CategoryEmail || fps[1].Category != pii.CategoryPayment {
		t.Errorf("Learn = %+v, want one email and one payment fingerprint", fps)
	}
}

func TestCandidates_MatchLearnt(t *testing.T) {
	mac := newMAC(t)
	learnt := pii.Learn(mac, pii.Extract("application/json", payload(t, "crm_contacts.json")))
	if len(learnt) == 0 {
		t.Fatal("nothing learnt")
	}
	// The same payload, sent out, yields every MAC learnt from it.
	cands := pii.Candidates(mac, pii.Extract("application/json", payload(t, "crm_contacts.json")))
	for _, fp := range learnt {
		if !slices.ContainsFunc(cands, func(c []byte) bool { return string(c) == string(fp.MAC) }) {
			t.Errorf("learnt %s fingerprint not among the candidates", fp.Category)
		}
	}
	if again := pii.Candidates(mac, pii.Extract("application/json", payload(t, "crm_contacts.json"))); !slices.EqualFunc(cands, again, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Error("Candidates is not deterministic")
	}
}

func TestAssessment_Apply(t *testing.T) {
	a := pii.Assessment{
		Findings:        pii.Findings{Sensitive: []string{"iban"}, Personal: []string{"phone"}},
		CustomerData:    []string{"email"},
		CustomerSources: []string{"crm"},
	}
	f := aos.Facts{Sensitive: []string{"payment_card"}, Export: true}
	a.Apply(&f)
	want := aos.Facts{
		Export: true, CustomerData: []string{"email"}, CustomerSources: []string{"crm"},
		Sensitive: []string{"iban", "payment_card"}, Personal: []string{"phone"},
	}
	if !slices.Equal(f.CustomerData, want.CustomerData) || !slices.Equal(f.CustomerSources, want.CustomerSources) ||
		!slices.Equal(f.Sensitive, want.Sensitive) || !slices.Equal(f.Personal, want.Personal) || !f.Export {
		t.Errorf("Apply gave %+v, want %+v", f, want)
	}
}

func TestAssess_Matches(t *testing.T) {
	g := &gateway{mac: newMAC(t), store: fingerprints{}}
	g.learn(t, "crm", "application/json", []byte(`{"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}`))
	g.learn(t, "billing", "application/json", []byte(`{"customer": {"email": "ada@example.com", "iban": "GB82WEST12345698765432"}}`))
	a := g.assess("slack", "text/plain", []byte("Ada Lovelace <ada@example.com>, GB82 WEST 1234 5698 7654 32"))
	want := []pii.Match{
		{Source: "billing", Categories: []string{"email", "payment"}, Count: 2},
		{Source: "crm", Categories: []string{"email", "name"}, Count: 2},
	}
	if !slices.EqualFunc(a.Matches, want, func(x, y pii.Match) bool {
		return x.Source == y.Source && x.Count == y.Count && slices.Equal(x.Categories, y.Categories)
	}) {
		t.Errorf("Matches = %+v, want %+v", a.Matches, want)
	}
	if !slices.Equal(a.CustomerData, []string{"email", "name", "payment"}) ||
		!slices.Equal(a.CustomerSources, []string{"billing", "crm"}) ||
		!slices.Equal(a.Sensitive, []string{"iban"}) || a.Personal != nil {
		t.Errorf("Assessment = %+v", a)
	}
}

// TestLearnAssess_TrailingNewline learns a national id read with a
// trailing newline and finds it again in free text.
func TestLearnAssess_TrailingNewline(t *testing.T) {
	g := &gateway{mac: newMAC(t), store: fingerprints{}}
	g.learn(t, "hr", "application/json", []byte(`{"employee":{"name":"Ada Lovelace","email":"ada@example.com","nino":"AB123456C\n"}}`))
	a := g.assess("chat", "application/json", []byte(`{"text":"her NI number is AB 12 34 56 C"}`))
	if !slices.Contains(a.CustomerData, pii.CategoryNationalID) {
		t.Fatalf("the learnt id was not found: %+v", a)
	}
}
