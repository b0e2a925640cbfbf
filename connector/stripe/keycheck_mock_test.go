package stripe_test

import (
	"context"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/stripe"
	"github.com/aos-dev/aos/vault"
)

// TestConnector_CheckKey_stripeMock checks a key against stripe-mock,
// which accepts any sk_test_ key: live, from one balance read.
func TestConnector_CheckKey_stripeMock(t *testing.T) {
	r := newRecorder(t)
	k := stripe.New()
	c := &aos.Connection{Name: "pay", Type: "stripe", BaseURL: r.URL}
	if err := k.Configure(c); err != nil {
		t.Fatal(err)
	}
	live, detail, err := k.CheckKey(context.Background(), c, vault.NewSecret([]byte(ownerKey)))
	if err != nil || !live {
		t.Fatalf("CheckKey = %v, %q, %v", live, detail, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) != 1 || r.got[0].Method != "GET" || r.got[0].URI != "/v1/balance" {
		t.Fatalf("stripe-mock saw %+v", r.got)
	}
}
