package email

import (
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/aos-dev/aos/connector"
)

// Default ports: submission (RFC 6409) and submission over implicit TLS
// (RFC 8314).
const (
	defaultSubmissionPort = "587"
	defaultImplicitTLS    = "465"
)

// tlsMode is how the connection to the server is protected.
type tlsMode int

const (
	// startTLS: plain TCP, then STARTTLS, which the server must offer.
	startTLS tlsMode = iota
	// implicitTLS: TLS from the first byte (smtps://).
	implicitTLS
	// noTLS: plain text throughout; loopback servers only.
	noTLS
)

// endpoint is a parsed, validated base URL:
//
//	smtp://HOST[:PORT][?tls=none][&internal=DOMAIN,DOMAIN]
//	smtps://HOST[:PORT][?internal=DOMAIN,DOMAIN]
type endpoint struct {
	scheme   string // smtp or smtps
	host     string // lower case, without brackets
	port     string
	tls      tlsMode
	internal []string // sorted, unique, lower case
}

// parseEndpoint validates a base URL (see Connector.Configure).
func parseEndpoint(raw string) (*endpoint, error) {
	const form = "write it as smtp://HOST[:587] (STARTTLS) or smtps://HOST[:465] (implicit TLS)"
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, connector.BadRequest("the email connector needs the submission server as --base-url: %s", form)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, connector.BadRequest("the base URL does not parse; %s", form)
	}
	ep := &endpoint{scheme: strings.ToLower(u.Scheme)}
	switch {
	case ep.scheme != "smtp" && ep.scheme != "smtps":
		return nil, connector.BadRequest("the base URL must start with smtp:// or smtps://; %s", form)
	case u.Opaque != "" || u.Hostname() == "":
		return nil, connector.BadRequest("the base URL has no host; %s", form)
	case u.User != nil:
		return nil, connector.BadRequest("the base URL must not carry user info; the credential (user:password) is given separately")
	case u.Path != "" && u.Path != "/" || u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, connector.BadRequest("the base URL must have no path or fragment; %s", form)
	}
	ep.host, ep.port = strings.ToLower(u.Hostname()), u.Port()
	if ep.port == "" {
		ep.port = defaultSubmissionPort
		if ep.scheme == "smtps" {
			ep.port = defaultImplicitTLS
		}
	}
	if ep.scheme == "smtps" {
		ep.tls = implicitTLS
	}
	if err := ep.options(u.Query()); err != nil {
		return nil, err
	}
	return ep, nil
}

// options reads the query: tls=none and internal=DOMAIN,DOMAIN.
func (ep *endpoint) options(q url.Values) error {
	for name, vs := range q {
		if len(vs) != 1 {
			return connector.BadRequest("the base URL gives %s more than once", name)
		}
		switch v := strings.ToLower(vs[0]); name {
		case "tls":
			if v != "none" || ep.scheme != "smtp" {
				return connector.BadRequest("tls=none is the only tls option, for smtp:// only (smtp:// requires STARTTLS; smtps:// is TLS throughout)")
			}
			if !connector.IsLoopback(ep.host) {
				return connector.BadRequest("tls=none is allowed only for a loopback server (localhost, 127.0.0.1, ::1): anywhere else the password and mail would cross the network in clear")
			}
			ep.tls = noTLS
		case "internal":
			for d := range strings.SplitSeq(v, ",") {
				if d = strings.TrimSpace(d); !isDomain(d) {
					return connector.BadRequest("internal=%s: %q is not a domain such as example.com", clip(vs[0]), clip(d))
				}
				ep.internal = append(ep.internal, d)
			}
			slices.Sort(ep.internal)
			ep.internal = slices.Compact(ep.internal)
		default:
			return connector.BadRequest("unknown base URL option %q: the options are tls=none (loopback only) and internal=DOMAIN,DOMAIN", clip(name))
		}
	}
	return nil
}

// addr is HOST:PORT, for dialing.
func (ep *endpoint) addr() string { return net.JoinHostPort(ep.host, ep.port) }

// server is scheme://HOST:PORT: where a call goes, as its Outbound URL.
func (ep *endpoint) server() string { return ep.scheme + "://" + ep.addr() }

// String is the normalised base URL, as Configure stores it.
func (ep *endpoint) String() string {
	q := url.Values{}
	if ep.tls == noTLS {
		q.Set("tls", "none")
	}
	if len(ep.internal) > 0 {
		q.Set("internal", strings.Join(ep.internal, ","))
	}
	s := ep.server()
	if len(q) > 0 {
		// Domains and "none" need no escaping; keep the commas readable.
		s += "?" + strings.ReplaceAll(q.Encode(), "%2C", ",")
	}
	return s
}

// isInternal reports whether a recipient's domain is one of the company's.
func (ep *endpoint) isInternal(a address) bool {
	_, found := slices.BinarySearch(ep.internal, a.domain())
	return found
}
