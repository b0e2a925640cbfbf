package view_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/view"
)

// BenchmarkRender renders a small form request and a held request at the
// gateway's default bound (8 MiB of JSON): the view reads only up to its
// 2 KiB bound of the body, however large.
func BenchmarkRender(b *testing.B) {
	for _, bc := range []struct {
		name, ct string
		body     []byte
	}{
		{"refund", "application/x-www-form-urlencoded", []byte("charge=ch_1&amount=150000&currency=usd")},
		{"json-8MiB", "application/json", []byte(`{"items":[` + strings.Repeat(`{"sku":"SKU-1","qty":1},`, 8<<20/24) + `{}]}`)},
	} {
		req, _ := json.Marshal(connector.Outbound{Method: "POST", URL: "https://api.example.com/v1/x",
			Header: http.Header{"Content-Type": {bc.ct}}, Body: bc.body})
		in := view.Input{Approval: &aos.Approval{ID: "ap_1", Kind: aos.ApprovalCall, Requester: "agent:x",
			Facts: aos.Facts{Amount: 150000, Currency: "USD"}}, Request: req, ConnectionType: "http",
			Secrets: [][]byte{[]byte("sk_live_0123456789")}}
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				view.Render(in)
			}
		})
	}
}
