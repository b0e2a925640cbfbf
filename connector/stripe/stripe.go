// Package stripe is the `stripe` connector: Stripe's v1 REST API
// (https://api.stripe.com by default), reached through the gateway by an
// unmodified Stripe SDK.
//
// Every request must be an operation of the embedded table
// (operations.yaml): its method and path pick the operation, which says
// whether it reads or writes and which approval points it can raise;
// anything else is an unknown operation and is denied. Money moves read
// their amount and currency from the form body; a money move whose amount
// or currency the request does not state is held (Facts.AmountUnknown),
// never guessed; but a refund, which may leave its currency and amount to
// its charge, is first completed from the charge or payment intent read
// with the connection's key (FindFacts, lookup.go). Any write parameter that moves money or changes what a
// customer owes (a customer's balance, a discount, a price, a trial end,
// an item's quantity, at any depth: money.go) makes the call a money move,
// held unless its amount is the one the request states. Report runs and Sigma query results are exports of
// customer data; price changes are billing rules (production).
//
// The resource of a request is the Stripe object type its path starts
// with, as Stripe names it in URLs: /v1/refunds/re_123 is "refunds", and a
// nested path belongs to its top-level type (/v1/customers/cus_1/
// balance_transactions is "customers"). Namespaced types keep their
// namespace with a dot ("reporting.report_runs"). A request that expands
// other objects (expand[]=charge.customer) touches their types too: its
// resource lists every type, and a grant must cover them all. Scopes are
// comma-separated lists of types, or "*" for the whole account.
//
// The credential is a secret (sk_) or restricted (rk_) key, sent as
// Authorization: Bearer; whatever the agent sent in its place is dropped,
// and only Stripe's own request headers are forwarded.
package stripe

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// Type is the connector type name, as in `aos connect stripe NAME`.
const Type = "stripe"

// DefaultBaseURL is Stripe's API, used when the owner gives no base URL.
const DefaultBaseURL = "https://api.stripe.com"

// Connector is the stripe connector. It is safe for concurrent use. Use
// New; the zero value works too, with a client shared by all zero values.
type Connector struct {
	client *http.Client
}

var (
	_ connector.Connector         = (*Connector)(nil)
	_ connector.Inspector         = (*Connector)(nil)
	_ connector.CredentialChecker = (*Connector)(nil)
)

// New returns a stripe connector whose upstream client never follows
// redirects and has bounded timeouts (connector.NewHTTPClient).
func New() *Connector {
	return &Connector{client: connector.NewHTTPClient()}
}

func (k *Connector) httpClient() *http.Client { return connector.ClientOr(k.client) }

// Type returns "stripe".
func (k *Connector) Type() string { return Type }

// Describe lists the scope syntax and every operation of the table, with
// the approval points each can raise.
func (k *Connector) Describe() connector.Description {
	return connector.Description{
		Type: Type,
		Summary: "Stripe's REST API (v1), for unmodified Stripe SDKs. The resource is the object type a path starts with " +
			"(/v1/refunds/re_1 is refunds; nested paths belong to their top-level type; a request that expands other " +
			"objects needs their types too). Money moves are held over the caps, or when the request does not state " +
			"their amount and currency; any write parameter that moves money or changes what a customer owes (balance, " +
			"amounts, prices, discounts, coupons, trials, quantities, fees, at any depth) is a money move; report runs and Sigma results are customer-data exports; prices are billing " +
			"rules (production). The credential is a secret (sk_) or restricted (rk_) key; publishable keys are refused. " +
			"Connections hold customer data.",
		ScopeSyntax: []string{
			"TYPE[,TYPE...] (Stripe object types as in URLs: refunds, customers, payment_intents, charges, ...; " +
				"reporting.report_runs for namespaced ones)",
			"* (account-wide; the only scope that covers events, which carry every type)",
		},
		Operations: operations.describe(),
	}
}

// Configure validates and normalises a Stripe connection.
//
// The base URL defaults to DefaultBaseURL. It must be https://HOST[:PORT],
// or http:// to a loopback address (a local stripe-mock), without user
// info, path, query or fragment. The auth mode is "" or "bearer" (stored
// as "bearer"): Stripe keys always travel as a bearer token. Connections
// take no config. A Stripe account is a system of record for customers,
// so Configure sets HoldsCustomerData: the gateway learns the customer
// data in Stripe's answers and holds it when it leaves for another tool.
// Errors are *aos.Error values with code EBadRequest.
func (k *Connector) Configure(c *aos.Connection) error {
	base, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(c.Auth)) {
	case "", "bearer":
	default:
		return connector.BadRequest("the stripe connector sends its key as a bearer token; leave --auth out")
	}
	if len(strings.TrimSpace(string(c.Config))) != 0 {
		return connector.BadRequest("the stripe connector takes no declared operations; its operations are built in (see `aos connectors`)")
	}
	c.BaseURL, c.Auth, c.HoldsCustomerData = base.String(), "bearer", true
	return nil
}

// parseBaseURL validates a base URL (see Configure); "" is DefaultBaseURL.
func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, connector.BadRequest("the base URL does not parse; write it as https://HOST[:PORT]")
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, connector.BadRequest("the base URL must start with https://")
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return nil, connector.BadRequest("the base URL has no host; write it as https://HOST[:PORT]")
	case u.User != nil:
		return nil, connector.BadRequest("the base URL must not carry user info; the key is passed separately")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, connector.BadRequest("the base URL must not have a query or fragment")
	case u.Path != "" && u.Path != "/" || u.RawPath != "":
		return nil, connector.BadRequest("the base URL must not have a path: Stripe's paths start at /v1")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, connector.BadRequest("the base URL must be https:// (http:// only to a loopback address, such as a local stripe-mock)")
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// configs holds the parsed settings of connections, one immutable value
// per connection version (connector.Configs).
var configs = connector.NewConfigs(parseSettings)

// baseOf returns a connection's parsed settings, parsed once per connection
// version.
func baseOf(c *aos.Connection) (*url.URL, error) { return configs.Get(c) }

// parseSettings parses a configured connection's base URL. Configure checked it,
// so a failure means the stored connection was altered: internal.
func parseSettings(c *aos.Connection) (*url.URL, error) {
	u, err := parseBaseURL(c.BaseURL)
	if err != nil || strings.TrimSpace(c.BaseURL) == "" {
		return nil, aos.Errorf(aos.EInternal, "connection %s has an invalid base URL", c.Name)
	}
	return u, nil
}

// AnswerHeaderNames are Stripe's response headers that pass to the agent
// beyond connector.AnswerHeaders: those stripe-go and stripe-node read
// (Request-Id, Idempotency-Key, Stripe-Should-Retry, Stripe-Version) and
// Original-Request, which Stripe sends on a replayed idempotent request.
func (*Connector) AnswerHeaderNames() []string {
	return []string{"Request-Id", "Idempotency-Key", "Original-Request", "Stripe-Should-Retry", "Stripe-Version"}
}

var _ connector.VendorHeaders = (*Connector)(nil)
