package stripe

import (
	"strings"
	"testing"

	"github.com/aos-dev/aos"
)

func TestConnector_CheckScope(t *testing.T) {
	tests := []struct {
		name, scope, want string // want "" means EBadRequest
	}{
		{"account-wide", "*", "*"},
		{"account-wide spaced", " * ", "*"},
		{"one type", "refunds", "refunds"},
		{"list sorted", "refunds,charges", "charges,refunds"},
		{"spaces and case", " Refunds , CHARGES ", "charges,refunds"},
		{"repeats", "refunds,refunds,charges", "charges,refunds"},
		{"namespaced", "reporting.report_runs", "reporting.report_runs"},
		{"nested type", "customers", "customers"},

		{"empty", "", ""},
		{"blank", "  ", ""},
		{"empty item", "refunds,,charges", ""},
		{"trailing comma", "refunds,", ""},
		{"singular", "refund", ""},
		{"unknown", "accounts", ""},
		{"star in list", "refunds,*", ""},
		{"events", "events", ""},
		{"events in list", "refunds,events", ""},
		{"path", "/v1/refunds", ""},
		{"namespace alone", "reporting", ""},
		{"too long", strings.Repeat("refunds,", 600), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New().CheckScope(tt.scope)
			if tt.want == "" {
				if aos.ErrorCode(err) != aos.EBadRequest {
					t.Fatalf("CheckScope(%q) = %q, %v; want bad_request", tt.scope, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CheckScope(%q) = %q, %v; want %q", tt.scope, got, err, tt.want)
			}
			if again, err := New().CheckScope(got); err != nil || again != got {
				t.Fatalf("CheckScope is not idempotent: %q -> %q, %v", got, again, err)
			}
		})
	}
}

func TestConnector_CheckScope_listsTypes(t *testing.T) {
	_, err := New().CheckScope("refund")
	for _, typ := range []string{"refunds", "customers", "payment_intents", "reporting.report_runs"} {
		if !strings.Contains(aos.ErrorMessage(err), typ) {
			t.Errorf("message %q does not list %s", aos.ErrorMessage(err), typ)
		}
	}
	if strings.Contains(aos.ErrorMessage(err), "events") {
		t.Errorf("message %q lists events, which cannot be granted alone", aos.ErrorMessage(err))
	}
}

func TestConnector_Covers(t *testing.T) {
	tests := []struct {
		scope, resource string
		want            bool
	}{
		{"*", "refunds", true},
		{"*", "events,*", true},
		{"*", "refunds,charges,*", true},
		{"refunds", "refunds", true},
		{"charges,refunds", "refunds", true},
		{"charges,refunds", "refunds,charges", true},
		{"charges,customers,refunds", "refunds,charges,customers", true},
		{"reporting.report_runs", "reporting.report_runs", true},

		{"refunds", "customers", false},
		{"refunds", "refunds,charges", false},
		{"refunds", "refunds,*", false},
		{"charges,refunds", "events,*", false},
		{"refunds", "", false},
		{"refunds", "refund", false},
		{"refunds", "refunds,", false},
		{"*", "accounts", false},
		{"*", "", false},
		{"refunds,charges", "refunds", false}, // not canonical: never stored
		{"", "refunds", false},
		{"events", "events,*", false},
	}
	for _, tt := range tests {
		t.Run(tt.scope+" "+tt.resource, func(t *testing.T) {
			if got := New().Covers(tt.scope, tt.resource); got != tt.want {
				t.Fatalf("Covers(%q, %q) = %v; want %v", tt.scope, tt.resource, got, tt.want)
			}
		})
	}
}

func TestResourceOf(t *testing.T) {
	tests := []struct {
		typ      string
		expanded []string
		want     string
	}{
		{"refunds", nil, "refunds"},
		{"refunds", []string{"refunds"}, "refunds"},
		{"refunds", []string{"customers", "charges", "charges"}, "refunds,charges,customers"},
		{"refunds", []string{"*", "charges"}, "refunds,charges,*"},
		{"events", nil, "events,*"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := resourceOf(tt.typ, tt.expanded); got != tt.want {
				t.Fatalf("resourceOf(%q, %q) = %q; want %q", tt.typ, tt.expanded, got, tt.want)
			}
		})
	}
}

func TestExpansions(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  string // resourceOf("refunds", expansions)
		ok    bool
	}{
		{"none", "limit=3", "refunds", true},
		{"indexed", "expand[0]=charge", "refunds,charges", true},
		{"brackets", "expand[]=charge.customer", "refunds,charges,customers", true},
		{"bare", "expand=payment_intent", "refunds,payment_intents", true},
		{"list data", "expand[]=data.charge", "refunds,charges", true},
		{"several", "expand[0]=charge&expand[1]=balance_transaction", "refunds,balance_transactions,charges", true},
		{"unknown field", "expand[]=charge.application_fee", "refunds,charges,*", true},
		{"empty value", "expand[]=", "refunds,*", true},
		{"odd key", "expand[x]=charge", "refunds,*", true},
		{"expandable lookalike", "expands=charge", "refunds,*", true},
		{"too deep", "expand[]=a.b.c.d.e.f.g.h.i", "", false},
		{"too many", strings.Repeat("expand[]=charge&", 33), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := parseQuery(strings.TrimSuffix(tt.query, "&"))
			types, ok := expansions(q)
			if ok != tt.ok {
				t.Fatalf("expansions(%q) ok = %v", tt.query, ok)
			}
			if ok && resourceOf("refunds", types) != tt.want {
				t.Fatalf("expansions(%q) = %q; want %q", tt.query, resourceOf("refunds", types), tt.want)
			}
		})
	}
}
