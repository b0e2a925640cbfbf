package connector

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
)

// NewRequest builds the upstream request of method to target, an
// absolute URL under the connection's base URL, carrying a copy of header
// and body (none when empty). host names the upstream in the EInternal
// error returned when the request cannot be built. The request has no
// credential yet, and its Host is target's; Endpoint.NewRequest pins it
// to the base URL's host. A request carrying a method, URL or host
// override (see CheckOverrides) is never built: EBadRequest.
func NewRequest(ctx context.Context, host, method, target string, header http.Header, body []byte) (*http.Request, error) {
	if err := CheckOverrides(&Outbound{Method: method, URL: target, Header: header, Body: body}); err != nil {
		return nil, err
	}
	var r io.Reader
	if len(body) > 0 {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, r)
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "cannot build the request to %s", host)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	return req, nil
}

// SendBearer sends req with client (see Send) with token as
// "Authorization: Bearer TOKEN", replacing whatever req carried there.
// The token is redacted from a transport error's message.
func SendBearer(client *http.Client, req *http.Request, token string) (*Response, error) {
	req.Header.Set("Authorization", "Bearer "+token)
	return Send(client, req, token)
}

// BearerToken returns a connection's secret as it goes on the wire as a
// bearer token: trailing CR and LF dropped (a token read from a file often
// ends with one), and any other control character or space refused, since
// it could end the header. Errors are EUpstream, and never contain the
// secret.
func BearerToken(secret vault.Secret) (string, error) {
	v := strings.TrimRight(string(secret.Reveal()), "\r\n")
	if v == "" {
		return "", aos.Errorf(aos.EUpstream, "the connection's credential is empty; rotate it with `aos keys rotate`")
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", aos.Errorf(aos.EUpstream, "the connection's credential contains a space or control character; rotate it with `aos keys rotate`")
	}
	return v, nil
}
