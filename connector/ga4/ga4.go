// Package ga4 is the `ga4` connector: Google Analytics 4 reports through
// the Analytics Data API, and events through the Measurement Protocol,
// with a service account key that only the gateway holds.
//
// Agents call POST /v1/call with an operation and args:
//
//	runReport, runRealtimeReport   {"property": "123", ...the request body...}    read
//	batchRunReports                {"property": "123", "requests": [...]}         read
//	getMetadata                    {"property": "123"}                            read
//	sendEvents                     {"property": "123", "measurement_id": "G-...", "client_id": "...",
//	                                "events": [{"name": "...", "params": {...}}], ...}  write, customer-data
//
// The Data API request bodies are Google's (RunReportRequest and so on),
// sent to https://analyticsdata.googleapis.com/v1beta/properties/ID:METHOD
// and answered as Google answers. The Data API is also reachable through
// the proxy, for clients that speak its REST form: POST
// /v1/proxy/NAME/v1beta/properties/ID:runReport (and :runRealtimeReport,
// :batchRunReports) and GET /v1/proxy/NAME/v1beta/properties/ID/metadata.
// sendEvents posts the Measurement Protocol body (client_id, user_id,
// timestamp_micros, user_properties, user_data, consent,
// non_personalized_ads, user_location, device, ip_override, events) to
// https://www.google-analytics.com/mp/collect.
//
// # Resources and scopes
//
// The resource of every call is "property:ID", the GA4 property. Scopes
// are "property:ID" (also written properties/ID) or "*".
//
// # Facts
//
// Reads raise nothing. sendEvents raises customer-data (Facts.Share) when
// its events identify people: a user_id, user_data (hashed emails, phone
// numbers, addresses), an ip_override, or an email address anywhere in the
// body; the gateway's scan adds customer data it recognises.
//
// # Credential
//
// The credential is the service account's JSON key file as Google issues
// it. It may carry one more member, the Measurement Protocol streams the
// connection may send to, each with the API secret Google created for it
// (an API secret is per data stream):
//
//	"measurement_protocol": [{"property": "123", "measurement_id": "G-ABC123", "api_secret": "..."}]
//
// The connector mints OAuth access tokens from the key (JWT bearer grant
// at the key's token_uri, scope analytics.readonly) and keeps them in
// memory only, per connection and key, until shortly before they expire.
// No token or secret appears in a response or an error.
//
// # Connection
//
// The base URL is the Data API's, https://analyticsdata.googleapis.com by
// default. The options mp=URL and admin=URL move the Measurement
// Protocol (https://www.google-analytics.com by default; EU collection is
// https://region1.google-analytics.com) and the Admin API used by Inspect
// (https://analyticsadmin.googleapis.com). Every URL is https, or http on
// a loopback address for test servers.
package ga4

