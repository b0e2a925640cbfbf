package policy_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/policy"
)

func TestDecide_Holds(t *testing.T) {
	agent := &aos.Principal{Kind: aos.Agent, Name: "a"}
	conn := &aos.Connection{ID: 1, Name: "pay"}
	grants := []*aos.Grant{{ID: "g1", ConnectionID: 1, Scope: "*", Access: aos.Write}}
	caps := aos.DefaultCaps
	caps.Rates = map[string]string{"EUR": "1.10", "JPY": "0.0067"}
	tests := []struct {
		name   string
		facts  aos.Facts
		spent  int64
		strict bool
		want   []aos.ApprovalPoint
	}{
		{"nothing", aos.Facts{}, 0, false, nil},
		{"under per-move cap", aos.Facts{Amount: 999_99, Currency: "usd"}, 0, false, nil},
		{"at per-move cap", aos.Facts{Amount: 1000_00, Currency: "USD"}, 0, false, nil},
		{"over per-move cap", aos.Facts{Amount: 1000_01, Currency: "usd"}, 0, false, []aos.ApprovalPoint{aos.PointMoney}},
		{"crosses weekly cap", aos.Facts{Amount: 500_00, Currency: "usd"}, 9600_00, false, []aos.ApprovalPoint{aos.PointMoney}},
		{"reaches weekly cap", aos.Facts{Amount: 400_00, Currency: "usd"}, 9600_00, false, nil},
		{"EUR converted under cap", aos.Facts{Amount: 900_00, Currency: "eur"}, 0, false, nil},
		{"EUR converted over cap", aos.Facts{Amount: 910_00, Currency: "eur"}, 0, false, []aos.ApprovalPoint{aos.PointMoney}},
		{"JPY zero-decimal", aos.Facts{Amount: 100000, Currency: "jpy"}, 0, false, nil},
		{"currency without rate", aos.Facts{Amount: 1, Currency: "gbp"}, 0, false, []aos.ApprovalPoint{aos.PointMoney}},
		{"amount unreadable", aos.Facts{AmountUnknown: true}, 0, false, []aos.ApprovalPoint{aos.PointMoney}},
		{"publish", aos.Facts{Public: true}, 0, false, []aos.ApprovalPoint{aos.PointPublicClaim}},
		{"500 recipients", aos.Facts{Recipients: 500}, 0, false, nil},
		{"501 recipients", aos.Facts{Recipients: 501}, 0, false, []aos.ApprovalPoint{aos.PointPublicClaim}},
		{"export", aos.Facts{Export: true}, 0, false, []aos.ApprovalPoint{aos.PointCustomerData}},
		{"training opt-in", aos.Facts{TrainingOptIn: true}, 0, false, []aos.ApprovalPoint{aos.PointCustomerData}},
		{"customer data", aos.Facts{CustomerData: []string{"email"}, CustomerSources: []string{"crm"}}, 0, false, []aos.ApprovalPoint{aos.PointCustomerData}},
		{"customer data to internal recipients only", aos.Facts{CustomerData: []string{"email"}, CustomerSources: []string{"crm"}, Internal: true}, 0, false, nil},
		{"card number to internal recipients", aos.Facts{Sensitive: []string{"payment_card"}, Internal: true}, 0, false, []aos.ApprovalPoint{aos.PointCustomerData}},
		{"card number anywhere", aos.Facts{Sensitive: []string{"payment_card"}}, 0, false, []aos.ApprovalPoint{aos.PointCustomerData}},
		{"unattributed email, lenient", aos.Facts{Personal: []string{"email"}}, 0, false, nil},
		{"unattributed email, strict", aos.Facts{Personal: []string{"email"}}, 0, true, []aos.ApprovalPoint{aos.PointCustomerData}},
		{"payload too large to scan", aos.Facts{Unscanned: true}, 0, false, []aos.ApprovalPoint{aos.PointCustomerData}},
		{"production", aos.Facts{Production: true}, 0, false, []aos.ApprovalPoint{aos.PointProduction}},
		{"several points, one decision", aos.Facts{Amount: 5000_00, Currency: "usd", Public: true, Production: true},
			0, false, []aos.ApprovalPoint{aos.PointMoney, aos.PointPublicClaim, aos.PointProduction}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := caps
			c.Strict = tt.strict
			d := policy.Decide(policy.Input{
				Principal: agent, Connection: conn, Grants: grants,
				Operation: aos.Operation{Name: "x", Access: aos.Write}, Resource: "r",
				Covers: func(string, string) bool { return true }, Now: time.Now(),
				Facts: tt.facts, Caps: c, SpentThisWeek: tt.spent,
			})
			if tt.want == nil {
				if d.Verdict != aos.Allow {
					t.Fatalf("Decide = %+v, want allow", d)
				}
				return
			}
			if d.Verdict != aos.Hold || !slices.Equal(d.Points, tt.want) || d.Reason == "" || d.GrantAttr() != "g1" {
				t.Fatalf("Decide = %+v, want hold at %v", d, tt.want)
			}
		})
	}
}

func TestDecide_DenyBeatsHold(t *testing.T) {
	d := policy.Decide(policy.Input{
		Principal: &aos.Principal{Kind: aos.Agent, Name: "a"}, Connection: &aos.Connection{ID: 1},
		Grants:    []*aos.Grant{{ID: "g", ConnectionID: 1, Scope: "*", Access: aos.Read}},
		Operation: aos.Operation{Name: "refund", Access: aos.Write}, Resource: "r",
		Covers: func(string, string) bool { return true }, Facts: aos.Facts{Amount: 1e9, Currency: "usd"}, Caps: aos.DefaultCaps,
	})
	if d.Verdict != aos.Deny || d.Code != aos.EReadOnly {
		t.Fatalf("Decide = %+v, want read_only denial", d)
	}
}
