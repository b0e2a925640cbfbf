package connector

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
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

// TestSend_Streaming: a caller that streams gets an answer of unknown or
// large length as a stream, and one that states a small length read whole,
// with the same bytes either way.
func TestSend_Streaming(t *testing.T) {
	big := strings.Repeat("b", SmallAnswer+1)
	small := strings.Repeat("s", SmallAnswer)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/small":
			w.Header().Set("Content-Length", strconv.Itoa(len(small)))
			io.WriteString(w, small)
		case "/big":
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			io.WriteString(w, big)
		case "/unknown":
			io.WriteString(w, "x")
			w.(http.Flusher).Flush() // chunked: no length stated
			io.WriteString(w, "y")
		}
	}))
	defer up.Close()
	for _, c := range []struct {
		path, want string
		stream     bool
	}{{"/small", small, false}, {"/big", big, true}, {"/unknown", "xy", true}} {
		for _, streams := range []bool{false, true} {
			ctx := context.Background()
			if streams {
				ctx = WithStreaming(ctx)
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", up.URL+c.path, nil)
			resp, err := Send(up.Client(), req)
			if err != nil {
				t.Fatal(err)
			}
			got := string(resp.Body)
			if resp.Stream != nil {
				b, err := io.ReadAll(resp.Stream)
				resp.Stream.Close()
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			if (resp.Stream != nil) != (streams && c.stream) || got != c.want {
				t.Errorf("%s, caller streams %v: stream %v, %d bytes; want stream %v, %d bytes",
					c.path, streams, resp.Stream != nil, len(got), streams && c.stream, len(c.want))
			}
		}
	}
}
