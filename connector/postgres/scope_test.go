package postgres

import (
	"testing"

	"github.com/aos-dev/aos"
)

func TestCheckScope(t *testing.T) {
	tests := []struct {
		name, scope, want, code string
	}{
		{name: "account wide", scope: "*", want: "*"},
		{name: "database", scope: "shop", want: "shop"},
		{name: "schema", scope: "shop/public", want: "shop/public"},
		{name: "table", scope: "shop/public/orders", want: "shop/public/orders"},
		{name: "quoted name kept exact", scope: "shop/Sales/Big Orders", want: "shop/Sales/Big Orders"},
		{name: "dots and quotes are literal", scope: `shop/public/we.ird"name`, want: `shop/public/we.ird"name`},
		{name: "escapes canonical upper case", scope: "shop/public/a%2fb", want: "shop/public/a%2Fb"},
		{name: "needless escape decoded", scope: "shop/public/%6Frders", want: "shop/public/orders"},
		{name: "encoded comma", scope: "shop/public/a%2Cb", want: "shop/public/a%2Cb"},
		{name: "empty", scope: "", code: aos.EBadRequest},
		{name: "a space is a name", scope: "shop/%20", want: "shop/ "},
		{name: "empty segment", scope: "shop//orders", code: aos.EBadRequest},
		{name: "trailing slash", scope: "shop/public/", code: aos.EBadRequest},
		{name: "four parts", scope: "shop/public/orders/id", code: aos.EBadRequest},
		{name: "wildcard segment", scope: "shop/*/orders", code: aos.EBadRequest},
		{name: "wildcard suffix", scope: "shop/public/ord*", code: aos.EBadRequest},
		{name: "raw comma", scope: "shop/public/a,b", code: aos.EBadRequest},
		{name: "bad escape", scope: "shop/public/a%2", code: aos.EBadRequest},
		{name: "bad hex", scope: "shop/public/a%zz", code: aos.EBadRequest},
		{name: "control character", scope: "shop/public/a\nb", code: aos.EBadRequest},
		{name: "NUL escaped", scope: "shop/public/a%00b", code: aos.EBadRequest},
		{name: "invalid UTF-8", scope: "shop/public/a%FFb", code: aos.EBadRequest},
		{name: "name too long", scope: "shop/public/" + string(make([]byte, 64)), code: aos.EBadRequest},
		{name: "64-byte name", scope: "shop/public/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", code: aos.EBadRequest},
		{name: "63-byte name", scope: "shop/public/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			want: "shop/public/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckScope(tt.scope)
			if tt.code != "" {
				if aos.ErrorCode(err) != tt.code {
					t.Fatalf("CheckScope(%q) = %q, %v; want code %s", tt.scope, got, err, tt.code)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CheckScope(%q) = %q, %v; want %q", tt.scope, got, err, tt.want)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		name, scope, resource string
		want                  bool
	}{
		{name: "table covers itself", scope: "shop/public/orders", resource: "shop/public/orders", want: true},
		{name: "table does not cover another", scope: "shop/public/orders", resource: "shop/public/customers"},
		{name: "table does not cover a prefix of its name", scope: "shop/public/order", resource: "shop/public/orders"},
		{name: "schema covers its tables", scope: "shop/public", resource: "shop/public/orders", want: true},
		{name: "schema covers every item", scope: "shop/public", resource: "shop/public/customers,shop/public/orders", want: true},
		{name: "schema does not cover another schema", scope: "shop/public", resource: "shop/publicx/orders"},
		{name: "one item outside", scope: "shop/public", resource: "shop/public/orders,shop/sales/leads"},
		{name: "table does not cover a join", scope: "shop/public/orders", resource: "shop/public/customers,shop/public/orders"},
		{name: "database covers all of it", scope: "shop", resource: "shop/public/orders,shop/sales/leads", want: true},
		{name: "database covers itself", scope: "shop", resource: "shop", want: true},
		{name: "schema does not cover the database", scope: "shop/public", resource: "shop"},
		{name: "other database", scope: "shop", resource: "crm/public/orders"},
		{name: "account wide", scope: "*", resource: "shop/public/customers,shop/public/orders", want: true},
		{name: "account wide covers the database", scope: "*", resource: "shop", want: true},
		{name: "case is exact", scope: "shop/public/Orders", resource: "shop/public/orders"},
		{name: "encoded names", scope: "shop/public/a%2Fb", resource: "shop/public/a%2Fb", want: true},
		{name: "scope in lower-case hex", scope: "shop/public/a%2fb", resource: "shop/public/a%2Fb", want: true},
		{name: "encoded slash is not a level", scope: "shop/public/a", resource: "shop/public/a%2Fb"},
		{name: "comma in a name is encoded", scope: "shop/public/a", resource: "shop/public/a%2Cshop/public/b"},
		// A statement that names no relation is within any grant on its
		// database, and no other.
		{name: "no relation under a table grant", scope: "shop/public/orders", resource: "shop/*", want: true},
		{name: "no relation under a schema grant", scope: "shop/public", resource: "shop/*", want: true},
		{name: "no relation under a database grant", scope: "shop", resource: "shop/*", want: true},
		{name: "no relation account wide", scope: "*", resource: "shop/*", want: true},
		{name: "no relation of another database", scope: "crm/public/orders", resource: "shop/*"},
		{name: "no relation and a table outside", scope: "shop/public/orders", resource: "shop/*,shop/public/customers"},
		{name: "no relation and a covered table", scope: "shop/public", resource: "shop/*,shop/public/customers", want: true},
		{name: "no relation is not the database", scope: "shop/public", resource: "shop"},
		// Junk fails closed, even for the account-wide scope.
		{name: "empty resource", scope: "*", resource: ""},
		{name: "unsorted resource", scope: "*", resource: "shop/public/orders,shop/public/customers"},
		{name: "repeated item", scope: "*", resource: "shop/public/orders,shop/public/orders"},
		{name: "empty item", scope: "*", resource: "shop/public/orders,"},
		{name: "non-canonical item", scope: "*", resource: "shop/public/a%2fb"},
		{name: "needlessly escaped item", scope: "shop/public/orders", resource: "shop/public/%6Frders"},
		{name: "item with four parts", scope: "*", resource: "shop/public/orders/x"},
		{name: "no-relation resource under a schema item", scope: "*", resource: "shop/public/*"},
		{name: "no-relation resource of another database", scope: "other/public/orders", resource: "shop/*"},
		{name: "a schema named * is not the no-relation item", scope: "shop/public", resource: "shop/%2A/x"},
		{name: "resource with raw control", scope: "*", resource: "shop/public/a\nb"},
		{name: "invalid scope", scope: "shop//x", resource: "shop/public/orders"},
		{name: "empty scope", scope: "", resource: "shop/public/orders"},
		{name: "wildcard scope", scope: "shop/*", resource: "shop/public/orders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Covers(tt.scope, tt.resource); got != tt.want {
				t.Fatalf("Covers(%q, %q) = %v, want %v", tt.scope, tt.resource, got, tt.want)
			}
		})
	}
}

func TestMakeResource(t *testing.T) {
	tests := []struct {
		name  string
		items []string
		want  string
	}{
		{name: "sorted", items: []string{"shop/public/orders", "shop/public/customers"}, want: "shop/public/customers,shop/public/orders"},
		{name: "deduplicated", items: []string{"shop/public/orders", "shop/public/orders"}, want: "shop/public/orders"},
		{name: "names that need escaping", items: []string{item("shop", "public", "a,b"), item("shop", "public", "x/y")},
			want: "shop/public/a%2Cb,shop/public/x%2Fy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := makeResource(tt.items)
			if got != tt.want {
				t.Fatalf("makeResource = %q, want %q", got, tt.want)
			}
			if _, ok := splitResource(got); !ok {
				t.Fatalf("splitResource(%q) rejects what makeResource made", got)
			}
		})
	}
}

// FuzzCovers checks that Covers never panics, that a resource it accepts
// is one makeResource could make, and that the account-wide scope covers
// exactly the well-formed resources.
func FuzzCovers(f *testing.F) {
	for _, s := range [][2]string{
		{"shop/public", "shop/public/orders"}, {"*", "shop/public/a%2Cb,shop/public/orders"},
		{"shop", "shop"}, {"shop/public/orders", "shop/public/orders,"}, {"shop/%2F", "shop/%2F/x"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, scope, resource string) {
		got := Covers(scope, resource)
		items, ok := splitResource(resource)
		if got && !ok {
			t.Fatalf("Covers(%q, %q) is true for a malformed resource", scope, resource)
		}
		if ok {
			var raw []string
			for _, it := range items {
				raw = append(raw, item(it...))
			}
			if makeResource(raw) != resource {
				t.Fatalf("resource %q is accepted but not canonical", resource)
			}
			if !Covers("*", resource) {
				t.Fatalf("* does not cover well-formed %q", resource)
			}
		}
		if c, err := CheckScope(scope); err == nil {
			if again, err := CheckScope(c); err != nil || again != c {
				t.Fatalf("CheckScope is not idempotent on %q: %q, %v", c, again, err)
			}
		}
	})
}
