package email_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/email"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// answer is the JSON answer to an agent's call: a result, a hold or an error.
type answer struct {
	status int
	// result (200)
	Status json.RawMessage `json:"status"` // a number, or "pending"
	Body   struct {
		Sent       bool     `json:"sent"`
		MessageID  string   `json:"message_id"`
		Recipients int      `json:"recipients"`
		External   []string `json:"external_recipients"`
	} `json:"body"`
	// hold (202)
	ApprovalID     string              `json:"approval_id"`
	ApprovalPoints []aos.ApprovalPoint `json:"approval_points"`
	// error
	Error struct{ Code, Message string } `json:"error"`
}

// agentDo sends an agent's request and decodes the answer.
func agentDo(t *testing.T, token, method, url string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("%s %s: %s %s", method, url, resp.Status, raw)
	}
	return a
}

func send(t *testing.T, in *gatewaytest.Instance, token, conn string, args map[string]any) answer {
	t.Helper()
	return agentDo(t, token, "POST", in.URL+"/v1/call", map[string]any{
		"connection": conn, "operation": "send", "args": args, "purpose": "test",
	})
}

func login(password string) vault.Secret { return vault.NewSecret([]byte(smtpUser + ":" + password)) }

func TestEmail_Gateway(t *testing.T) {
	starttls, implicit, plain, roots := mailpits(t)
	in := gatewaytest.Start(t, &email.Connector{RootCAs: roots}, rest.New())
	ctx := context.Background()
	in.Connect(t, owner.ConnectRequest{Type: "email", Name: "mail", Scope: "from:*@example.com", To: "company", Write: true,
		BaseURL: "smtp://" + starttls.smtp + "?internal=example.com", Credential: login(smtpPassword)})
	token := in.Agent(t, "writer", "marketing")
	hello := map[string]any{
		"from": "Ada Lovelace <ada@example.com>", "to": []string{"Bob <bob@client.example>"}, "cc": "carol@example.com",
		"bcc": "dave@partner.example", "subject": "Grüße from the engine", "text": "Hello Bob,\n.\nA line with a dot.",
	}

	// mailpit requires AUTH with the one login of its auth file, so a
	// delivered message went with the sealed credential; "wrong login"
	// shows another is refused.
	t.Run("granted sender is delivered with the sealed login", func(t *testing.T) {
		a := send(t, in, token, "mail", hello)
		if a.status != 200 || !a.Body.Sent || a.Body.Recipients != 3 {
			t.Fatalf("answer = %+v", a)
		}
		if want := []string{"bob@client.example", "dave@partner.example"}; !slices.Equal(a.Body.External, want) {
			t.Errorf("external recipients = %v, want %v", a.Body.External, want)
		}
		d := starttls.find(t, strings.Trim(a.Body.MessageID, "<>"))
		if d == nil {
			t.Fatalf("message %s not delivered", a.Body.MessageID)
		}
		if d.From.Address != "ada@example.com" || d.From.Name != "Ada Lovelace" || len(d.To) != 1 || d.To[0].Address != "bob@client.example" ||
			len(d.Cc) != 1 || d.Subject != "Grüße from the engine" || !strings.HasPrefix(d.Text, "Hello Bob,\r\n.\r\nA line with a dot.") {
			t.Errorf("delivered = %+v", d)
		}
		if len(d.Bcc) != 1 || d.Bcc[0].Address != "dave@partner.example" {
			t.Errorf("Bcc = %+v, want dave only in the envelope", d.Bcc)
		}
		if raw := starttls.raw(t, d.ID); bytes.Contains(raw, []byte(token)) || bytes.Contains(raw, []byte(smtpPassword)) {
			t.Error("the agent token or the password is in the delivered message")
		}
	})

	denied := []struct {
		name, conn, op string
		args           map[string]any
		code           string
	}{
		{"sender outside the scope", "mail", "send", with(hello, "from", "eve@evil.example"), aos.EOutOfScope},
		{"unknown operation", "mail", "delete", hello, aos.EUnknownOperation},
		{"header injection in the subject", "mail", "send", with(hello, "subject", "Hi\r\nBcc: eve@evil.example"), aos.EBadRequest},
		{"header injection in a name", "mail", "send", with(hello, "to", "Bob\nBcc: eve@evil.example <bob@client.example>"), aos.EBadRequest},
		{"header outside the allow-list", "mail", "send", with(hello, "headers", map[string]string{"X-SMTPAPI": `{"to":["x@y.z"]}`}), aos.EBadRequest},
		{"unknown connection", "nope", "send", hello, aos.EUnknownConnection},
	}
	for _, tt := range denied {
		t.Run(tt.name, func(t *testing.T) {
			before := starttls.count(t)
			a := agentDo(t, token, "POST", in.URL+"/v1/call", map[string]any{"connection": tt.conn, "operation": tt.op, "args": tt.args})
			if a.Error.Code != tt.code {
				t.Fatalf("answer = %d %+v, want %s", a.status, a.Error, tt.code)
			}
			if after := starttls.count(t); after != before {
				t.Fatalf("mailpit got %d messages", after-before)
			}
		})
	}

	t.Run("proxy is an unknown operation", func(t *testing.T) {
		a := agentDo(t, token, "POST", in.URL+"/v1/proxy/mail/send", hello)
		if a.Error.Code != aos.EUnknownOperation || !strings.Contains(a.Error.Message, "POST /v1/call") || !strings.Contains(a.Error.Message, "operation send") {
			t.Fatalf("answer = %d %+v", a.status, a.Error)
		}
	})

	t.Run("read-only grant", func(t *testing.T) {
		in.Connect(t, owner.ConnectRequest{Type: "email", Name: "mailro", Scope: "from:ada@example.com", To: "company",
			BaseURL: "smtp://" + starttls.smtp, Credential: login(smtpPassword)})
		if a := send(t, in, token, "mailro", hello); a.Error.Code != aos.EReadOnly {
			t.Fatalf("answer = %d %+v", a.status, a.Error)
		}
	})

	t.Run("wrong login is refused by the server", func(t *testing.T) {
		in.Connect(t, owner.ConnectRequest{Type: "email", Name: "mailbad", Scope: "*", To: "company", Write: true,
			BaseURL: "smtp://" + starttls.smtp, Credential: login("wrong-password-123")})
		a := send(t, in, token, "mailbad", hello)
		if a.Error.Code != aos.EUpstream || strings.Contains(a.Error.Message, "wrong-password") {
			t.Fatalf("answer = %d %+v", a.status, a.Error)
		}
	})

	t.Run("implicit TLS", func(t *testing.T) {
		in.Connect(t, owner.ConnectRequest{Type: "email", Name: "mails", Scope: "*", To: "company", Write: true,
			BaseURL: "smtps://" + implicit.smtp, Credential: login(smtpPassword)})
		a := send(t, in, token, "mails", hello)
		if a.status != 200 || implicit.find(t, strings.Trim(a.Body.MessageID, "<>")) == nil {
			t.Fatalf("answer = %+v", a)
		}
	})

	t.Run("plain text to a loopback server with tls=none", func(t *testing.T) {
		in.Connect(t, owner.ConnectRequest{Type: "email", Name: "mailplain", Scope: "*", To: "company", Write: true,
			BaseURL: "smtp://" + plain.smtp + "?tls=none", Credential: login(smtpPassword)})
		a := send(t, in, token, "mailplain", hello)
		if a.status != 200 {
			t.Fatalf("answer = %+v", a)
		}
		if d := plain.find(t, strings.Trim(a.Body.MessageID, "<>")); d == nil {
			t.Fatalf("delivered = %+v", d)
		}
	})

	t.Run("STARTTLS is required", func(t *testing.T) {
		in.Connect(t, owner.ConnectRequest{Type: "email", Name: "mailnotls", Scope: "*", To: "company", Write: true,
			BaseURL: "smtp://" + plain.smtp, Credential: login(smtpPassword)})
		before := plain.count(t)
		a := send(t, in, token, "mailnotls", hello)
		if a.Error.Code != aos.EUpstream || !strings.Contains(a.Error.Message, "STARTTLS") || plain.count(t) != before {
			t.Fatalf("answer = %d %+v", a.status, a.Error)
		}
	})

	t.Run("customer data from the CRM is held", func(t *testing.T) {
		crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id": 7, "name": "Carol Customer", "email": "carol.customer@client-corp.example", "phone": "+1 415 555 0142"}`)
		}))
		defer crm.Close()
		in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", Scope: "/", To: "company", BaseURL: crm.URL, HoldsCustomerData: true,
			Credential: vault.NewSecret([]byte("crm-key-1234567890"))})
		if a := agentDo(t, token, "GET", in.URL+"/v1/proxy/crm/contacts/7", nil); a.status != 200 {
			t.Fatalf("reading the CRM: %+v", a)
		}
		before := starttls.count(t)
		a := send(t, in, token, "mail", with(hello, "text", "Our customer is carol.customer@client-corp.example, call +1 415 555 0142."))
		if a.status != 202 || !slices.Contains(a.ApprovalPoints, aos.PointCustomerData) {
			t.Fatalf("answer = %d %+v", a.status, a)
		}
		if starttls.count(t) != before {
			t.Fatal("a held message was delivered")
		}
		// The same customer data to colleagues only (the connection's
		// internal domain) is not leaving the company.
		inside := with(with(with(hello, "to", []string{"sales@example.com"}), "cc", nil), "bcc", nil)
		inside = with(inside, "text", "Our customer is carol.customer@client-corp.example, call +1 415 555 0142.")
		if a := send(t, in, token, "mail", inside); a.status != 200 {
			t.Fatalf("customer data to internal recipients: %d %+v", a.status, a)
		}
	})

	t.Run("over the recipient limit is held, then sent as sealed", func(t *testing.T) {
		if _, err := in.Owner.SetCaps(ctx, in.Boss, aos.Caps{PerMove: 1000_00, PerWeek: 10000_00, RecipientLimit: 2}); err != nil {
			t.Fatal(err)
		}
		defer in.Owner.SetCaps(ctx, in.Boss, aos.DefaultCaps)
		before := starttls.count(t)
		a := send(t, in, token, "mail", hello)
		if a.status != 202 || len(a.ApprovalPoints) != 1 || a.ApprovalPoints[0] != aos.PointPublicClaim {
			t.Fatalf("answer = %d %+v", a.status, a)
		}
		if starttls.count(t) != before {
			t.Fatal("a held message was delivered")
		}
		if a := send(t, in, token, "mail", with(hello, "bcc", nil)); a.status != 200 {
			t.Fatalf("two recipients: %d %+v", a.status, a)
		}
		ap, err := in.Gateway.Approve(ctx, in.Boss, a.ApprovalID, "announcement approved")
		if err != nil || ap.Status != aos.ApprovalExecuted {
			t.Fatalf("approve: %v, %+v", err, ap)
		}
		raw, err := approval.OpenRequest(in.Gateway.Vault, ap)
		if err != nil {
			t.Fatal(err)
		}
		var sealed connector.Outbound
		json.Unmarshal(raw, &sealed)
		res, err := in.Gateway.OpenResult(ap)
		if err != nil || res.Status != 200 {
			t.Fatalf("result: %v %+v", err, res)
		}
		var sent struct {
			MessageID string `json:"message_id"`
		}
		json.Unmarshal(res.Body, &sent)
		d := starttls.find(t, strings.Trim(sent.MessageID, "<>"))
		if d == nil {
			t.Fatal("the approved message was not delivered")
		}
		if got := starttls.raw(t, d.ID); !bytes.HasSuffix(got, sealed.Body) {
			t.Errorf("delivered bytes are not the sealed ones:\n%s\n---\n%s", got, sealed.Body)
		}
	})

	in.Verify(t)
}

