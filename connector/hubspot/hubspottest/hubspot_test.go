package hubspottest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func do(t *testing.T, s *Server, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	json.Unmarshal(b, &v)
	return resp.StatusCode, v
}

func TestServer_Objects(t *testing.T) {
	s := New(t, "pat-na1-test")
	for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		s.Add("contacts", map[string]string{"email": e})
	}
	t.Run("list pages with paging.next.after", func(t *testing.T) {
		st, v := do(t, s, s.Token, "GET", "/crm/v3/objects/contacts?limit=2&properties=email", "")
		if st != 200 || len(v["results"].([]any)) != 2 {
			t.Fatalf("%d %v", st, v)
		}
		after := v["paging"].(map[string]any)["next"].(map[string]any)["after"].(string)
		_, v = do(t, s, s.Token, "GET", "/crm/v3/objects/0-1?limit=2&after="+after, "")
		if len(v["results"].([]any)) != 1 || v["paging"] != nil {
			t.Fatalf("second page: %v", v)
		}
	})
	t.Run("create then get", func(t *testing.T) {
		st, v := do(t, s, s.Token, "POST", "/crm/v3/objects/contacts", `{"properties":{"email":"d@example.com"}}`)
		if st != 201 {
			t.Fatalf("%d %v", st, v)
		}
		id := v["id"].(string)
		st, v = do(t, s, s.Token, "GET", "/crm/v3/objects/contact/"+id, "")
		if st != 200 || v["properties"].(map[string]any)["email"] != "d@example.com" || v["archived"] != false {
			t.Fatalf("%d %v", st, v)
		}
	})
	t.Run("search", func(t *testing.T) {
		st, v := do(t, s, s.Token, "POST", "/crm/v3/objects/contacts/search",
			`{"filterGroups":[{"filters":[{"propertyName":"email","operator":"EQ","value":"b@example.com"}]}]}`)
		if st != 200 || v["total"].(float64) != 1 {
			t.Fatalf("%d %v", st, v)
		}
	})
	t.Run("errors have HubSpot's shape", func(t *testing.T) {
		for _, c := range []struct {
			token, path string
			status      int
			category    string
		}{
			{"wrong", "/crm/v3/objects/contacts", 401, "INVALID_AUTHENTICATION"},
			{s.Token, "/crm/v3/objects/contacts/999999", 404, "OBJECT_NOT_FOUND"},
		} {
			st, v := do(t, s, c.token, "GET", c.path, "")
			if st != c.status || v["status"] != "error" || v["category"] != c.category || v["correlationId"] == nil || v["message"] == nil {
				t.Errorf("%s: %d %v", c.path, st, v)
			}
		}
	})
}

func TestServer_Exports(t *testing.T) {
	s := New(t, "pat-na1-test")
	st, v := do(t, s, s.Token, "POST", "/crm/v3/exports/export/async", `{"exportType":"VIEW","format":"CSV","objectType":"CONTACT","objectProperties":["email"]}`)
	if st != 202 || v["id"] == nil {
		t.Fatalf("%d %v", st, v)
	}
	st, v = do(t, s, s.Token, "GET", "/crm/v3/exports/export/async/tasks/"+v["id"].(string)+"/status", "")
	if st != 200 || v["status"] != "COMPLETE" || v["result"] == nil {
		t.Fatalf("%d %v", st, v)
	}
}

func TestServer_TokenInfo(t *testing.T) {
	s := New(t, "pat-na1-test")
	st, v := do(t, s, "", "POST", "/oauth/v2/private-apps/get/access-token-info", `{"tokenKey":"pat-na1-test"}`)
	if st != 200 || v["hubId"].(float64) != 8765 || len(v["scopes"].([]any)) == 0 {
		t.Fatalf("%d %v", st, v)
	}
	if st, _ := do(t, s, "", "POST", "/oauth/v2/private-apps/get/access-token-info", `{"tokenKey":"other"}`); st != 401 {
		t.Fatalf("a wrong token: %d", st)
	}
}
