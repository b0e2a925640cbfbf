package gateway

import (
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"

	"github.com/aos-dev/aos/connector"
)

// CallResult is an upstream's answer to a named call, as the agent API's
// POST /v1/call and MCP's tools/call give it: Body is JSON when the
// upstream answered JSON, else Text holds UTF-8 text, else Base64 holds
// the bytes. Header holds some of the headers the gateway let pass; a
// Location there is a path relative to the connection's base URL.
type CallResult struct {
	Status int               `json:"status"`
	Header map[string]string `json:"headers,omitempty"`
	Body   json.RawMessage   `json:"body,omitempty"`
	Text   string            `json:"text,omitempty"`
	Base64 string            `json:"base64,omitempty"`
}

// resultHeaders are the headers of an answer a CallResult carries.
var resultHeaders = []string{"Content-Type", "Location", "Etag", "Link"}

// ResultOf is the CallResult of an answer the gateway let through.
func ResultOf(resp *connector.Response) CallResult {
	res := CallResult{Status: resp.Status, Header: map[string]string{}}
	for _, k := range resultHeaders {
		if v := resp.Header.Get(k); v != "" {
			res.Header[k] = v
		}
	}
	switch {
	case len(resp.Body) == 0:
	case json.Valid(resp.Body):
		res.Body = resp.Body
	case utf8.Valid(resp.Body):
		res.Text = string(resp.Body)
	default:
		res.Base64 = base64.StdEncoding.EncodeToString(resp.Body)
	}
	return res
}
