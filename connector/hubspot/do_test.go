package hubspot

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/hubspot/hubspottest"
	"github.com/aos-dev/aos/vault"
)

const testToken = "pat-na1-11111111-2222-3333-4444-555555555555"

func fakeConn(t *testing.T) (*Connector, *aos.Connection, *hubspottest.Server) {
	t.Helper()
	f := hubspottest.New(t, testToken)
	k := New()
	c := &aos.Connection{ID: 3, Name: "crm", BaseURL: f.URL}
	if err := k.Configure(c); err != nil {
		t.Fatal(err)
	}
	return k, c, f
}

func mapped(t *testing.T, k *Connector, c *aos.Connection, method, path, query, body string) *connector.Call {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer aos_agent_secret"}}
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	call, err := k.FromHTTP(c, &connector.HTTPRequest{Method: method, RawPath: path, RawQuery: query, Header: h, Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	return call
}

func TestConnector_Do(t *testing.T) {
	k, c, f := fakeConn(t)
	id := f.Add("contacts", map[string]string{"email": "a@example.com"})
	secret := vault.NewSecret([]byte(testToken + "\n"))
	ctx := context.Background()

	t.Run("sends the sealed credential, never the agent's", func(t *testing.T) {
		resp, err := k.Do(ctx, c, secret, mapped(t, k, c, "GET", "/crm/v3/objects/contacts/"+id, "properties=email", ""))
		if err != nil || resp.Status != 200 || !strings.Contains(string(resp.Body), "a@example.com") {
			t.Fatalf("%v %+v", err, resp)
		}
		last := f.Requests()[len(f.Requests())-1]
		if last.Authorization != "Bearer "+testToken || strings.Contains(last.Header.Get("Authorization"), "aos_agent") {
			t.Fatalf("upstream saw Authorization %q", last.Authorization)
		}
		if last.RawQuery != "properties=email" || last.Path != "/crm/v3/objects/contacts/"+id {
			t.Fatalf("upstream saw %s?%s", last.Path, last.RawQuery)
		}
	})
	t.Run("an export teaches the status its types", func(t *testing.T) {
		call := mapped(t, k, c, "POST", "/crm/v3/exports/export/async", "", `{"exportType":"VIEW","format":"CSV","objectType":"CONTACT","objectProperties":["email"]}`)
		resp, err := k.Do(ctx, c, secret, call)
		if err != nil || resp.Status != 202 {
			t.Fatalf("%v %+v", err, resp)
		}
		var task string
		for id := range f.Exports() {
			task = id
		}
		status := mapped(t, k, c, "GET", "/crm/v3/exports/export/async/tasks/"+task+"/status", "", "")
		if status.Resource != "object:contacts" {
			t.Fatalf("status of a known export acts on %s", status.Resource)
		}
		other := &aos.Connection{ID: 4, Name: "crm2", BaseURL: c.BaseURL, Auth: c.Auth}
		if r := mapped(t, k, other, "GET", "/crm/v3/exports/export/async/tasks/"+task+"/status", "", "").Resource; r != "*" {
			t.Fatalf("another connection's export task acts on %s", r)
		}
	})

	// A call sealed for an approval is read again once, by the gateway's
	// connector.Recheck, before Do sends it as decided.
	tampered := []struct {
		name   string
		change func(*connector.Call)
		code   string
	}{
		{"another host", func(c *connector.Call) { c.Upstream.URL = "https://evil.example/crm/v3/objects/contacts" }, aos.EOutOfScope},
		{"another resource", func(c *connector.Call) { c.Upstream.URL = strings.Replace(c.Upstream.URL, "contacts", "companies", 1) }, aos.EOutOfScope},
		{"another operation", func(c *connector.Call) { c.Upstream.Method = "DELETE" }, aos.EUnknownOperation},
		{"climbing", func(c *connector.Call) { c.Upstream.URL = strings.Replace(c.Upstream.URL, "/crm/", "/x/../crm/", 1) }, aos.EOutOfScope},
		{"hapikey added", func(c *connector.Call) { c.Upstream.URL += "?hapikey=x" }, aos.EBadRequest},
	}
	for _, tc := range tampered {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			before := len(f.Requests())
			call := mapped(t, k, c, "GET", "/crm/v3/objects/contacts/"+id, "", "")
			tc.change(call)
			if _, err := recheckAndDo(ctx, k, c, secret, call); aos.ErrorCode(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			if len(f.Requests()) != before {
				t.Fatal("the upstream saw a refused request")
			}
		})
	}
	t.Run("an unreachable upstream never names the token", func(t *testing.T) {
		dead := &aos.Connection{Name: "dead", BaseURL: "http://127.0.0.1:1"}
		k.Configure(dead)
		_, err := k.Do(ctx, dead, secret, mapped(t, k, dead, "GET", "/crm/v3/objects/contacts", "", ""))
		if aos.ErrorCode(err) != aos.EUpstream || strings.Contains(err.Error(), testToken) {
			t.Fatalf("%v", err)
		}
	})
}

func TestConnector_Inspect(t *testing.T) {
	k, c, f := fakeConn(t)
	f.Scopes = []string{"crm.objects.contacts.read", "crm.objects.contacts.write", "crm.schemas.deals.read", "crm.export", "oauth"}
	info, err := k.Inspect(context.Background(), c, vault.NewSecret([]byte(testToken)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(info.Kind, "private app token (hub 8765") || !info.CanWrite || !info.AccountWide ||
		strings.Join(info.Resources, " ") != "object:contacts object:deals" || len(info.Scopes) != 5 {
		t.Fatalf("%+v", info)
	}
	f.Scopes = []string{"crm.objects.contacts.read"}
	info, err = k.Inspect(context.Background(), c, vault.NewSecret([]byte(testToken)))
	if err != nil || info.CanWrite || info.AccountWide {
		t.Fatalf("%v %+v", err, info)
	}
	if _, err := k.Inspect(context.Background(), c, vault.NewSecret([]byte("pat-na1-wrong"))); aos.ErrorCode(err) != aos.EUpstream ||
		strings.Contains(err.Error(), "pat-na1-wrong") {
		t.Fatalf("a wrong token: %v", err)
	}
	// An OAuth access token goes to the OAuth endpoint.
	f.Token = "CKDZpunPLhICAQEYs"
	info, err = k.Inspect(context.Background(), c, vault.NewSecret([]byte(f.Token)))
	if err != nil || !strings.HasPrefix(info.Kind, "OAuth access token (hub 8765") {
		t.Fatalf("%v %+v", err, info)
	}
}

func TestConnector_CheckCredential(t *testing.T) {
	k := New()
	for _, c := range []struct {
		secret string
		ok     bool
	}{
		{testToken, true}, {testToken + "\r\n", true}, {"CKDZpunPLhICAQEYs", true},
		{"", false}, {"pat na1", false}, {"pat\x00", false},
		{"12345678-abcd-4321-abcd-1234567890ab", false}, // a retired API key
	} {
		err := k.CheckCredential(nil, vault.NewSecret([]byte(c.secret)))
		if (err == nil) != c.ok || err != nil && (aos.ErrorCode(err) != aos.EBadRequest || c.secret != "" && strings.Contains(err.Error(), c.secret)) {
			t.Errorf("%q: %v", c.secret, err)
		}
	}
}

// recheckAndDo sends a call as the gateway sends an approved one: read
// again by connector.Recheck, then sent by Do.
func recheckAndDo(ctx context.Context, k connector.Connector, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if err := connector.Recheck(k, c, call); err != nil {
		return nil, err
	}
	return k.Do(ctx, c, secret, call)
}