// with returns a copy of args with key set to v (removed when v is nil).
func with(args map[string]any, key string, v any) map[string]any {
	out := map[string]any{}
	for k, x := range args {
		out[k] = x
	}
	if v == nil {
		delete(out, key)
	} else {
		out[key] = v
	}
	return out
}

func TestConnector_Inspect(t *testing.T) {
	starttls, _, _, roots := mailpits(t)
	c := &aos.Connection{Name: "mail", Type: email.Type, BaseURL: "smtp://" + starttls.smtp}
	if err := email.New().Configure(c); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		k     *email.Connector
		pw    string
		code  string
		about string
	}{
		{"accepted", &email.Connector{RootCAs: roots}, smtpPassword, "", ""},
		{"refused", &email.Connector{RootCAs: roots}, "not-the-password", aos.EUpstream, "refused the connection's credential"},
		{"untrusted certificate", email.New(), smtpPassword, aos.EUpstream, "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := tt.k.Inspect(context.Background(), c, login(tt.pw))
			if tt.code == "" {
				if err != nil || !info.CanWrite {
					t.Fatalf("Inspect = %+v, %v", info, err)
				}
				return
			}
			if aos.ErrorCode(err) != tt.code || !strings.Contains(err.Error(), tt.about) || strings.Contains(err.Error(), tt.pw) {
				t.Fatalf("Inspect = %v; want %s about %q", err, tt.code, tt.about)
			}
		})
	}
}
