package hubspot

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

func testConn(t *testing.T) *aos.Connection {
	t.Helper()
	c := &aos.Connection{ID: 7, Name: "crm", Type: Type, BaseURL: "https://api.hubapi.com/"}
	if err := New().Configure(c); err != nil {
		t.Fatal(err)
	}
	return c
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer aos_agent_x"}, "Cookie": {"s=1"}}
}

func TestConnector_FromHTTP(t *testing.T) {
	k, c := New(), testConn(t)
	multipartImport := "--XX\r\nContent-Disposition: form-data; name=\"importRequest\"\r\n\r\n" +
		`{"name":"i","files":[{"fileName":"a.csv","fileImportPage":{"hasHeader":true,"columnMappings":[` +
		`{"columnObjectTypeId":"0-1","columnName":"Email","propertyName":"email"},` +
		`{"columnObjectTypeId":"0-2","columnName":"Company","propertyName":"name"}]}}]}` +
		"\r\n--XX\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.csv\"\r\n\r\nEmail,Company\r\n--XX--\r\n"
	for _, c2 := range []struct {
		name, method, path, query, ctype, body string
		op                                     string
		access                                 aos.Access
		resource                               string
		export                                 bool
	}{
		{"list", "GET", "/crm/v3/objects/contacts", "limit=10", "", "", "objects.list", aos.Read, "object:contacts", false},
		{"list with trailing slash", "GET", "/crm/v3/objects/contacts/", "", "", "", "objects.list", aos.Read, "object:contacts", false},
		{"get by type id", "GET", "/crm/v3/objects/0-1/42", "", "", "", "objects.get", aos.Read, "object:contacts", false},
		{"get in another case", "GET", "/crm/v3/objects/Contacts/42", "", "", "", "objects.get", aos.Read, "object:contacts", false},
		{"get by email", "GET", "/crm/v3/objects/contacts/a%40example.com", "idProperty=email", "", "", "objects.get", aos.Read, "object:contacts", false},
		{"get with associations", "GET", "/crm/v3/objects/contacts/42", "associations=companies,deals&associations=0-5", "", "", "objects.get", aos.Read, "object:companies,contacts,deals,tickets", false},
		{"search is a read", "POST", "/crm/v3/objects/deals/search", "", "application/json", `{"filterGroups":[]}`, "objects.search", aos.Read, "object:deals", false},
		{"batch read is a read", "POST", "/crm/v3/objects/companies/batch/read", "", "application/json", `{"inputs":[{"id":"1"}]}`, "objects.batch.read", aos.Read, "object:companies", false},
		{"create", "POST", "/crm/v3/objects/notes", "", "application/json", `{"properties":{"hs_note_body":"x"}}`, "objects.create", aos.Write, "object:notes", false},
		{"create with inline associations is account-wide", "POST", "/crm/v3/objects/notes", "", "application/json",
			`{"properties":{},"associations":[{"to":{"id":"1"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":202}]}]}`,
			"objects.create", aos.Write, "*", false},
		{"batch create with associations in another case", "POST", "/crm/v3/objects/notes/batch/create", "", "application/json",
			`{"inputs":[{"properties":{},"Associations":[{"to":{"id":"1"}}]}]}`, "objects.batch.create", aos.Write, "*", false},
		{"empty associations are none", "POST", "/crm/v3/objects/notes", "", "application/json", `{"properties":{},"associations":[]}`, "objects.create", aos.Write, "object:notes", false},
		{"update", "PATCH", "/crm/v3/objects/deals/9", "", "application/json", `{"properties":{"amount":"1"}}`, "objects.update", aos.Write, "object:deals", false},
		{"archive", "DELETE", "/crm/v3/objects/tickets/9", "", "", "", "objects.archive", aos.Write, "object:tickets", false},
		{"merge", "POST", "/crm/v3/objects/companies/merge", "", "application/json", `{"primaryObjectId":"1","objectIdToMerge":"2"}`, "objects.merge", aos.Write, "object:companies", false},
		{"gdpr delete", "POST", "/crm/v3/objects/contacts/gdpr-delete", "", "application/json", `{"objectId":"1"}`, "contacts.gdpr_delete", aos.Write, "object:contacts", false},
		{"association touches both", "PUT", "/crm/v4/objects/contact/1/associations/default/company/2", "", "", "", "associations.create_default", aos.Write, "object:companies,contacts", false},
		{"association batch read", "POST", "/crm/v4/associations/deals/contacts/batch/read", "", "application/json", `{"inputs":[]}`, "associations.batch.read", aos.Read, "object:contacts,deals", false},
		{"association of one type", "GET", "/crm/v4/objects/companies/1/associations/companies", "", "", "", "associations.list", aos.Read, "object:companies", false},
		{"properties", "GET", "/crm/v3/properties/contacts", "", "", "", "properties.list", aos.Read, "object:contacts", false},
		{"property create", "POST", "/crm/v3/properties/deals", "", "application/json", `{"name":"x"}`, "properties.create", aos.Write, "object:deals", false},
		{"export", "POST", "/crm/v3/exports/export/async", "", "application/json",
			`{"exportType":"VIEW","format":"CSV","objectType":"CONTACT","associatedObjectType":["COMPANY"],"objectProperties":["email"]}`,
			"exports.start", aos.Read, "object:companies,contacts", true},
		{"export by id", "POST", "/crm/v3/exports/export/async", "", "application/json", `{"objectType":"0-3","associatedObjectType":"0-1"}`, "exports.start", aos.Read, "object:contacts,deals", true},
		{"export status of an unseen task", "GET", "/crm/v3/exports/export/async/tasks/555/status", "", "", "", "exports.status", aos.Read, "*", false},
		{"import", "POST", "/crm/v3/imports/", "", "multipart/form-data; boundary=XX", multipartImport, "imports.create", aos.Write, "object:companies,contacts", false},
		{"owners", "GET", "/crm/v3/owners/", "", "", "", "owners.list", aos.Read, "*", false},
	} {
		t.Run(c2.name, func(t *testing.T) {
			h := jsonHeader()
			if c2.ctype != "" {
				h.Set("Content-Type", c2.ctype)
			} else {
				h.Del("Content-Type")
			}
			call, err := k.FromHTTP(c, &connector.HTTPRequest{Method: c2.method, RawPath: c2.path, RawQuery: c2.query, Header: h, Body: []byte(c2.body)})
			if err != nil {
				t.Fatal(err)
			}
			if call.Operation.Name != c2.op || call.Operation.Access != c2.access || call.Resource != c2.resource || call.Facts.Export != c2.export {
				t.Fatalf("got %s %s %s export=%v; want %s %s %s export=%v", call.Operation.Name, call.Operation.Access,
					call.Resource, call.Facts.Export, c2.op, c2.access, c2.resource, c2.export)
			}
			u := call.Upstream
			if !strings.HasPrefix(u.URL, "https://api.hubapi.com/crm/") || u.Method != c2.method {
				t.Fatalf("upstream %s %s", u.Method, u.URL)
			}
			if u.Header.Get("Authorization") != "" || u.Header.Get("Cookie") != "" {
				t.Fatalf("the agent's headers went upstream: %v", u.Header)
			}
		})
	}
}

