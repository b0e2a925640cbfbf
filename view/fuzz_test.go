package view_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/view"
)

// FuzzRender renders requests of any body, content type and connector
// type: it never panics, gives the same bytes twice, writes no control
// character but newlines and never shows the secret.
func FuzzRender(f *testing.F) {
	const secret = "s3cr3t-credential-value"
	for _, seed := range []struct{ typ, ct, body string }{
		{"http", "application/json", `{"a":[1,{"b":"c"}],"token":"x"}`},
		{"stripe", "application/x-www-form-urlencoded", "amount=100&currency=usd&password=x"},
		{"postgres", "application/json", `{"sql":"select $1","params":["a",null,3]}`},
		{"email", "message/rfc822", "Subject: hi\r\nContent-Type: text/plain\r\n\r\nbody\r\n"},
		{"github", "application/json", `{"content":"aGk=","branch":"main"}`},
		{"http", "text/plain", "line\x1b[31m\u202e " + secret},
		{"http", "application/json", `[[[[[[[[[[]]]]]]]]]]`},
	} {
		f.Add(seed.typ, seed.ct, []byte(seed.body), false)
	}
	f.Fuzz(func(t *testing.T, typ, ct string, body []byte, masked bool) {
		out := connector.Outbound{Method: "POST", URL: "https://api.example.com/repos/o/r/contents/x?api_key=" + secret,
			Header: http.Header{"Content-Type": {ct}, "Authorization": {"Bearer " + secret}, "Rcpt-To": {"a@b.example"}}, Body: body}
		req, _ := json.Marshal(out)
		a := &aos.Approval{ID: "ap_1", Kind: aos.ApprovalCall, Requester: "agent:x", Operation: "op", Purpose: string(body)}
		if masked {
			a.Facts.Personal = []string{"email"}
		}
		in := view.Input{Approval: a, Request: req, ConnectionType: typ, Secrets: [][]byte{[]byte(secret)}}
		v := view.Render(in)
		if again := view.Render(in); again != v {
			t.Fatal("two renderings differ")
		}
		if strings.Contains(v.Text, secret) {
			t.Fatalf("the view shows the secret:\n%s", v.Text)
		}
		for _, r := range v.Text {
			if r != '\n' && r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)) {
				t.Fatalf("the view holds %U:\n%q", r, v.Text)
			}
		}
	})
}
