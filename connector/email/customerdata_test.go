package email_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/email"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// TestEmail_CustomerDataBeyondTheText sends, through mailpit, messages that
// carry a CRM contact's data somewhere other than the text: a Reply-To, a
// recipient's display name, a Cc or To shown to an outsider, a message id,
// HTML that writes the address with a character reference. Each is held at
// customer-data and nothing reaches mailpit. Mailing the customer, or
// showing their address to colleagues only, is sent.
func TestEmail_CustomerDataBeyondTheText(t *testing.T) {
	starttls, _, _, roots := mailpits(t)
	in := gatewaytest.Start(t, &email.Connector{RootCAs: roots}, rest.New())
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"results": [{"id": 7, "name": "Grace Hopper", "email": "grace.hopper@customer.example"},
			{"id": 8, "email": "user901@example.com"}]}`)
	}))
	defer crm.Close()
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", Scope: "/", To: "company", BaseURL: crm.URL, HoldsCustomerData: true,
		Credential: vault.NewSecret([]byte("crm-key-1234567890"))})
	in.Connect(t, owner.ConnectRequest{Type: "email", Name: "mail", Scope: "from:*@ourco.example", To: "company", Write: true,
		BaseURL: "smtp://" + starttls.smtp + "?internal=ourco.example", Credential: login(smtpPassword)})
	token := in.Agent(t, "writer", "sales")
	if a := agentDo(t, token, "GET", in.URL+"/v1/proxy/crm/contacts", nil); a.status != 200 {
		t.Fatalf("reading the CRM: %+v", a)
	}
	const grace, user901 = "grace.hopper@customer.example", "user901@example.com"
	base := map[string]any{"from": "Ada <ada@ourco.example>", "to": "bob@partner.example", "subject": "Renewal", "text": "See you soon."}
	for _, c := range []struct {
		name string
		args map[string]any
		held bool
	}{
		{"customer address in Reply-To", with(base, "reply_to", grace), true},
		{"customer address as a recipient's display name", with(base, "to", `"`+grace+`" <bob@partner.example>`), true},
		{"customer name as the sender's display name", with(base, "from", "Grace Hopper <ada@ourco.example>"), true},
		{"customer address in Cc, shown to an outside To", with(base, "cc", grace), true},
		{"customer address in To beside an outsider", with(base, "to", []string{"bob@partner.example", user901}), true},
		{"customer address in To, read by an outside Bcc", with(with(base, "to", grace), "bcc", "bob@partner.example"), true},
		{"customer address as a message id", with(base, "headers", map[string]string{"In-Reply-To": "<" + grace + ">"}), true},
		{"customer address in an unsubscribe link", with(base, "headers", map[string]string{"List-Unsubscribe": "<mailto:" + grace + ">"}), true},
		{"character reference in HTML", with(base, "html", "<p>Write to user901&#64;example.com</p>"), true},
		{"named reference and markup in HTML", with(with(base, "text", nil), "html", "<p>grace.hopper<b></b>&commat;customer.example</p>"), true},
		{"customer name in the Subject", with(base, "subject", "Renewal for Grace Hopper"), true},
		{"mailing the customer", with(base, "to", grace), false},
		{"the customer's address shown to colleagues only", with(with(base, "to", grace), "cc", "sales@ourco.example"), false},
		{"the customer in Bcc is shown to no one", with(base, "bcc", grace), false},
		{"an address in HTML that is no customer's", with(base, "html", "<p>Write to support&#64;ourco.example</p>"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := starttls.count(t)
			a := send(t, in, token, "mail", c.args)
			delivered := starttls.count(t) - before
			if c.held {
				if a.status != http.StatusAccepted || !slices.Contains(a.ApprovalPoints, aos.PointCustomerData) {
					t.Fatalf("answer = %d %+v, want held at customer-data", a.status, a)
				}
				if delivered != 0 {
					t.Fatalf("mailpit got %d messages", delivered)
				}
				return
			}
			if a.status != http.StatusOK || !a.Body.Sent || delivered != 1 {
				t.Fatalf("answer = %d %+v, %d delivered; want sent", a.status, a, delivered)
			}
		})
	}
	in.Verify(t)
}
