package approval_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/vault"
)

func TestSealRequest_OpenRequest(t *testing.T) {
	v, _ := vault.New(vault.GenerateKey())
	a := &aos.Approval{ID: "ap_1"}
	req := []byte(`{"method":"POST","url":"https://pay.example/v1/refunds","body":"YW1vdW50PTE1MDAwMA=="}`)
	if err := approval.SealRequest(v, a, req); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(a.Request), "refunds") {
		t.Fatal("the sealed request is readable")
	}
	got, err := approval.OpenRequest(v, a)
	if err != nil || string(got) != string(req) {
		t.Fatalf("OpenRequest = %q, %v", got, err)
	}
	t.Run("digest mismatch", func(t *testing.T) {
		b := *a
		b.Digest = approval.Digest([]byte("something else"))
		if _, err := approval.OpenRequest(v, &b); err == nil {
			t.Fatal("a request that does not match its digest opened")
		}
	})
	t.Run("sealed for another approval", func(t *testing.T) {
		b := *a
		b.ID = "ap_2"
		if _, err := approval.OpenRequest(v, &b); err == nil {
			t.Fatal("a request sealed for ap_1 opened as ap_2")
		}
	})
}

func TestWebhook_Notify(t *testing.T) {
	got := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer srv.Close()
	a := &aos.Approval{
		ID: "ap_7", Kind: aos.ApprovalCall, Points: []aos.ApprovalPoint{aos.PointMoney, aos.PointCustomerData},
		Requester: "agent:buyer", Connection: "pay", Operation: "refunds.create",
		Resource: "/v1/customers/cus_secret_resource", Summary: "refund to ada@example.com",
		Facts:   aos.Facts{Amount: 150000, Currency: "usd", CustomerData: []string{"email"}},
		Purpose: "customer ada@example.com asked", ExpiresAt: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC),
	}
	(&approval.Webhook{URL: srv.URL}).Notify(context.Background(), a)
	body := <-got
	var m approval.WebhookMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "agent:buyer wants refunds.create on pay, held at money,customer-data") ||
		m.ApprovalID != "ap_7" || len(m.ApprovalPoints) != 2 {
		t.Fatalf("message = %+v", m)
	}
	for _, leak := range []string{"ada@example.com", "cus_secret_resource", "150000", "asked"} {
		if strings.Contains(string(body), leak) {
			t.Errorf("the webhook body carries %q: %s", leak, body)
		}
	}
}

func TestPointNames(t *testing.T) {
	if got := approval.PointNames([]aos.ApprovalPoint{aos.PointMoney, aos.PointProduction}); got != "money,production" {
		t.Fatalf("PointNames = %q", got)
	}
}

func TestWebhook_Warn(t *testing.T) {
	got := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer srv.Close()
	var n approval.Notifier = &approval.Webhook{URL: srv.URL}
	w, ok := n.(approval.Warner)
	if !ok {
		t.Fatal("Webhook is not a Warner")
	}
	w.Warn(context.Background(), approval.CredentialEchoWarning("crm", "contacts.list", 42))
	var m approval.Warning
	if err := json.Unmarshal(<-got, &m); err != nil {
		t.Fatal(err)
	}
	if m.Warning != "credential_echo" || m.Connection != "crm" || m.Operation != "contacts.list" || m.AuthorizedEntry != 42 ||
		!strings.Contains(m.Text, "echoed the connection's credential") || !strings.Contains(m.Text, "aos keys rotate crm") {
		t.Fatalf("warning = %+v", m)
	}
}