func TestConnector_FromHTTP_Refuses(t *testing.T) {
	k, c := New(), testConn(t)
	for _, c2 := range []struct {
		name, method, path, query, ctype, body, code string
	}{
		{"undeclared path", "GET", "/crm/v3/lists/12", "", "", "", aos.EUnknownOperation},
		{"undeclared method", "PUT", "/crm/v3/objects/contacts/1", "", "", "", aos.EUnknownOperation},
		{"another API", "GET", "/marketing/v3/emails", "", "", "", aos.EUnknownOperation},
		{"climbing", "GET", "/crm/v3/objects/contacts/../../../x", "", "", "", aos.EOutOfScope},
		{"another host", "GET", "//evil.example/crm/v3/objects/contacts", "", "", "", aos.EOutOfScope},
		{"encoded slash in the type", "GET", "/crm/v3/objects/contacts%2F..%2Fcompanies/1", "", "", "", aos.EBadRequest},
		{"bad type", "GET", "/crm/v3/objects/con%20tacts/1", "", "", "", aos.EBadRequest},
		{"hapikey", "GET", "/crm/v3/objects/contacts", "hapiKey=x", "", "", aos.EBadRequest},
		{"bad associations", "GET", "/crm/v3/objects/contacts", "associations=a%2Fb", "", "", aos.EBadRequest},
		{"create as a form", "POST", "/crm/v3/objects/notes", "", "application/x-www-form-urlencoded", "associations=1", aos.EBadRequest},
		{"create with broken JSON", "POST", "/crm/v3/objects/notes", "", "application/json", `{"properties":`, aos.EBadRequest},
		{"export without a type", "POST", "/crm/v3/exports/export/async", "", "application/json", `{"exportType":"VIEW"}`, aos.EBadRequest},
		{"export with the type twice", "POST", "/crm/v3/exports/export/async", "", "application/json", `{"objectType":"CONTACT","ObjectType":"COMPANY"}`, aos.EBadRequest},
		{"import without a request", "POST", "/crm/v3/imports", "", "multipart/form-data; boundary=XX", "--XX--\r\n", aos.EBadRequest},
	} {
		t.Run(c2.name, func(t *testing.T) {
			h := http.Header{}
			if c2.ctype != "" {
				h.Set("Content-Type", c2.ctype)
			}
			_, err := k.FromHTTP(c, &connector.HTTPRequest{Method: c2.method, RawPath: c2.path, RawQuery: c2.query, Header: h, Body: []byte(c2.body)})
			if aos.ErrorCode(err) != c2.code {
				t.Fatalf("got %v, want %s", err, c2.code)
			}
		})
	}
}

