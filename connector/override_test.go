package connector

import (
	"context"
	"net/http"
	"testing"

	"github.com/aos-dev/aos"
)

func TestIsOverrideHeader(t *testing.T) {
	for name, want := range map[string]bool{
		"X-HTTP-Method-Override": true, "x-http-method": true, "X_Method_Override": true, "X-Original-URL": true,
		"X-Rewrite-URL": true, "X-Host": true, "X-Original-Host": true, "X-HTTP-Host-Override": true,
		"X-Forwarded-Host": true, "X-Forwarded-For": true, "x_forwarded_proto": true, "X-Forwarded-Prefix": true,
		"Forwarded": true, "X-Real-IP": true,
		"Accept": false, "X-Request-Id": false, "Host": false, "X-Forwarded": false, "X-Method": false,
	} {
		if got := IsOverrideHeader(name); got != want {
			t.Errorf("IsOverrideHeader(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestIsOverrideParam(t *testing.T) {
	for name, want := range map[string]bool{
		"_method": true, "_METHOD": true, " _method": true, ".method": true, "_method[]": true, "_method[x]": true,
		"_HttpMethod": true, "X-HTTP-Method-Override": true, "x_http_method": true,
		"method": false, "payment_method": false, "_methods": false, "[_method]": false, "": false,
	} {
		if got := IsOverrideParam(name); got != want {
			t.Errorf("IsOverrideParam(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestCheckBodyOverrides(t *testing.T) {
	const multi = "multipart/form-data; boundary=B"
	tests := []struct {
		name, contentType, body string
		refused                 bool
	}{
		{"form", "application/x-www-form-urlencoded", "a=1&_method=PUT", true},
		{"form, ';' separator", "application/x-www-form-urlencoded", "a=1;_method=PUT", true},
		{"form, escaped name", "application/x-www-form-urlencoded; charset=utf-8", "%5F%6Dethod=PUT", true},
		{"form without one", "application/x-www-form-urlencoded", "a=1&payment_method=card", false},
		{"json member", "application/json", `{"a": [1, {"b": 2}], "_method": "PUT"}`, true},
		{"json+suffix member", "application/vnd.api+json", `{"_Method": "PUT"}`, true},
		{"json nested member", "application/json", `{"a": {"_method": "PUT"}}`, false},
		{"json array", "application/json", `[{"_method": "PUT"}]`, false},
		{"json that does not parse", "application/json", `{"_meth`, false},
		{"multipart field", multi, "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B\r\nContent-Disposition: form-data; name=\"_method\"\r\n\r\nPUT\r\n--B--\r\n", true},
		{"multipart file only", multi, "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"_method\"\r\n\r\nx\r\n--B--\r\n", false},
		{"multipart that does not parse", multi, "--C\r\n", true},
		{"multipart without boundary", "multipart/form-data", "x", true},
		{"plain text", "text/plain", "_method=PUT", false},
		{"no content type", "", "_method=PUT", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckBodyOverrides(tt.contentType, []byte(tt.body))
			if tt.refused != (err != nil) || err != nil && aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("CheckBodyOverrides = %v; want refused %v", err, tt.refused)
			}
		})
	}
}

func TestCheckAddedHeader(t *testing.T) {
	for name, ok := range map[string]bool{
		"X-Tenant": true, "Api-Version": true, "Idempotency-Key": true, "Accept-Language": true, "X-Request-Id": true,
		"Authorization": false, "Proxy-Authorization": false, "Cookie": false, "Set-Cookie": false, "X-Api-Key": false,
		"X_API_KEY": false, "Api-Key": false, "X-Auth-Token": false, "X-Access-Token": false, "X-Client-Secret": false,
		"X-Session": false, "X-Password": false, "Private-Key": false, "X-Amz-Security-Token": false, "X-Hub-Signature": false,
		"Host": false, "Content-Length": false, "Content-Encoding": false, "Transfer-Encoding": false, "Connection": false,
		"Te": false, "Upgrade": false, "Expect": false, "AOS-Purpose": false, "X-HTTP-Method-Override": false,
		"X-Forwarded-Host": false, "Forwarded": false, "X-Original-URL": false, "": false, "X Tenant": false,
	} {
		if err := CheckAddedHeader(name); ok != (err == nil) {
			t.Errorf("CheckAddedHeader(%q) = %v; want ok %v", name, err, ok)
		}
	}
}

// TestNewRequest_overrides checks the last line of defence: no request
// carrying an override is ever built, whatever a connector or a sealed
// call holds.
func TestNewRequest_overrides(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		target string
		header http.Header
		body   string
	}{
		{"header", "https://api.example.com/x", http.Header{"X-Http-Method-Override": {"DELETE"}}, ""},
		{"query", "https://api.example.com/x?a=1&_method=DELETE", nil, ""},
		{"form body", "https://api.example.com/x", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "_method=DELETE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewRequest(ctx, "api.example.com", "POST", tt.target, tt.header, []byte(tt.body)); aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("NewRequest = %v; want bad_request", err)
			}
		})
	}
	if _, err := NewRequest(ctx, "api.example.com", "POST", "https://api.example.com/x?method=card", nil, []byte("a=1")); err != nil {
		t.Fatalf("NewRequest of a plain request: %v", err)
	}
}
