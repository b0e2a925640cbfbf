package ga4

import (
	"net/url"
	"strings"

	"github.com/aos-dev/aos/connector"
)

// Google's endpoints.
const (
	DefaultDataAPI = "https://analyticsdata.googleapis.com"
	DefaultMP      = "https://www.google-analytics.com"
	DefaultAdmin   = "https://analyticsadmin.googleapis.com"
)

// endpoint is a parsed base URL: the Data API's origin and the options
// that move the Measurement Protocol and the Admin API. Each is
// "scheme://host[:port]", lower case, without a path.
type endpoint struct {
	data, mp, admin string
}

// parseEndpoint validates a base URL: "" (Google's endpoints) or
// [ORIGIN][?mp=ORIGIN][&admin=ORIGIN], a missing origin being Google's.
func parseEndpoint(raw string) (*endpoint, error) {
	raw = strings.TrimSpace(raw)
	ep := &endpoint{data: DefaultDataAPI, mp: DefaultMP, admin: DefaultAdmin}
	if raw == "" {
		return ep, nil
	}
	base, query, _ := strings.Cut(raw, "?")
	var err error
	if base != "" {
		if ep.data, err = parseOrigin(base, "base URL"); err != nil {
			return nil, err
		}
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, connector.BadRequest("the base URL's options do not parse; write ?mp=URL&admin=URL")
	}
	for name, vs := range q {
		if len(vs) != 1 {
			return nil, connector.BadRequest("the base URL gives %s more than once", clip(name))
		}
		switch name {
		case "mp":
			ep.mp, err = parseOrigin(vs[0], "mp option")
		case "admin":
			ep.admin, err = parseOrigin(vs[0], "admin option")
		default:
			return nil, connector.BadRequest("unknown base URL option %q: the options are mp=URL (Measurement Protocol) and admin=URL (Admin API)", clip(name))
		}
		if err != nil {
			return nil, err
		}
	}
	return ep, nil
}

// parseOrigin accepts https://HOST[:PORT], or http:// for a loopback
// host, with no user info, path, query or fragment.
func parseOrigin(raw, what string) (string, error) {
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	switch {
	case err != nil || u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return "", connector.BadRequest("the %s %q is not a URL such as https://analyticsdata.googleapis.com", what, clip(raw))
	case u.User != nil || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return "", connector.BadRequest("the %s must be scheme://HOST[:PORT] alone, without user info, path, query or fragment", what)
	case strings.EqualFold(u.Scheme, "https"):
	case strings.EqualFold(u.Scheme, "http") && connector.IsLoopback(u.Hostname()):
	default:
		return "", connector.BadRequest("the %s must be https (http only for a loopback test server)", what)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// String is the normal form, as Configure stores it: options only where
// they differ from Google's endpoints.
func (ep *endpoint) String() string {
	q := url.Values{}
	if ep.mp != DefaultMP {
		q.Set("mp", ep.mp)
	}
	if ep.admin != DefaultAdmin {
		q.Set("admin", ep.admin)
	}
	if len(q) == 0 {
		return ep.data
	}
	// Origins hold no '&', '#' or '?'; keep their ':' and '/' readable.
	return ep.data + "?" + strings.NewReplacer("%3A", ":", "%2F", "/").Replace(q.Encode())
}

// dataURL is the Data API URL of an operation on property id.
func (ep *endpoint) dataURL(op, id string) string {
	if op == OpGetMetadata.Name {
		return ep.data + "/v1beta/properties/" + id + "/metadata"
	}
	return ep.data + "/v1beta/properties/" + id + ":" + op
}

// collectURL is the Measurement Protocol URL for a stream, without the
// API secret, which Do adds.
func (ep *endpoint) collectURL(measurementID string) string {
	return ep.mp + "/mp/collect?measurement_id=" + measurementID
}
