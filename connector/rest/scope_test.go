package rest

import (
	"testing"

	"github.com/aos-dev/aos"
)

func TestCheckScope(t *testing.T) {
	tests := []struct {
		name, scope, want string // want "" means EBadRequest
	}{
		{"account-wide", "*", "*"},
		{"root", "/", "/"},
		{"prefix", "/v1/contacts", "/v1/contacts"},
		{"trailing slash normalised", "/v1/contacts/", "/v1/contacts"},
		{"decoded space", "/v1/a b", "/v1/a b"},
		{"unicode", "/v1/café", "/v1/café"},
		{"lone percent", "/v1/100%", "/v1/100%"},
		{"dot inside segment", "/v1/v1.2", "/v1/v1.2"},

		{"empty", "", ""},
		{"relative", "v1/contacts", ""},
		{"leading space", " /v1", ""},
		{"double star", "**", ""},
		{"wildcard segment", "/v1/*", ""},
		{"wildcard inside", "/v1/contacts*", ""},
		{"double slash", "//", ""},
		{"empty segment", "/v1//contacts", ""},
		{"two trailing slashes", "/v1/contacts//", ""},
		{"dot-dot", "/v1/../admin", ""},
		{"trailing dot-dot", "/v1/..", ""},
		{"dot", "/v1/./contacts", ""},
		{"encoded slash", "/v1%2fcontacts", ""},
		{"encoded slash upper", "/v1%2Fcontacts", ""},
		{"encoded dots", "/v1/%2e%2e", ""},
		{"encoded space", "/v1/a%20b", ""},
		{"query", "/v1/contacts?x=1", ""},
		{"fragment", "/v1/contacts#x", ""},
		{"backslash", `/v1\contacts`, ""},
		{"semicolon", "/v1/contacts;x", ""},
		{"NUL", "/v1/\x00", ""},
		{"newline", "/v1/\n", ""},
		{"invalid UTF-8", "/v1/\xff", ""},
		{"fullwidth dots", "/v1/．．", ""},
		{"zero-width space", "/v1/a\u200bb", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckScope(tt.scope)
			if tt.want == "" {
				if aos.ErrorCode(err) != aos.EBadRequest {
					t.Fatalf("CheckScope(%q) = %q, %v; want bad_request", tt.scope, got, err)
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
		{"itself", "/v1/contacts", "/v1/contacts", true},
		{"below", "/v1/contacts", "/v1/contacts/42", true},
		{"deep below", "/v1/contacts", "/v1/contacts/42/notes/7", true},
		{"trailing slash", "/v1/contacts", "/v1/contacts/", true},
		{"longer segment", "/v1/contacts", "/v1/contactsX", false},
		{"longer segment below", "/v1/contacts", "/v1/contactsX/42", false},
		{"parent", "/v1/contacts", "/v1", false},
		{"root resource", "/v1/contacts", "/", false},
		{"sibling", "/v1/contacts", "/v1/companies", false},
		{"case differs", "/V1/contacts", "/v1/contacts", false},
		{"account-wide", "*", "/v1/anything", true},
		{"account-wide root", "*", "/", true},
		{"root scope", "/", "/v1/anything", true},
		{"root scope root", "/", "/", true},
		{"scope with trailing slash", "/v1/contacts/", "/v1/contacts/42", true},
		{"decoded characters", "/v1/a b", "/v1/a b/c", true},

		// Fail closed on input that CheckScope or Canonical would reject.
		{"dot-dot resource", "/v1/contacts", "/v1/contacts/../admin", false},
		{"encoded resource", "/v1/contacts", "/v1/contacts/%2e%2e", false},
		{"empty-segment resource", "/v1/contacts", "/v1/contacts//x", false},
		{"semicolon resource", "/v1/contacts", "/v1/contacts;/x", false},
		{"relative resource", "*", "v1/contacts", false},
		{"empty resource", "*", "", false},
		{"empty scope", "", "/v1/contacts", false},
		{"dot-dot scope", "/v1/contacts/..", "/v1/contacts/../admin", false},
		{"wildcard scope", "/v1/*", "/v1/contacts", false},
		{"relative scope", "v1", "/v1/contacts", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Covers(tt.scope, tt.resource); got != tt.want {
				t.Fatalf("Covers(%q, %q) = %v, want %v", tt.scope, tt.resource, got, tt.want)
			}
		})
	}
}
