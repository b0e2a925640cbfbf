package stripe_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos/internal/testenv"
)

// TestNodeSDK runs the unmodified Stripe Node SDK
// (internal/testtools/node/stripe-sdk.mjs) against the gateway by host
// routing, then checks what stripe-mock received: the owner's key, never
// the agent's token, and only the calls that were allowed.
func TestNodeSDK(t *testing.T) {
	dir, node := testenv.NodeDir(t)
	w := newWorld(t)
	u, err := url.Parse(w.in.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The refund without amount refunds the whole of a $2,000 charge
	// (stripe-mock's is $1.00): read from the charge, and held.
	w.upstream.setAnswer(func(uri string, status int, body []byte) (int, []byte) {
		if strings.HasPrefix(uri, "/v1/charges/") {
			body = setMember(t, body, "amount", 200000)
		}
		return status, body
	})
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "stripe-sdk.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AOS_PORT="+u.Port(), "AOS_TOKEN="+w.token, "PAY=pay", "PAYRO=payro")
	out, err := cmd.CombinedOutput()
	checks := 0
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		var c struct {
			Check string `json:"check"`
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}
		if json.Unmarshal([]byte(line), &c) != nil || c.Check == "" {
			t.Logf("node: %s", line)
			continue
		}
		checks++
		if !c.OK {
			t.Errorf("%s: %s", c.Check, c.Error)
		}
	}
	if err != nil || checks != 8 {
		t.Fatalf("node exited with %v after %d checks (want 8)", err, checks)
	}

	// Allowed: refunds.list, the refund under the cap, refunds.retrieve;
	// and the read of the charge the refund without amount refunds.
	got := withoutLookups(t, w.upstream.take(), 1)
	if len(got) != 3 {
		t.Fatalf("stripe-mock received %d requests; want 3: %+v", len(got), got)
	}
	for _, r := range got {
		if r.Authorization != "Bearer "+ownerKey || strings.Contains(r.URI+r.Body, w.token) {
			t.Fatalf("stripe-mock received %+v; want the owner's key and no agent token", r)
		}
		if r.Header.Get("Stripe-Version") == "" || r.Header.Get("X-Stripe-Client-Telemetry") != "" {
			t.Fatalf("headers forwarded: %v", r.Header)
		}
	}
	if got[1].Method != "POST" || got[1].Body != "charge=ch_1&amount=500&currency=usd" {
		t.Fatalf("the refund reached stripe-mock as %s %q", got[1].Method, got[1].Body)
	}
	w.in.Verify(t)
}
