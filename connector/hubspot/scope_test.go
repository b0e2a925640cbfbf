package hubspot

import (
	"testing"

	"github.com/aos-dev/aos"
)

func TestCheckScope(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"*", "*"},
		{"object:contacts", "object:contacts"},
		{"object:Contact", "object:contacts"},
		{"object:0-1", "object:contacts"},
		{"object:contacts,0-2, DEAL", "object:companies,contacts,deals"},
		{"object:contacts,contact", "object:contacts"},
		{"object:2-1234", "object:2-1234"},
		{"object:p_cars", "object:p_cars"},
		{"object:P123_Cars", "object:p123_cars"},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := CheckScope(c.in)
			if err != nil || got != c.want {
				t.Fatalf("CheckScope(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
	for _, bad := range []string{"", "contacts", "object:", "object:contacts,", "object:*", "object:con tacts",
		"object:-1", "object:a/b", "object:contacts;x", "objects:contacts", "/crm/v3/objects/contacts", "**"} {
		t.Run("rejects "+bad, func(t *testing.T) {
			if got, err := CheckScope(bad); aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("CheckScope(%q) = %q, %v; want bad_request", bad, got, err)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		scope, resource string
		want            bool
	}{
		{"*", "object:contacts", true},
		{"*", "*", true},
		{"*", "object:companies,contacts", true},
		{"object:contacts", "object:contacts", true},
		{"object:0-1", "object:contacts", true},
		{"object:contacts", "object:companies", false},
		{"object:contacts", "*", false},
		{"object:contacts,companies", "*", false},
		// An association touches both of its types.
		{"object:contacts", "object:companies,contacts", false},
		{"object:companies", "object:companies,contacts", false},
		{"object:companies,contacts", "object:companies,contacts", true},
		{"object:companies,contacts,deals", "object:companies,contacts", true},
		{"object:companies,contacts", "object:contacts", true},
		// Custom objects are matched as spelled.
		{"object:p_cars", "object:p_cars", true},
		{"object:p_cars", "object:2-1234", false},
		// Fails closed on what CheckScope or the resource syntax rejects.
		{"contacts", "object:contacts", false},
		{"", "object:contacts", false},
		{"object:contacts", "contacts", false},
		{"object:contacts", "", false},
		{"*", "", false},
		{"*", "garbage", false},
	} {
		t.Run(c.scope+" "+c.resource, func(t *testing.T) {
			if got := Covers(c.scope, c.resource); got != c.want {
				t.Fatalf("Covers(%q, %q) = %v, want %v", c.scope, c.resource, got, c.want)
			}
		})
	}
}

func TestTable_Parses(t *testing.T) {
	if n := len(table.Operations()); n < 40 {
		t.Fatalf("only %d operations declared", n)
	}
	for _, op := range table.Operations() {
		if op.Name == "exports.start" && (op.Access != aos.Read || len(op.Points) != 1 || op.Points[0] != aos.PointCustomerData) {
			t.Fatalf("exports.start is %+v", op)
		}
	}
}
