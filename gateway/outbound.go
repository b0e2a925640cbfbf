package gateway

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/pii"
)

// formContent is how the URL and the header fields are read: as form
// fields, each value under its own name, so that a value holding JSON is
// read as JSON and a name that says what its value is ("X-Customer-Email")
// is heard.
const formContent = "application/x-www-form-urlencoded"

// outboundItems returns the items in everything an upstream request
// carries: the body by its content type, the URL's query, the customer
// data in its path (see pathItems), and every header field except the
// envelope ones (fields that name where the call goes, declared by the
// connector). Nothing else is left out: whatever a connector forwards
// reaches the upstream, so whatever it forwards is read. unscanned reports
// that a part is larger than pii.MaxBytes and was read only in part.
func outboundItems(out *connector.Outbound, envelope []string) (items []pii.Item, unscanned bool) {
	read := func(contentType string, b []byte) {
		if len(b) == 0 {
			return
		}
		if len(b) > pii.MaxBytes {
			unscanned = true
		}
		items = append(items, pii.Extract(contentType, b)...)
	}
	read(out.Header.Get("Content-Type"), out.Body)
	if u, err := url.Parse(out.URL); err != nil {
		// A connector builds the URL; one that does not parse is read
		// whole, as text, rather than skipped.
		read("text/plain", []byte(out.URL))
	} else {
		read(formContent, []byte(u.RawQuery))
		items = append(items, pathItems(u)...)
	}
	read(formContent, []byte(headerFields(out.Header, envelope)))
	return items, unscanned
}

// pathItems returns the customer data in the segments of u's path, each
// unescaped once: the emails, phone numbers and detector hits (card
// numbers, IBANs, national ids) found in them. A path segment as a whole
// is how a REST API names what a call acts on (/v1/refunds/re_123): the
// same record reached through another connection to the same system is
// not customer data leaving, so segments are not looked up as ids, names
// or addresses.
func pathItems(u *url.URL) []pii.Item {
	v := url.Values{}
	for seg := range strings.SplitSeq(u.EscapedPath(), "/") {
		if s, err := url.PathUnescape(seg); err == nil {
			seg = s
		}
		if seg != "" {
			v.Add("path", seg)
		}
	}
	items := pii.Extract(formContent, []byte(v.Encode()))
	return slices.DeleteFunc(items, func(it pii.Item) bool {
		switch it.Category {
		case pii.CategoryEmail, pii.CategoryPhone, pii.CategoryPayment, pii.CategoryNationalID:
			return false
		}
		return it.Detector == ""
	})
}

// headerFields returns the header fields of h, but the envelope ones, as
// form fields under their names.
func headerFields(h http.Header, envelope []string) string {
	v := url.Values{}
	for name, vals := range h {
		if slices.Contains(envelope, http.CanonicalHeaderKey(name)) {
			continue
		}
		v[name] = vals
	}
	return v.Encode()
}
