package stripe_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/evidence"
)

// stripe-mock answers GET /v1/charges/ID, whatever the ID, with one
// fixture: amount 100, amount_refunded 0, currency usd; and a payment
// intent with that charge as its latest_charge. It does not check a
// refund's amount against the charge, so a $50 or $1,500 refund of that
// $1 charge goes through there (Stripe itself would refuse more than is
// left, which is what holds a learnt whole refund to its amount).

// lookups returns the call.lookup entries of the instance's log.
func lookups(t *testing.T, w *world) []aos.Entry {
	t.Helper()
	var out []aos.Entry
	err := w.in.Store.View(context.Background(), func(tx aos.Tx) error {
		n, err := tx.LogSize(context.Background())
		if err != nil {
			return err
		}
		es, err := tx.Entries(context.Background(), 0, n)
		if err != nil {
			return err
		}
		for _, se := range es {
			e, err := evidence.DecodeLeaf(se.Leaf)
			if err != nil {
				return err
			}
			if e.Kind == "call.lookup" {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// setMember sets a top-level member of a JSON object.
func setMember(t *testing.T, body []byte, name string, value any) []byte {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Errorf("stripe-mock's answer is not a JSON object: %v", err)
		return body
	}
	m[name] = value
	b, _ := json.Marshal(m)
	return b
}

// withoutLookups returns what Stripe received but the n reads of a
// charge that the gateway made to learn refunds' amounts, checking that
// there were n.
func withoutLookups(t *testing.T, got []upstreamRequest, n int) []upstreamRequest {
	t.Helper()
	var out []upstreamRequest
	found := 0
	for _, r := range got {
		if r.Method == "GET" && strings.HasPrefix(r.URI, "/v1/charges/") {
			found++
			continue
		}
		out = append(out, r)
	}
	if found != n {
		t.Errorf("Stripe received %d reads of a charge; want %d", found, n)
	}
	return out
}

// upstreamCalls summarises what Stripe received, "METHOD URI BODY".
func upstreamCalls(got []upstreamRequest) []string {
	var s []string
	for _, r := range got {
		s = append(s, strings.TrimSpace(r.Method+" "+r.URI+" "+r.Body))
	}
	return s
}

func heldApproval(t *testing.T, w *world, r reply) *aos.Approval {
	t.Helper()
	id, _ := r.Body["approval_id"].(string)
	if r.Status != http.StatusAccepted || id == "" {
		t.Fatalf("status %d, body %v; want held", r.Status, r.Body)
	}
	a, err := w.in.Gateway.Approvals.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestGateway_stripeRefundLookup: a refund that names no currency (it is
// its charge's) is decided on the currency, and for a whole refund the
// amount, read from the charge with the connection's key before the
// decision: a $50 refund passes under the default $1,000 per-move cap, a
// $1,500 one is held at money, and only what stays unknown is held as
// such, with the reason.
func TestGateway_stripeRefundLookup(t *testing.T) {
	w := newWorld(t)

	t.Run("$50 passes", func(t *testing.T) {
		r := w.send(t, false, "pay", "POST", "/v1/refunds", "charge=ch_1&amount=5000", nil)
		if r.Status != http.StatusOK || r.Body["object"] != "refund" {
			t.Fatalf("status %d, body %v; want the refund", r.Status, r.Body)
		}
		got := upstreamCalls(w.upstream.take())
		want := []string{"GET /v1/charges/ch_1", "POST /v1/refunds charge=ch_1&amount=5000&currency=usd"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("Stripe received %q; want %q", got, want)
		}
	})

	t.Run("$1,500 is held at money", func(t *testing.T) {
		a := heldApproval(t, w, w.send(t, false, "pay", "POST", "/v1/refunds", "charge=ch_1&amount=150000", nil))
		if a.Facts.Amount != 150000 || a.Facts.Currency != "USD" || a.Facts.AmountUnknown ||
			len(a.Reasons) != 1 || a.Reasons[0] != "money: $1,500.00 USD is over the per-move cap of $1,000.00 USD" {
			t.Fatalf("held with facts %+v, reasons %q", a.Facts, a.Reasons)
		}
		if got := upstreamCalls(w.upstream.take()); len(got) != 1 || got[0] != "GET /v1/charges/ch_1" {
			t.Fatalf("Stripe received %q; want only the charge read", got)
		}
		// The owner approves the refund as it states what was learnt.
		a, err := w.in.Gateway.Approve(context.Background(), w.in.Boss, a.ID, "confirmed")
		if err != nil || a.Status != aos.ApprovalExecuted {
			t.Fatalf("approve: %v, %+v", err, a)
		}
		if got := upstreamCalls(w.upstream.take()); len(got) != 1 || got[0] != "POST /v1/refunds charge=ch_1&amount=150000&currency=usd" {
			t.Fatalf("Stripe received %q on approval", got)
		}
	})

	t.Run("a whole refund learns the amount left", func(t *testing.T) {
		// The fixture charge: amount 100, refunded 0: a $1.00 refund.
		r := w.send(t, false, "pay", "POST", "/v1/refunds", "charge=ch_1", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("status %d, body %v; want the refund", r.Status, r.Body)
		}
		got := upstreamCalls(w.upstream.take())
		if len(got) != 2 || got[1] != "POST /v1/refunds charge=ch_1&amount=100&currency=usd" {
			t.Fatalf("Stripe received %q", got)
		}
		// The same charge with $1,950 of $2,000 already refunded: $50 left.
		w.upstream.setAnswer(func(uri string, status int, body []byte) (int, []byte) {
			if strings.HasPrefix(uri, "/v1/charges/") {
				body = setMember(t, body, "amount", 200000)
				body = setMember(t, body, "amount_refunded", 195000)
			}
			return status, body
		})
		defer w.upstream.setAnswer(nil)
		if r := w.send(t, false, "pay", "POST", "/v1/refunds", "charge=ch_1", nil); r.Status != http.StatusOK {
			t.Fatalf("status %d, body %v; want the $50 left refunded", r.Status, r.Body)
		}
		if got := upstreamCalls(w.upstream.take()); len(got) != 2 || got[1] != "POST /v1/refunds charge=ch_1&amount=5000&currency=usd" {
			t.Fatalf("Stripe received %q", got)
		}
	})

	t.Run("a payment intent", func(t *testing.T) {
		r := w.send(t, false, "pay", "POST", "/v1/refunds", "payment_intent=pi_1", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("status %d, body %v; want the refund", r.Status, r.Body)
		}
		got := upstreamCalls(w.upstream.take())
		want := []string{"GET /v1/payment_intents/pi_1?expand%5B%5D=latest_charge", "POST /v1/refunds payment_intent=pi_1&amount=100&currency=usd"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("Stripe received %q; want %q", got, want)
		}
	})

	t.Run("a charge in euros", func(t *testing.T) {
		// stripe-mock's charge is in dollars; this one says euros.
		w.upstream.setAnswer(func(uri string, status int, body []byte) (int, []byte) {
			if strings.HasPrefix(uri, "/v1/charges/") {
				body = setMember(t, body, "currency", "eur")
			}
			return status, body
		})
		defer w.upstream.setAnswer(nil)
		a := heldApproval(t, w, w.send(t, false, "pay", "POST", "/v1/refunds", "charge=ch_1&amount=5000", nil))
		if a.Facts.Currency != "EUR" || len(a.Reasons) != 1 ||
			a.Reasons[0] != "money: €50.00 EUR: EUR has no configured rate; amounts in it are held, never guessed" {
			t.Fatalf("held with facts %+v, reasons %q", a.Facts, a.Reasons)
		}
		w.upstream.take()
		caps := aos.DefaultCaps
		caps.Rates = map[string]string{"EUR": "1.08"}
		if _, err := w.in.Owner.SetCaps(context.Background(), w.in.Boss, caps); err != nil {
			t.Fatal(err)
		}
		if r := w.send(t, false, "pay", "POST", "/v1/refunds", "charge=ch_1&amount=5000", nil); r.Status != http.StatusOK {
			t.Fatalf("€50 ($54): status %d, body %v; want it through", r.Status, r.Body)
		}
		if got := upstreamCalls(w.upstream.take()); len(got) != 2 || got[1] != "POST /v1/refunds charge=ch_1&amount=5000&currency=eur" {
			t.Fatalf("Stripe received %q", got)
		}
		a = heldApproval(t, w, w.send(t, false, "pay", "POST", "/v1/refunds", "charge=ch_1&amount=100000", nil))
		if len(a.Reasons) != 1 || a.Reasons[0] != "money: €1,000.00 EUR ($1,080.00 USD) is over the per-move cap of $1,000.00 USD" {
			t.Fatalf("€1,000 held with reasons %q", a.Reasons)
		}
		// A refund stating another currency than the charge's stays unknown.
		a = heldApproval(t, w, w.send(t, false, "pay", "POST", "/v1/refunds", "charge=ch_1&currency=usd", nil))
		if !a.Facts.AmountUnknown || !strings.Contains(a.Reasons[0], "the refund is in USD but charge ch_1 is in EUR") {
			t.Fatalf("held with facts %+v, reasons %q", a.Facts, a.Reasons)
		}
		w.upstream.take()
	})

	t.Run("a charge not found stays held", func(t *testing.T) {
		w.upstream.setAnswer(func(uri string, status int, body []byte) (int, []byte) {
			if strings.HasPrefix(uri, "/v1/charges/ch_gone") {
				return http.StatusNotFound, []byte(`{"error": {"type": "invalid_request_error", "code": "resource_missing"}}`)
			}
			return status, body
		})
		defer w.upstream.setAnswer(nil)
		a := heldApproval(t, w, w.send(t, false, "pay", "POST", "/v1/refunds", "charge=ch_gone&amount=5000", nil))
		if !a.Facts.AmountUnknown || len(a.Reasons) != 1 ||
			a.Reasons[0] != "money: the operation moves money but its amount could not be read: charge ch_gone was not found" {
			t.Fatalf("held with facts %+v, reasons %q", a.Facts, a.Reasons)
		}
		if got := upstreamCalls(w.upstream.take()); len(got) != 1 || got[0] != "GET /v1/charges/ch_gone" {
			t.Fatalf("Stripe received %q", got)
		}
	})

	t.Run("a failed lookup stays held", func(t *testing.T) {
		w.upstream.setAnswer(func(uri string, status int, body []byte) (int, []byte) {
			if strings.HasPrefix(uri, "/v1/charges/") {
				return http.StatusInternalServerError, []byte(`{}`)
			}
			return status, body
		})
		defer w.upstream.setAnswer(nil)
		a := heldApproval(t, w, w.send(t, false, "pay", "POST", "/v1/refunds", "charge=ch_1&amount=5000", nil))
		if !a.Facts.AmountUnknown || !strings.Contains(a.Reasons[0], "the lookup failed: Stripe answered 500 to /v1/charges/ch_1") {
			t.Fatalf("held with facts %+v, reasons %q", a.Facts, a.Reasons)
		}
		w.upstream.take()
	})

	t.Run("other money parameters are not looked up", func(t *testing.T) {
		a := heldApproval(t, w, w.send(t, false, "pay", "POST", "/v1/refunds", "charge=ch_1&amount=5000&application_fee_amount=10", nil))
		if !a.Facts.AmountUnknown || !strings.Contains(a.Reasons[0], "the refund moves money beyond its amount") {
			t.Fatalf("held with facts %+v, reasons %q", a.Facts, a.Reasons)
		}
		if got := w.upstream.take(); len(got) != 0 {
			t.Fatalf("Stripe received %q; a lookup could not have helped", upstreamCalls(got))
		}
	})

	t.Run("no grant, no lookup", func(t *testing.T) {
		r := w.send(t, false, "payro", "POST", "/v1/refunds", "charge=ch_1&amount=5000", nil)
		if r.Status != http.StatusForbidden || r.code() != aos.EReadOnly {
			t.Fatalf("status %d, body %v; want read_only", r.Status, r.Body)
		}
		if got := w.upstream.take(); len(got) != 0 {
			t.Fatalf("Stripe received %q for a call the grants refuse", upstreamCalls(got))
		}
	})

	es := lookups(t, w)
	if len(es) == 0 {
		t.Fatal("no call.lookup entry in the evidence")
	}
	if e := es[0]; e.Actor != "agent:fin" || e.Subject != "pay" || e.Attrs["learnt"] != "true" || e.Attrs["operation"] != "refunds.create" {
		t.Errorf("first lookup entry: %+v", e)
	}
	w.in.Verify(t)
}
