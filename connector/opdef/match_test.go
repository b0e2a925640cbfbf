package opdef_test

import (
	"reflect"
	"testing"

	"github.com/aos-dev/aos/connector/opdef"
)

const routes = `operations:
  - {name: root, method: GET, path: /, access: read}
  - {name: items.list, method: GET, path: /v1/items, access: read}
  - {name: items.list-slash, method: GET, path: /v1/items/, access: read}
  - {name: items.get, method: GET, path: '/v1/items/{id}', access: read}
  - {name: items.get-new, method: GET, path: /v1/items/new, access: read}
  - {name: items.create, method: POST, path: /v1/items, access: write}
  - {name: items.sub, method: GET, path: '/v1/items/{id}/{sub}', access: read}
  - {name: items.owner, method: GET, path: '/v1/items/{id}/owner', access: read}
  - {name: files.get, method: GET, path: '/v1/files/{path...}', access: read}
  - {name: files.meta, method: GET, path: '/v1/files/{name}/meta', access: read}
  - {name: files.readme, method: GET, path: /v1/files/README, access: read}
  - {name: any.get, method: GET, path: '/{all...}', access: read}
`

func TestTable_Match(t *testing.T) {
	tab, err := opdef.Parse("routes.yaml", []byte(routes))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		want         string // "" for no match
		params       map[string]string
	}{
		{"GET", "/", "root", nil},
		{"GET", "/v1/items", "items.list", nil},
		{"get", "/v1/items", "items.list", nil},
		{"GET", "/v1/items/", "items.list-slash", nil},
		{"GET", "/v1/items/42", "items.get", map[string]string{"id": "42"}},
		{"GET", "/v1/items/a b", "items.get", map[string]string{"id": "a b"}},
		{"GET", "/v1/items/new", "items.get-new", nil},
		{"GET", "/v1/items/42/owner", "items.owner", map[string]string{"id": "42"}},
		{"GET", "/v1/items/42/tags", "items.sub", map[string]string{"id": "42", "sub": "tags"}},
		{"GET", "/v1/items/mine/owner", "items.owner", map[string]string{"id": "mine"}},
		{"GET", "/v1/files/a/b/c.txt", "files.get", map[string]string{"path": "a/b/c.txt"}},
		{"GET", "/v1/files/a/", "files.get", map[string]string{"path": "a/"}},
		{"GET", "/v1/files/README", "files.readme", nil},
		{"GET", "/v1/files/README/meta", "files.meta", map[string]string{"name": "README"}},
		{"GET", "/v1/files/x/meta", "files.meta", map[string]string{"name": "x"}},
		{"GET", "/v1/files/", "any.get", map[string]string{"all": "v1/files/"}},
		{"GET", "/v1/files", "any.get", map[string]string{"all": "v1/files"}},
		{"GET", "/v2", "any.get", map[string]string{"all": "v2"}},
		{"POST", "/v1/items", "items.create", nil},

		{"POST", "/v1/items/", "", nil},
		{"POST", "/v1/items/42", "", nil},
		{"DELETE", "/v1/items", "", nil},
		{"GET", "", "", nil},
		{"GET", "v1/items", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			d, params, ok := tab.Match(tt.method, tt.path)
			if tt.want == "" {
				if ok {
					t.Fatalf("Match = %s; want no match", d.Name())
				}
				return
			}
			if !ok || d.Name() != tt.want {
				t.Fatalf("Match = %v, %v; want %s", d, ok, tt.want)
			}
			if !reflect.DeepEqual(params, tt.params) {
				t.Errorf("params = %v, want %v", params, tt.params)
			}
		})
	}
}

func TestTable_Match_restNeedsASegment(t *testing.T) {
	tab, err := opdef.Parse("r.yaml", []byte("operations:\n  - {name: f, method: GET, path: '/f/{p...}', access: read}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/f", "/f/"} {
		if d, _, ok := tab.Match("GET", p); ok {
			t.Errorf("Match(%s) = %s; a rest parameter needs a segment", p, d.Name())
		}
	}
}
