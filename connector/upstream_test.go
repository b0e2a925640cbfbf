package connector

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
)

func TestStripHopByHop(t *testing.T) {
	h := http.Header{
		"Connection":         {"close, X-Named"},
		"X-Named":            {"1"},
		"Keep-Alive":         {"timeout=5"},
		"Proxy-Authenticate": {"Basic"},
		"Te":                 {"trailers"},
		"Trailer":            {"X-T"},
		"Transfer-Encoding":  {"chunked"},
		"Upgrade":            {"h2c"},
		"Content-Type":       {"text/plain"},
		"X-Rate-Limit":       {"10"},
	}
	StripHopByHop(h)
	if len(h) != 2 || h.Get("Content-Type") == "" || h.Get("X-Rate-Limit") == "" {
		t.Fatalf("left %v; want Content-Type and X-Rate-Limit", h)
	}
}

func TestIsHopByHop(t *testing.T) {
	for name, want := range map[string]bool{
		"connection": true, "KEEP-ALIVE": true, "te": true, "Proxy-Authorization": true,
		"proxy-connection": true, "Upgrade": true, "Content-Type": false, "Authorization": false,
	} {
		if got := IsHopByHop(name); got != want {
			t.Errorf("IsHopByHop(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestUpstreamError(t *testing.T) {
	secret := "sk_live_0123456789"
	err := upstreamError("api.example.com", errors.New("echoed "+secret+" and x"), []string{secret, "x"})
	msg := aos.ErrorMessage(err)
	if aos.ErrorCode(err) != aos.EUpstream || !strings.Contains(msg, "api.example.com") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(msg, secret) || !strings.Contains(msg, "[redacted]") {
		t.Errorf("message %q: the credential is not redacted", msg)
	}
	if !strings.Contains(msg, "and x") {
		t.Errorf("message %q: a short string was redacted", msg)
	}
}
