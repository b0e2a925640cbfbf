package connector

import (
	"net/url"
	"testing"

	"github.com/aos-dev/aos"
)

// FuzzCheckBodyOverrides checks that reading a body for overrides never
// panics, refuses only with bad_request, and that a form body it lets
// through has no field that a framework reads as a method override.
func FuzzCheckBodyOverrides(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "a=1&_method=PUT")
	f.Add("application/x-www-form-urlencoded", "%5fmethod=PUT")
	f.Add("application/json", `{"a": {"b": [1, 2]}, "_method": "PUT"}`)
	f.Add("multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"_method\"\r\n\r\nPUT\r\n--B--\r\n")
	f.Add("multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name*=UTF-8''_method\r\n\r\nPUT\r\n--B--\r\n")
	f.Add("text/plain", "_method=PUT")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		err := CheckBodyOverrides(contentType, []byte(body))
		if err != nil {
			if aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("CheckBodyOverrides: %v", err)
			}
			return
		}
		if contentType == "application/x-www-form-urlencoded" {
			form, _ := url.ParseQuery(body)
			for name := range form {
				if IsOverrideParam(name) {
					t.Fatalf("CheckBodyOverrides lets %q through", name)
				}
			}
		}
	})
}

// FuzzDecodeBody checks that decoding a body never panics, never returns
// more than MaxBody bytes, and fails only with the codes it documents.
func FuzzDecodeBody(f *testing.F) {
	f.Add("gzip", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x01\x00\x00\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add("deflate", []byte("x\x9c\x03\x00\x00\x00\x00\x01"))
	f.Add("gzip, gzip", []byte("\x1f\x8b"))
	f.Add("br", []byte("x"))
	f.Add("identity", []byte("plain"))
	f.Fuzz(func(t *testing.T, encoding string, body []byte) {
		out, err := DecodeBody([]string{encoding}, body)
		switch aos.ErrorCode(err) {
		case "":
			if len(out) > MaxBody {
				t.Fatalf("DecodeBody returned %d bytes", len(out))
			}
		case aos.EBadRequest, aos.ETooLarge, aos.EUnsupportedEncoding:
		default:
			t.Fatalf("DecodeBody: %v", err)
		}
	})
}