func TestConnector_FromCall(t *testing.T) {
	k, c := New(), testConn(t)
	call, err := k.FromCall(c, "objects.create", json.RawMessage(`{"path":"/crm/v3/objects/contacts","body":{"properties":{"email":"a@example.com"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if call.Resource != "object:contacts" || call.Upstream.Method != "POST" || call.Upstream.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%+v %+v", call, call.Upstream)
	}
	for _, bad := range []struct{ op, args, code string }{
		{"objects.fly", `{"path":"/crm/v3/objects/contacts"}`, aos.EUnknownOperation},
		{"objects.create", `{"path":"/crm/v3/objects/contacts/search"}`, aos.EBadRequest},
		{"objects.create", `{"body":{}}`, aos.EBadRequest},
		{"objects.create", `{"path":"/crm/v3/objects/contacts","extra":1}`, aos.EBadRequest},
	} {
		if _, err := k.FromCall(c, bad.op, json.RawMessage(bad.args)); aos.ErrorCode(err) != bad.code {
			t.Errorf("%s %s: %v, want %s", bad.op, bad.args, err, bad.code)
		}
	}
}

func TestConnector_Configure(t *testing.T) {
	k := New()
	c := &aos.Connection{Name: "crm"}
	if err := k.Configure(c); err != nil || c.BaseURL != DefaultBaseURL || c.Auth != "bearer" || !c.HoldsCustomerData {
		t.Fatalf("%v %+v", err, c)
	}
	for _, bad := range []aos.Connection{
		{BaseURL: "ftp://x"}, {BaseURL: "https://u:p@x"}, {BaseURL: "https://x?a=1"},
		{Auth: "basic"}, {Config: []byte(`{}`)},
	} {
		if err := k.Configure(&bad); aos.ErrorCode(err) != aos.EBadRequest {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
