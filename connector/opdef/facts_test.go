package opdef_test

import (
	"math"
	"net/url"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/opdef"
)

const (
	jsonType = "application/json"
	formType = "application/x-www-form-urlencoded"
)

// extra has sources that payments.yaml does not use.
const extra = `operations:
  - name: mail.send
    method: POST
    path: /mail
    access: write
    points: [public-claim]
    facts: {recipients: form:to, public: form:public}
  - name: mail.send-query
    method: POST
    path: /mail-q
    access: write
    points: [public-claim]
    facts: {recipients: query:to}
  - name: fixed
    method: POST
    path: /fixed
    access: write
    points: [money, public-claim]
    facts: {amount: value:12.50, amount_unit: major, currency: value:eur, recipients: value:3}
`

func TestDef_Facts(t *testing.T) {
	tables := []*opdef.Table{mustParse(t, "payments.yaml"), mustParse(t, "flow.yaml")}
	if tab, err := opdef.Parse("extra.yaml", []byte(extra)); err != nil {
		t.Fatal(err)
	} else {
		tables = append(tables, tab)
	}
	lookup := func(name string) *opdef.Def {
		for _, tab := range tables {
			if d, ok := tab.Lookup(name); ok {
				return d
			}
		}
		t.Fatalf("no operation %s", name)
		return nil
	}
	unknown := aos.Facts{AmountUnknown: true}
	unknownUSD := aos.Facts{AmountUnknown: true, Currency: "USD"}
	tests := []struct {
		name, op    string
		contentType string
		query       string
		body        string
		want        aos.Facts
	}{
		// Amounts in minor units from a JSON body.
		{"number", "refunds.create", jsonType, "", `{"amount": 1250, "currency": "usd"}`, aos.Facts{Amount: 1250, Currency: "USD"}},
		{"string", "refunds.create", jsonType, "", `{"currency": "eur", "amount": "1250"}`, aos.Facts{Amount: 1250, Currency: "EUR"}},
		{"zero", "refunds.create", jsonType, "", `{"amount": 0, "currency": "usd"}`, aos.Facts{Currency: "USD"}},
		{"leading zeros", "refunds.create", jsonType, "", `{"amount": "007", "currency": "usd"}`, aos.Facts{Amount: 7, Currency: "USD"}},
		{"int64 max", "refunds.create", jsonType, "", `{"amount": 9223372036854775807, "currency": "usd"}`,
			aos.Facts{Amount: math.MaxInt64, Currency: "USD"}},
		{"charset", "refunds.create", "application/json; charset=utf-8", "", `{"amount": 1, "currency": "usd"}`, aos.Facts{Amount: 1, Currency: "USD"}},
		{"+json type", "refunds.create", "application/vnd.api+json", "", `{"amount": 1, "currency": "usd"}`, aos.Facts{Amount: 1, Currency: "USD"}},
		{"other keys skipped", "refunds.create", jsonType, "", `{"meta": {"amount": 9, "x": [1, {"y": null}]}, "amount": 5, "currency": "usd", "z": "AMOUNT"}`,
			aos.Facts{Amount: 5, Currency: "USD"}},
		{"overflow", "refunds.create", jsonType, "", `{"amount": 9223372036854775808, "currency": "usd"}`, unknownUSD},
		{"huge", "refunds.create", jsonType, "", `{"amount": "` + strings.Repeat("9", 400) + `", "currency": "usd"}`, unknownUSD},
		{"fraction", "refunds.create", jsonType, "", `{"amount": 12.5, "currency": "usd"}`, unknownUSD},
		{"whole fraction", "refunds.create", jsonType, "", `{"amount": 1250.0, "currency": "usd"}`, unknownUSD},
		{"exponent", "refunds.create", jsonType, "", `{"amount": 1e3, "currency": "usd"}`, unknownUSD},
		{"negative", "refunds.create", jsonType, "", `{"amount": -5, "currency": "usd"}`, unknownUSD},
		{"signed string", "refunds.create", jsonType, "", `{"amount": "+5", "currency": "usd"}`, unknownUSD},
		{"spaced string", "refunds.create", jsonType, "", `{"amount": " 5", "currency": "usd"}`, unknownUSD},
		{"boolean", "refunds.create", jsonType, "", `{"amount": true, "currency": "usd"}`, unknownUSD},
		{"object", "refunds.create", jsonType, "", `{"amount": {"value": 5}, "currency": "usd"}`, unknownUSD},
		{"null", "refunds.create", jsonType, "", `{"amount": null, "currency": "usd"}`, unknownUSD},
		{"missing", "refunds.create", jsonType, "", `{"currency": "usd"}`, unknownUSD},
		{"no currency", "refunds.create", jsonType, "", `{"amount": 5}`, unknown},
		{"bad currency", "refunds.create", jsonType, "", `{"amount": 5, "currency": "dollars"}`, unknown},
		{"numeric currency", "refunds.create", jsonType, "", `{"amount": 5, "currency": 840}`, unknown},
		{"repeated key", "refunds.create", jsonType, "", `{"amount": 1, "currency": "usd", "amount": 100000}`, unknownUSD},
		{"key in another case", "refunds.create", jsonType, "", `{"amount": 1, "currency": "usd", "Amount": 100000}`, unknownUSD},
		{"only another case", "refunds.create", jsonType, "", `{"AMOUNT": 1, "currency": "usd"}`, unknownUSD},
		{"not JSON", "refunds.create", jsonType, "", `{"amount": 1, "currency": "usd"`, unknown},
		{"trailing value", "refunds.create", jsonType, "", `{"amount": 1, "currency": "usd"} {"amount": 9}`, unknown},
		{"not an object", "refunds.create", jsonType, "", `[1250, "usd"]`, unknown},
		{"text type", "refunds.create", "text/plain", "", `{"amount": 1, "currency": "usd"}`, unknown},
		{"no type", "refunds.create", "", "", `{"amount": 1, "currency": "usd"}`, unknown},
		{"form type", "refunds.create", formType, "", `{"amount": 1, "currency": "usd"}`, unknown},
		{"bad type", "refunds.create", "application/json; =", "", `{"amount": 1, "currency": "usd"}`, unknown},
		{"empty body", "refunds.create", jsonType, "", ``, unknown},

		// Major units, nested pointers.
		{"major string", "payouts.create", jsonType, "", `{"payout": {"amount": "1250.00", "currency": "usd"}}`, aos.Facts{Amount: 125000, Currency: "USD"}},
		{"major number", "payouts.create", jsonType, "", `{"payout": {"amount": 12.5, "currency": "usd"}}`, aos.Facts{Amount: 1250, Currency: "USD"}},
		{"major whole", "payouts.create", jsonType, "", `{"payout": {"amount": 12, "currency": "usd"}}`, aos.Facts{Amount: 1200, Currency: "USD"}},
		{"major trailing zeros", "payouts.create", jsonType, "", `{"payout": {"amount": "12.5000", "currency": "usd"}}`, aos.Facts{Amount: 1250, Currency: "USD"}},
		{"major yen", "payouts.create", jsonType, "", `{"payout": {"amount": "1250", "currency": "jpy"}}`, aos.Facts{Amount: 1250, Currency: "JPY"}},
		{"major yen fraction", "payouts.create", jsonType, "", `{"payout": {"amount": "12.5", "currency": "jpy"}}`,
			aos.Facts{AmountUnknown: true, Currency: "JPY"}},
		{"major dinar", "payouts.create", jsonType, "", `{"payout": {"amount": "1.234", "currency": "KWD"}}`, aos.Facts{Amount: 1234, Currency: "KWD"}},
		{"major sub-cent", "payouts.create", jsonType, "", `{"payout": {"amount": "12.501", "currency": "usd"}}`, unknownUSD},
		{"major overflow", "payouts.create", jsonType, "", `{"payout": {"amount": "92233720368547758.08", "currency": "usd"}}`, unknownUSD},
		{"major max", "payouts.create", jsonType, "", `{"payout": {"amount": "92233720368547758.07", "currency": "usd"}}`,
			aos.Facts{Amount: math.MaxInt64, Currency: "USD"}},
		{"major bare point", "payouts.create", jsonType, "", `{"payout": {"amount": "12.", "currency": "usd"}}`, unknownUSD},
		{"major leading point", "payouts.create", jsonType, "", `{"payout": {"amount": ".5", "currency": "usd"}}`, unknownUSD},
		{"major comma", "payouts.create", jsonType, "", `{"payout": {"amount": "1,250.00", "currency": "usd"}}`, unknownUSD},
		{"parent array", "payouts.create", jsonType, "", `{"payout": [{"amount": 1, "currency": "usd"}]}`, unknown},
		{"parent scalar", "payouts.create", jsonType, "", `{"payout": "1250 usd"}`, unknown},
		{"parent null", "payouts.create", jsonType, "", `{"payout": null}`, unknown},
		{"parent repeated", "payouts.create", jsonType, "", `{"payout": {"amount": 1, "currency": "usd"}, "payout": {"amount": 9}}`, unknown},

		// Form bodies.
		{"form", "charges.create", formType, "", `amount=1250&currency=usd&description=a+b`, aos.Facts{Amount: 1250, Currency: "USD"}},
		{"form escaped", "charges.create", formType, "", `amount=12%2E50&currency=usd`, unknownUSD},
		{"form repeated", "charges.create", formType, "", `amount=1250&currency=usd&amount=1`, unknownUSD},
		{"form other case", "charges.create", formType, "", `amount=1250&currency=usd&Amount=1`, unknownUSD},
		{"form semicolon", "charges.create", formType, "", `amount=1250;currency=usd`, unknown},
		{"form as JSON", "charges.create", jsonType, "", `amount=1250&currency=usd`, unknown},
		{"form empty", "charges.create", formType, "", ``, unknown},
		{"form constant currency", "charges.capture", formType, "", `amount_to_capture=500`, aos.Facts{Amount: 500, Currency: "USD"}},
		{"form capture all", "charges.capture", "", "", ``, unknownUSD},
		{"constants", "fixed", "", "", ``, aos.Facts{Amount: 1250, Currency: "EUR", Recipients: 3}},

		// Recipients.
		{"recipients array", "emails.send", jsonType, "", `{"to": ["a@x", "b@x", {"c": 1}]}`, aos.Facts{Recipients: 3}},
		{"recipients empty array", "emails.send", jsonType, "", `{"to": []}`, aos.Facts{}},
		{"recipients string", "emails.send", jsonType, "", `{"to": "a@x, b@x,, c@x ,"}`, aos.Facts{Recipients: 3}},
		{"recipients number", "emails.send", jsonType, "", `{"to": 600}`, aos.Facts{Recipients: 600}},
		{"recipients missing", "emails.send", jsonType, "", `{"subject": "hi"}`, aos.Facts{}},
		{"recipients negative", "emails.send", jsonType, "", `{"to": -1}`, aos.Facts{Recipients: math.MaxInt}},
		{"recipients fraction", "emails.send", jsonType, "", `{"to": 1.5}`, aos.Facts{Recipients: math.MaxInt}},
		{"recipients object", "emails.send", jsonType, "", `{"to": {"a": 1}}`, aos.Facts{Recipients: math.MaxInt}},
		{"recipients repeated", "emails.send", jsonType, "", `{"to": ["a"], "to": ["b", "c"]}`, aos.Facts{Recipients: math.MaxInt}},
		{"recipients unreadable body", "emails.send", "text/plain", "", `to=a`, aos.Facts{Recipients: math.MaxInt, Share: true}},
		{"recipients form", "mail.send", formType, "", `to=a@x&to=b@x,c@x&public=false`, aos.Facts{Recipients: 3}},
		{"recipients query", "mail.send-query", "", "to=a&to=b&to=c,d", ``, aos.Facts{Recipients: 4}},
		{"recipients query other case", "mail.send-query", "", "to=a&TO=b", ``, aos.Facts{Recipients: math.MaxInt}},

		// Flags.
		{"flag true", "emails.send", jsonType, "", `{"share_with_partner": true}`, aos.Facts{Share: true}},
		{"flag false", "emails.send", jsonType, "", `{"share_with_partner": false}`, aos.Facts{}},
		{"flag string", "emails.send", jsonType, "", `{"share_with_partner": "TRUE"}`, aos.Facts{Share: true}},
		{"flag string false", "emails.send", jsonType, "", `{"share_with_partner": "False"}`, aos.Facts{}},
		{"flag null", "emails.send", jsonType, "", `{"share_with_partner": null}`, aos.Facts{}},
		{"flag other string", "emails.send", jsonType, "", `{"share_with_partner": "no"}`, aos.Facts{Share: true}},
		{"flag number", "emails.send", jsonType, "", `{"share_with_partner": 0}`, aos.Facts{Share: true}},
		{"flag repeated", "emails.send", jsonType, "", `{"share_with_partner": false, "share_with_partner": true}`, aos.Facts{Share: true}},
		{"flag bad JSON", "emails.send", jsonType, "", `{`, aos.Facts{Share: true, Recipients: math.MaxInt}},
		{"flag form", "mail.send", formType, "", `public=true`, aos.Facts{Public: true}},
		{"flag form twice", "mail.send", formType, "", `public=false&public=false`, aos.Facts{Public: true}},
		{"always", "posts.publish", "", "", ``, aos.Facts{Public: true}},
		{"always and query", "exports.create", "", "train=false", ``, aos.Facts{Export: true}},
		{"query true", "exports.create", "", "train=true", ``, aos.Facts{Export: true, TrainingOptIn: true}},
		{"query other", "exports.create", "", "train=1", ``, aos.Facts{Export: true, TrainingOptIn: true}},
		{"query repeated", "exports.create", "", "train=false&train=false", ``, aos.Facts{Export: true, TrainingOptIn: true}},
		{"query other case", "exports.create", "", "train=false&Train=false", ``, aos.Facts{Export: true, TrainingOptIn: true}},
		{"production", "deploys.create", jsonType, "", `{"production": true}`, aos.Facts{Production: true}},
		{"production absent", "deploys.create", jsonType, "", `{"env": "staging"}`, aos.Facts{}},
		{"no facts", "charges.list", jsonType, "amount=5", `{"amount": 5}`, aos.Facts{}},

		// Escaped pointer tokens and array indices: /a~1b/~0c/0.
		{"escaped tokens", "a.b", jsonType, "", `{"a/b": {"~c": [["x", "y"], "z"]}}`, aos.Facts{Recipients: 2}},
		{"index out of range", "a.b", jsonType, "", `{"a/b": {"~c": []}}`, aos.Facts{}},
		{"index into object", "a.b", jsonType, "", `{"a/b": {"~c": {"0": "x,y,z"}}}`, aos.Facts{Recipients: 3}},
		{"unescaped is another key", "a.b", jsonType, "", `{"a": {"b": {"~c": [["x"]]}}}`, aos.Facts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got := lookup(tt.op).Facts(tt.contentType, q, []byte(tt.body))
			if !equalFacts(got, tt.want) {
				t.Fatalf("Facts(%q, %q, %s)\n = %+v\nwant %+v", tt.contentType, tt.query, tt.body, got, tt.want)
			}
		})
	}
}

