// Package hubspot is the `hubspot` connector: HubSpot's CRM v3/v4 API,
// authenticated with a private app access token (or an OAuth access token)
// sent as a bearer token.
//
// Resources are object types. A call on /crm/v3/objects/contacts/... acts
// on object:contacts; a call on an association between two types acts on
// both (object:companies,contacts) and needs a scope that names both. A
// scope is "object:" and one or more types, or "*" for the whole account;
// calls that reach beyond object types (owners, imports that name no type,
// records created with inline associations, whose target types the
// request does not name) need "*". Each standard object has three
// spellings in HubSpot (contacts, contact, 0-1); resources and scopes use
// the first, so a grant covers every spelling. Custom objects are named as
// the request names them (2-1234 or p_name), which HubSpot does not relate
// without a lookup: grant the spelling your agents use.
//
// The operations are data (operations.yaml): reads, including POST search
// and batch/read, and writes. Exports are held at customer-data. HubSpot
// is a system of record for customer data, so every hubspot connection
// holds customer data: the gateway learns what comes out of it and holds
// that data when it would leave through another connection.
package hubspot

import (
	_ "embed"
	"net/http"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/opdef"
)

// Type is the connector type name, as in `aos connect hubspot NAME`.
const Type = "hubspot"

// DefaultBaseURL is HubSpot's API.
const DefaultBaseURL = "https://api.hubapi.com"

//go:embed operations.yaml
var operationsFile []byte

// table is the parsed operations.yaml; its tests parse it too.
var table = func() *opdef.Table {
	t, err := opdef.Parse("operations.yaml", operationsFile)
	if err != nil {
		panic("hubspot: " + err.Error())
	}
	return t
}()

// Connector is the hubspot connector. It is safe for concurrent use. Use
// New.
type Connector struct {
	client  *http.Client
	exports *exportTasks
}

var (
	_ connector.Connector         = (*Connector)(nil)
	_ connector.Inspector         = (*Connector)(nil)
	_ connector.CredentialChecker = (*Connector)(nil)
)

// New returns a hubspot connector whose upstream client never follows
// redirects (connector.NewHTTPClient).
func New() *Connector {
	return &Connector{client: connector.NewHTTPClient(), exports: newExportTasks()}
}

func (k *Connector) httpClient() *http.Client { return connector.ClientOr(k.client) }

// Type returns "hubspot".
func (k *Connector) Type() string { return Type }

// Describe lists the scope syntax and the declared operations.
func (k *Connector) Describe() connector.Description {
	return connector.Description{
		Type: Type,
		Summary: "HubSpot CRM (private app token as bearer). The resource is the object type of the call; an association " +
			"touches both of its types. Search and batch/read are reads; exports are held at customer-data. " +
			"Connections always hold customer data.",
		ScopeSyntax: []string{
			"object:TYPE[,TYPE...] (contacts, companies, deals, tickets, notes, ..., 0-1, custom 2-1234 or p_name; " +
				"an association needs both of its types)",
			"* (account-wide: also owners, imports, records created with inline associations)",
		},
		Operations: table.Operations(),
	}
}

// CheckScope validates a scope; see the package function CheckScope.
func (k *Connector) CheckScope(scope string) (string, error) { return CheckScope(scope) }

// Covers reports whether scope covers resource; see the package function
// Covers.
func (k *Connector) Covers(scope, resource string) bool { return Covers(scope, resource) }

// Configure validates and normalises a connection: the base URL (default
// DefaultBaseURL) must be absolute http(s) without user info, query or
// fragment; the auth mode must be empty or "bearer" (stored as "bearer");
// there are no settings (Config must be empty). It sets HoldsCustomerData:
// HubSpot is a system of record for customer data whether or not the owner
// said so. Errors are EBadRequest.
func (k *Connector) Configure(c *aos.Connection) error {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	ep, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return err
	}
	if c.Auth != "" && c.Auth != "bearer" {
		return connector.BadRequest("the hubspot connector sends its token as a bearer token; --auth %q is not supported", c.Auth)
	}
	if len(c.Config) != 0 {
		return connector.BadRequest("the hubspot connector takes no settings (no --operations)")
	}
	c.BaseURL, c.Auth, c.HoldsCustomerData = ep.String(), "bearer", true
	return nil
}

// configs holds the parsed settings of connections, one immutable value
// per connection version (connector.Configs).
var configs = connector.NewConfigs(parseSettings)

// settings returns a connection's parsed settings, parsed once per connection
// version.
func settings(c *aos.Connection) (*connector.Endpoint, error) { return configs.Get(c) }

// parseSettings parses a configured connection's base URL. Configure checked
// it, so a failure means the stored connection was altered: internal.
func parseSettings(c *aos.Connection) (*connector.Endpoint, error) {
	ep, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "connection %s has an invalid base URL", c.Name)
	}
	return ep, nil
}

// AnswerHeaderNames are HubSpot's response headers that pass to the agent
// beyond connector.AnswerHeaders: its rate-limit headers and request ids.
func (*Connector) AnswerHeaderNames() []string {
	return []string{
		"X-Hubspot-Ratelimit-Daily", "X-Hubspot-Ratelimit-Daily-Remaining", "X-Hubspot-Ratelimit-Interval-Milliseconds",
		"X-Hubspot-Ratelimit-Max", "X-Hubspot-Ratelimit-Remaining", "X-Hubspot-Ratelimit-Secondly",
		"X-Hubspot-Ratelimit-Secondly-Remaining", "X-Hubspot-Correlation-Id", "X-Hubspot-Request-Id",
	}
}

var _ connector.VendorHeaders = (*Connector)(nil)
