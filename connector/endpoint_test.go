package connector

import (
	"net/url"
	"testing"

	"github.com/aos-dev/aos"
)

func TestEndpoint_Relative(t *testing.T) {
	ep := &Endpoint{Scheme: "https", Host: "api.example.com", Path: "/base"}
	tests := []struct {
		name, raw, path, query string
	}{
		{"under", "https://api.example.com/base/v1/x?a=1", "/v1/x", "a=1"},
		{"any case", "HTTPS://API.example.com/base/", "/", ""},
		{"base itself", "https://api.example.com/base", "", ""},
		{"prefix not on a segment", "https://api.example.com/basement", "", ""},
		{"other host", "https://evil.example.com/base/x", "", ""},
		{"other scheme", "http://api.example.com/base/x", "", ""},
		{"user info", "https://u@api.example.com/base/x", "", ""},
		{"fragment", "https://api.example.com/base/x#f", "", ""},
		{"does not parse", "https://api.example.com/base/%zz", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, query, err := ep.Relative(tt.raw)
			if tt.path == "" {
				if aos.ErrorCode(err) != aos.EOutOfScope {
					t.Fatalf("Relative(%q) = %q, %q, %v; want out_of_scope", tt.raw, path, query, err)
				}
				return
			}
			if err != nil || path != tt.path || query != tt.query {
				t.Fatalf("Relative(%q) = %q, %q, %v; want %q, %q", tt.raw, path, query, err, tt.path, tt.query)
			}
		})
	}
}

func TestParseBaseURL(t *testing.T) {
	decode := url.PathUnescape
	ep, err := ParseBaseURL("https://API.Example.com:8443/a b/", decode)
	if err != nil || ep.String() != "https://api.example.com:8443/a%20b" {
		t.Fatalf("ParseBaseURL = %v, %v", ep, err)
	}
	for _, raw := range []string{"", "ftp://x.com", "https://", "https://u@x.com", "https://x.com?a=1", "https://x.com#f"} {
		if _, err := ParseBaseURL(raw, decode); aos.ErrorCode(err) != aos.EBadRequest {
			t.Errorf("ParseBaseURL(%q): %v, want bad_request", raw, err)
		}
	}
}

func TestParseQuery(t *testing.T) {
	for raw, ok := range map[string]bool{
		"": true, "a=1&b=%20": true, "a=1;b=2": false, "a=%zz": false, "a=b c": false, "a=é": false, "a#b": false,
	} {
		if _, err := ParseQuery(raw, MaxQuery); (err == nil) != ok {
			t.Errorf("ParseQuery(%q): %v", raw, err)
		}
	}
	if _, err := ParseQuery("a=12", 3); aos.ErrorCode(err) != aos.EBadRequest {
		t.Errorf("a query over the bound: %v", err)
	}
}