import (
	"net/http"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// Type is the connector type name, as in `aos connect ga4 NAME`.
const Type = "ga4"

// OAuthScope is the only scope the connector asks Google for.
const OAuthScope = "https://www.googleapis.com/auth/analytics.readonly"

// Operations.
var (
	OpRunReport         = aos.Operation{Name: "runReport", Access: aos.Read}
	OpRunRealtimeReport = aos.Operation{Name: "runRealtimeReport", Access: aos.Read}
	OpBatchRunReports   = aos.Operation{Name: "batchRunReports", Access: aos.Read}
	OpGetMetadata       = aos.Operation{Name: "getMetadata", Access: aos.Read}
	OpSendEvents        = aos.Operation{Name: "sendEvents", Access: aos.Write, Points: []aos.ApprovalPoint{aos.PointCustomerData}}

	operations = []aos.Operation{OpRunReport, OpRunRealtimeReport, OpBatchRunReports, OpGetMetadata, OpSendEvents}
)

func lookupOperation(name string) (aos.Operation, bool) {
	for _, op := range operations {
		if op.Name == name {
			return op, true
		}
	}
	return aos.Operation{}, false
}

// Connector is the ga4 connector. It is safe for concurrent use. Use New;
// the zero value works too, with a shared upstream client.
type Connector struct {
	client *http.Client
	tokens tokenCache
}

var (
	_ connector.Connector         = (*Connector)(nil)
	_ connector.Rereader          = (*Connector)(nil)
	_ connector.DecidedSender     = (*Connector)(nil)
	_ connector.CredentialChecker = (*Connector)(nil)
	_ connector.Inspector         = (*Connector)(nil)
)

// New returns a ga4 connector whose upstream client never follows
// redirects and has bounded timeouts (connector.NewHTTPClient).
func New() *Connector { return &Connector{client: connector.NewHTTPClient()} }

func (k *Connector) httpClient() *http.Client { return connector.ClientOr(k.client) }

// Type returns "ga4".
func (k *Connector) Type() string { return Type }

// Describe lists the scope syntax and the operations.
func (k *Connector) Describe() connector.Description {
	return connector.Description{
		Type: Type,
		Summary: "Google Analytics 4. The credential is a service account JSON key (optionally with " +
			`"measurement_protocol": [{"property", "measurement_id", "api_secret"}]); access tokens are minted and kept in memory. ` +
			"Agents call POST /v1/call with runReport, runRealtimeReport, batchRunReports or getMetadata (args: the Data API request " +
			"with \"property\") and sendEvents (Measurement Protocol; events that identify people hold at customer-data); " +
			"the Data API is also proxied at /v1beta/properties/ID:runReport and so on.",
		ScopeSyntax: []string{"property:ID (one GA4 property; properties/ID is accepted)", "* (every property the key can read)"},
		Operations:  append([]aos.Operation(nil), operations...),
	}
}

// AccountWide is the scope that covers every property.
const AccountWide = "*"

// CheckScope validates a scope and returns its canonical form:
// "property:ID" or "*". Errors are EBadRequest.
func (k *Connector) CheckScope(scope string) (string, error) { return CheckScope(scope) }

// CheckScope is the package-level form of Connector.CheckScope.
func CheckScope(scope string) (string, error) {
	if scope == AccountWide {
		return AccountWide, nil
	}
	id, ok := strings.CutPrefix(scope, "property:")
	if !ok {
		id, ok = strings.CutPrefix(scope, "properties/")
	}
	if !ok || !isPropertyID(id) {
		return "", connector.BadRequest("unknown scope %q: write property:ID (the numeric GA4 property ID) or * for every property", clip(scope))
	}
	return Resource(id), nil
}

// Covers reports whether scope covers resource. It is pure and fails
// closed on anything malformed.
func (k *Connector) Covers(scope, resource string) bool { return Covers(scope, resource) }

// Covers is the package-level form of Connector.Covers.
func Covers(scope, resource string) bool {
	s, err := CheckScope(scope)
	id, ok := strings.CutPrefix(resource, "property:")
	if err != nil || !ok || !isPropertyID(id) {
		return false
	}
	return s == AccountWide || s == resource
}

// Resource is the canonical resource of property id.
func Resource(id string) string { return "property:" + id }

// isPropertyID reports whether s is a GA4 property ID: decimal digits,
// without leading zeros (so that one property has one spelling).
func isPropertyID(s string) bool {
	if s == "" || len(s) > 20 || s[0] == '0' && s != "0" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Configure validates and normalises the base URL and its options. It
// refuses an auth mode and a config. Errors are EBadRequest.
func (k *Connector) Configure(c *aos.Connection) error {
	ep, err := parseEndpoint(c.BaseURL)
	if err != nil {
		return err
	}
	if c.Auth != "" {
		return connector.BadRequest("the ga4 connector takes no --auth: the credential is a service account JSON key")
	}
	if len(strings.TrimSpace(string(c.Config))) != 0 {
		return connector.BadRequest("the ga4 connector takes no config; options go in the base URL (?mp=URL, ?admin=URL)")
	}
	c.BaseURL = ep.String()
	return nil
}

// configs holds the parsed settings of connections, one immutable value
// per connection version (connector.Configs).
var configs = connector.NewConfigs(parseSettings)

// settings returns a connection's parsed settings, parsed once per connection
// version.
func settings(c *aos.Connection) (*endpoint, error) { return configs.Get(c) }

// parseSettings parses a configured connection's base URL.
func parseSettings(c *aos.Connection) (*endpoint, error) {
	ep, err := parseEndpoint(c.BaseURL)
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "connection %s has an invalid base URL: %s", c.Name, aos.ErrorMessage(err))
	}
	return ep, nil
}

// clip shortens user input quoted in an error message.
func clip(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