func equalFacts(a, b aos.Facts) bool {
	return a.Amount == b.Amount && a.Currency == b.Currency && a.AmountUnknown == b.AmountUnknown &&
		a.Recipients == b.Recipients && a.Public == b.Public && a.Production == b.Production &&
		a.Export == b.Export && a.Share == b.Share && a.TrainingOptIn == b.TrainingOptIn &&
		a.CustomerData == nil && a.Sensitive == nil && a.Personal == nil && a.CustomerSources == nil
}

// TestDef_Facts_exponents checks that amounts read in major units are
// scaled as the policy scales them back: one major unit at a rate of 1
// is always 100 US cents.
func TestDef_Facts_exponents(t *testing.T) {
	tab := mustParse(t, "payments.yaml")
	d, _ := tab.Lookup("payouts.create")
	// Every ISO 4217 currency whose minor unit is not a hundredth, and a
	// few that have two decimals.
	currencies := []string{"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX",
		"VND", "VUV", "XAF", "XOF", "XPF", "BHD", "JOD", "KWD", "OMR", "TND", "EUR", "GBP", "CHF", "INR"}
	for _, cur := range currencies {
		f := d.Facts(jsonType, nil, []byte(`{"payout": {"amount": "1", "currency": "`+cur+`"}}`))
		usd, ok := aos.ToUSD(f.Amount, f.Currency, map[string]string{cur: "1"})
		if f.AmountUnknown || !ok || usd != 100 {
			t.Errorf("1 %s read as %+v, which the policy counts as %d US cents; want 100", cur, f, usd)
		}
	}
}

