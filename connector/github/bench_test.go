package github

import (
	"net/http"
	"testing"

	"github.com/aos-dev/aos/connector"
)

// BenchmarkConnector_FromHTTP measures mapping a request: path parsing,
// matching against every table, resource and facts.
func BenchmarkConnector_FromHTTP(b *testing.B) {
	k, c := New(), testConn()
	reqs := []*connector.HTTPRequest{
		{Method: "GET", RawPath: "/repos/acme/app/issues", RawQuery: "per_page=100", Header: http.Header{}},
		{Method: "PUT", RawPath: "/repos/acme/app/contents/docs%2Fa.md", Header: http.Header{"Content-Type": {"application/json"}},
			Body: []byte(`{"message":"m","content":"eA==","branch":"feature"}`)},
		{Method: "PUT", RawPath: "/repos/acme/app/pulls/7/merge", Header: http.Header{}},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := k.FromHTTP(c, reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
	}
}
