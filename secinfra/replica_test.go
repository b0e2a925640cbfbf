package secinfra_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/vault"
)

// slowKeyLog is a keyLog whose answers take a while, so that calls are
// waiting for it when the key is declared exposed.
type slowKeyLog struct{ keyLog }

func (u *slowKeyLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	time.Sleep(25 * time.Millisecond)
	u.keyLog.ServeHTTP(w, r)
}

// TestKeys_Exposed_otherReplica declares a key exposed on one gateway
// while another gateway on the same store and evidence log (a replica,
// which the command's process cannot drain) is waiting for its upstream
// with that key: the command returns only once the upstream has answered
// every such request.
func TestKeys_Exposed_otherReplica(t *testing.T) {
	const oldKey = "pay-old-secret-5d2e"
	ctx := context.Background()
	up := &slowKeyLog{}
	upstream := httptest.NewServer(up)
	defer upstream.Close()
	in := gatewaytest.Start(t, rest.New())
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "pay", BaseURL: upstream.URL, Scope: "/v1", To: "company",
		Config: []byte(payOps), Credential: vault.NewSecret([]byte(oldKey))})
	_, agent, err := in.Owner.AddAgent(ctx, in.Boss, "buyer", "finance")
	if err != nil {
		t.Fatal(err)
	}
	replica := &gateway.Gateway{Store: in.Store, Log: in.Log, Vault: in.Owner.Vault, Connectors: in.Owner.Connectors,
		Approvals: in.Gateway.Approvals, Now: time.Now}
	keys := &secinfra.Keys{Owner: in.Owner, Drain: in.Gateway.DrainCredential}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				replica.Proxy(ctx, agent, "pay", &connector.HTTPRequest{Method: "GET", RawPath: "/v1/refunds", Header: http.Header{}}, gateway.Meta{})
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	for deadline := time.Now().Add(20 * time.Second); up.count(oldKey) < 12; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no calls on the old key")
		}
	}
	rep, err := keys.Exposed(ctx, in.Boss, "pay", vault.Secret{})
	if err != nil {
		t.Fatal(err)
	}
	returned := time.Now()
	if last := up.lastDone(oldKey); !last.Before(returned) {
		t.Errorf("the upstream answered a request with the exposed key %v after the command returned", last.Sub(returned))
	}
	if len(rep.Unsettled) != 0 {
		t.Errorf("unsettled calls %v", rep.Unsettled)
	}
	seen := up.count(oldKey)
	time.Sleep(60 * time.Millisecond) // more than two upstream answers: none may carry the key
	if n := up.count(oldKey); n != seen {
		t.Errorf("%d requests carried the exposed key after the command returned", n-seen)
	}
}

// TestKeys_Exposed_unsettled: a call authorised with the key whose outcome
// never comes (its replica died) is reported once the window closes.
func TestKeys_Exposed_unsettled(t *testing.T) {
	ctx := context.Background()
	in := gatewaytest.Start(t, rest.New())
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "pay", BaseURL: "http://127.0.0.1:1", Scope: "/v1", To: "company",
		Config: []byte(payOps), Credential: vault.NewSecret([]byte("pay-old-secret-5d2e"))})
	idx, err := in.Log.Record(ctx, func(aos.Tx) ([]aos.Record, error) {
		return []aos.Record{{Kind: "call.authorized", Actor: "agent:gone", Subject: "pay",
			Attrs: map[string]string{"connection": "pay", "credential_version": "1", "decision": "allow"}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := &secinfra.Keys{Owner: in.Owner, SettleWindow: 30 * time.Millisecond}
	rep, err := keys.Exposed(ctx, in.Boss, "pay", vault.Secret{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unsettled) != 1 || rep.Unsettled[0] != idx[0] {
		t.Fatalf("unsettled %v, want [%d]", rep.Unsettled, idx[0])
	}
	if !strings.Contains(strings.Join(rep.Left, "\n"), "had not ended") {
		t.Errorf("left for a person: %q", rep.Left)
	}
}