func BenchmarkDef_Facts(b *testing.B) {
	tab := mustParse(b, "payments.yaml")
	d, _ := tab.Lookup("refunds.create")
	body := []byte(`{"items": [` + strings.Repeat(`{"name": "x", "tags": ["a", "b"], "n": 1},`, 10000) + `{}], "amount": 1250, "currency": "usd"}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if f := d.Facts(jsonType, nil, body); f.Amount != 1250 {
			b.Fatal(f)
		}
	}
}

// FuzzDef_Facts checks that reading facts from any body never panics and
// never reports a negative amount, or an amount that is also unknown.
func FuzzDef_Facts(f *testing.F) {
	for _, body := range []string{
		`{"amount": 1250, "currency": "usd", "to": ["a", "b"], "production": true}`,
		`{"payout": {"amount": "12.50", "currency": "jpy"}, "share_with_partner": "true"}`,
		`amount=1250&currency=usd&amount_to_capture=5`,
		`{"a/b": {"~c": [[1, 2]]}, "amount": 1, "Amount": 2}`,
	} {
		f.Add(jsonType, "train=true&public=1", []byte(body))
		f.Add(formType, "", []byte(body))
	}
	tab := mustParse(f, "payments.yaml")
	flow := mustParse(f, "flow.yaml")
	defs := append(tab.Operations(), flow.Operations()...)
	f.Fuzz(func(t *testing.T, contentType, query string, body []byte) {
		q, _ := url.ParseQuery(query)
		for _, op := range defs {
			d, ok := tab.Lookup(op.Name)
			if !ok {
				d, _ = flow.Lookup(op.Name)
			}
			got := d.Facts(contentType, q, body)
			if got.Amount < 0 || got.Recipients < 0 || got.AmountUnknown && got.Amount != 0 {
				t.Fatalf("%s: facts %+v", op.Name, got)
			}
		}
	})
}
