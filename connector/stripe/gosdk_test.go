package stripe_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	stripesdk "github.com/stripe/stripe-go/v85"
)

// TestGoSDK drives the unmodified Stripe Go SDK through the path proxy:
// stripe-go takes a base URL with a path, so its backend URL is
// /v1/proxy/NAME and the agent token is its key.
func TestGoSDK(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	client := func(conn string) *stripesdk.Client {
		retries := int64(0)
		url := w.in.URL + "/v1/proxy/" + conn
		b := stripesdk.NewBackendsWithConfig(&stripesdk.BackendConfig{URL: &url, MaxNetworkRetries: &retries,
			LeveledLogger: &stripesdk.LeveledLogger{Level: stripesdk.LevelNull}})
		return stripesdk.NewClient(w.token, stripesdk.WithBackends(b))
	}
	pay, payro := client("pay"), client("payro")
	refund := func(amount *int64, currency string) *stripesdk.RefundCreateParams {
		p := &stripesdk.RefundCreateParams{Charge: stripesdk.String("ch_1"), Amount: amount}
		if currency != "" {
			p.Currency = stripesdk.String(currency)
		}
		return p
	}
	// contractError checks a refusal: a *stripe.Error with the status and
	// the contract's code.
	contractError := func(t *testing.T, err error, status int, code string) {
		t.Helper()
		var se *stripesdk.Error
		if !errors.As(err, &se) || se.HTTPStatusCode != status || string(se.Code) != code {
			t.Fatalf("err = %v; want %d %s", err, status, code)
		}
	}

	t.Run("list granted", func(t *testing.T) {
		n := 0
		for r, err := range pay.V1Refunds.List(ctx, &stripesdk.RefundListParams{ListParams: stripesdk.ListParams{Limit: stripesdk.Int64(2)}}).All(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			if r.Object != "refund" {
				t.Fatalf("object %q", r.Object)
			}
			if n++; n == 2 {
				break
			}
		}
	})
	t.Run("refund under cap", func(t *testing.T) {
		r, err := pay.V1Refunds.Create(ctx, refund(stripesdk.Int64(500), "usd"))
		if err != nil || r.LastResponse.StatusCode != 200 || r.Object != "refund" {
			t.Fatalf("refund = %+v, %v", r, err)
		}
	})
	t.Run("refund over cap held", func(t *testing.T) {
		r, err := pay.V1Refunds.Create(ctx, refund(stripesdk.Int64(250000), "usd"))
		if err != nil || r.LastResponse.StatusCode != 202 {
			t.Fatalf("refund = %+v, %v; want held", r, err)
		}
		var held struct {
			ApprovalID    string `json:"approval_id"`
			ApprovalPoint string `json:"approval_point"`
		}
		if err := json.Unmarshal(r.LastResponse.RawJSON, &held); err != nil || held.ApprovalPoint != "money" || held.ApprovalID == "" {
			t.Fatalf("held body %s; want an approval at money", r.LastResponse.RawJSON)
		}
	})
	t.Run("refund without amount held", func(t *testing.T) {
		// The whole of a $2,000 charge (stripe-mock's is $1.00): its
		// amount and currency are read from the charge, and held.
		w.upstream.setAnswer(func(uri string, status int, body []byte) (int, []byte) {
			if strings.HasPrefix(uri, "/v1/charges/") {
				body = setMember(t, body, "amount", 200000)
			}
			return status, body
		})
		defer w.upstream.setAnswer(nil)
		r, err := pay.V1Refunds.Create(ctx, refund(nil, ""))
		if err != nil || r.LastResponse.StatusCode != 202 {
			t.Fatalf("refund = %+v, %v; want held", r, err)
		}
	})
	t.Run("customers out of scope", func(t *testing.T) {
		_, err := pay.V1Customers.Retrieve(ctx, "cus_1", nil)
		contractError(t, err, 403, "out_of_scope")
	})
	t.Run("expansion out of scope", func(t *testing.T) {
		p := &stripesdk.RefundRetrieveParams{}
		p.AddExpand("charge")
		_, err := pay.V1Refunds.Retrieve(ctx, "re_1", p)
		contractError(t, err, 403, "out_of_scope")
	})
	t.Run("read-only refuses create", func(t *testing.T) {
		_, err := payro.V1Refunds.Create(ctx, refund(stripesdk.Int64(500), "usd"))
		contractError(t, err, 403, "read_only")
	})

	// Allowed: the list (one page or two) and the refund under the cap;
	// and the read of the charge a refund without amount refunds.
	got, posts := withoutLookups(t, w.upstream.take(), 1), 0
	if len(got) < 2 || len(got) > 3 {
		t.Fatalf("stripe-mock received %d requests; want the list and one refund", len(got))
	}
	for _, r := range got {
		if r.Authorization != "Bearer "+ownerKey || strings.Contains(r.URI+r.Body, w.token) {
			t.Fatalf("stripe-mock received %+v; want the owner's key and no agent token", r)
		}
		if r.Method == "POST" {
			if posts++; r.Body != "amount=500&charge=ch_1&currency=usd" {
				t.Fatalf("stripe-mock received the refund %q", r.Body)
			}
		}
	}
	if posts != 1 {
		t.Fatalf("stripe-mock received %d refunds; want 1", posts)
	}
	w.in.Verify(t)
}
