package connector

import (
	"net/http"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
)

// maxAllowedValue bounds one value of an allow-listed header.
const maxAllowedValue = 4096

// AllowedHeaders returns the headers of h named in allow (canonical
// names), and only those: an allow-list cannot leak the agent's token,
// cookies or gateway headers. An override header (IsOverrideHeader) is
// refused rather than dropped, and so is a value longer than 4 KiB or
// with a control character other than tab: EBadRequest naming the header.
func AllowedHeaders(h http.Header, allow []string) (http.Header, error) {
	if err := CheckHeaderOverrides(h); err != nil {
		return nil, err
	}
	out := http.Header{}
	for _, name := range allow {
		for _, v := range h.Values(name) {
			if len(v) > maxAllowedValue || !httpsyntax.ValidHeaderValue(v) {
				return nil, aos.Errorf(aos.EBadRequest, "header %s has a control character or is too long", name)
			}
			out.Add(name, v)
		}
	}
	return out, nil
}
