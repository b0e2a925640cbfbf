// Package github is the github connector: GitHub's REST API (and GitHub
// Enterprise Server's, at the base URL the owner gives) behind the
// boundary, with the connection's token sent as a bearer token.
//
// # Scopes and resources
//
// A scope is "repo:OWNER/NAME" (one repository), "org:OWNER" (every
// repository of the owner, user or organisation, and the organisation's
// own /orgs/OWNER endpoints) or "*" (the whole account; written out, never
// a default). Names compare case-insensitively, as GitHub's do, and are
// kept in lower case.
//
// The resource of a request is "repo:owner/name" for /repos/{owner}/{repo}/...,
// "org:owner" for /orgs/{org}/... and /organizations/{org}/..., "self" for
// GET /user and GET /rate_limit (the token's own identity and quota, which
// every scope of the connection covers, since SDKs ask for them to start),
// and "account" for everything else (/user/..., /users/..., /search/...,
// /teams/{id}, /enterprises/..., /notifications, ...), which only "*"
// covers.
//
// # Operations
//
// The operations are GitHub's own, named for their operationId
// ("repos/get" is repos.get, "pulls/merge" pulls.merge), in a table
// generated from the OpenAPI description that @octokit/openapi ships
// (operations*.yaml, see internal/gen). GET and HEAD read, every other
// method writes. A request that matches no operation, or that two
// operations match with neither more specific, is unknown_operation.
//
// # Approval points
//
// The table lists the points each operation can raise; most are fixed by
// path (branch protection, rulesets, secrets, webhooks, collaborators,
// deploy keys, environments, deployments, Actions policy and runners, and
// everything that runs the repository's workflows, which hold its deploy
// secrets: dispatches, repository_dispatch, re-runs, approving runs and
// deployments, enabling a workflow, re-requesting checks, are production;
// Pages changes are public-claim). Where the request decides, code does
// (facts.go): a release is public-claim unless it is a draft, merging or
// pushing is production unless its target is proven not to be the default
// branch (a branch written "refs/heads/main" or "heads/main" is main), and
// writing a file under .github (workflows, local actions, CODEOWNERS) is
// production on any branch (workflow.go). The default branch is learnt
// from the upstream's own answers (see branch.go) and, until it is known,
// every target counts as the default: the call is held.
//
// A write takes only the query parameters GitHub's description declares
// for it (writequery.go, generated with the tables; most take none): any
// other is refused, never forwarded (query.go).
//
// # Paths
//
// A path is read as GitHub reads it: split on the slashes the client wrote,
// each segment decoded once, so a ref or file path that Octokit sends with
// its slashes encoded ("heads%2Fmain") is one parameter; the upstream
// receives the segments re-encoded, exactly as decided. A branch name with
// a slash must be sent encoded where it is not the last segment (as in
// .../branches/{branch}/protection), or the request matches no operation.
// Link headers are rewritten so that pages stay behind the gateway
// (link.go).
package github

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// Type is the connector type name, as in `aos connect github NAME`.
const Type = "github"

// DefaultBaseURL is GitHub's API; GitHub Enterprise Server's is
// https://HOST/api/v3.
const DefaultBaseURL = "https://api.github.com"

// Connector is the github connector. It is safe for concurrent use. Use
// New.
type Connector struct {
	client *http.Client
	// branches are what the upstream said about default branches and pull
	// requests, per connection.
	branches *branchCache
}

var (
	_ connector.Connector         = (*Connector)(nil)
	_ connector.Rereader          = (*Connector)(nil)
	_ connector.DecidedSender     = (*Connector)(nil)
	_ connector.Inspector         = (*Connector)(nil)
	_ connector.CredentialChecker = (*Connector)(nil)
)

// New returns a github connector whose upstream client never follows
// redirects and has bounded timeouts (connector.NewHTTPClient).
func New() *Connector {
	return &Connector{client: connector.NewHTTPClient(), branches: newBranchCache()}
}

var sharedBranches = sync.OnceValue(newBranchCache)

func (k *Connector) httpClient() *http.Client { return connector.ClientOr(k.client) }

func (k *Connector) cache() *branchCache {
	if k.branches != nil {
		return k.branches
	}
	return sharedBranches()
}

// Type returns "github".
func (k *Connector) Type() string { return Type }

// Describe lists the scope syntax and every operation of the table.
func (k *Connector) Describe() connector.Description {
	return connector.Description{
		Type: Type,
		Summary: "GitHub REST API (GitHub Enterprise Server with --base-url https://HOST/api/v3). " +
			"Operations are GitHub's operationIds (repos.get, pulls.merge, ...); GET and HEAD read, other methods write. " +
			"Resources: repo:owner/name for /repos/..., org:owner for /orgs/..., self for GET /user and /rate_limit " +
			"(covered by every scope), account for everything else (covered only by *). " +
			"Merging or pushing to the default branch, writing files under .github on any branch, running workflows " +
			"(dispatches, repository_dispatch, re-runs, approvals, enabling), branch protection, rulesets, secrets, webhooks, " +
			"collaborators, deploy keys, runners, environments and deployments are held as production; publishing a release " +
			"and Pages changes as public-claim. A write's query parameters are only those GitHub declares for it. " +
			"The token is sent as a bearer token.",
		ScopeSyntax: []string{
			"repo:OWNER/NAME (one repository)",
			"org:OWNER (every repository of the owner, and /orgs/OWNER endpoints)",
			"* (account-wide)",
		},
		Operations: operations(),
	}
}

// Configure validates and normalises c: the base URL (DefaultBaseURL when
// empty) must be absolute http or https with a host and no user info,
// query or fragment, and is kept without a trailing slash; the auth mode
// must be empty or "bearer" (stored as "bearer"); there is no config.
// Errors are *aos.Error values with code EBadRequest.
func (k *Connector) Configure(c *aos.Connection) error {
	if strings.TrimSpace(c.BaseURL) == "" {
		c.BaseURL = DefaultBaseURL
	}
	ep, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return err
	}
	switch strings.ToLower(c.Auth) {
	case "", "bearer":
	default:
		return connector.BadRequest("the github connector sends the token as a bearer token; --auth %q is not supported", c.Auth)
	}
	if len(strings.TrimSpace(string(c.Config))) != 0 {
		return connector.BadRequest("the github connector knows GitHub's operations; --operations is for the http connector")
	}
	c.BaseURL, c.Auth = ep.String(), "bearer"
	return nil
}

// parseBaseURL validates a base URL (see Configure). Its path, such as
// "/api/v3", is read as request paths are (see parsePath).
func parseBaseURL(raw string) (*connector.Endpoint, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return nil, connector.BadRequest("the base URL does not parse; write it as https://HOST[:PORT][/PATH]")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, connector.BadRequest("the base URL must start with https:// or http://")
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return nil, connector.BadRequest("the base URL has no host; write it as https://HOST[:PORT][/PATH]")
	case u.User != nil:
		return nil, connector.BadRequest("the base URL must not carry user info; pass the token separately")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, connector.BadRequest("the base URL must not have a query or fragment")
	}
	ep := &connector.Endpoint{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}
	if p := strings.TrimSuffix(u.EscapedPath(), "/"); p != "" {
		rp, err := parsePath(p)
		if err != nil || rp.hasTrailingSlash() {
			return nil, connector.BadRequest("the base URL's path is not accepted; write it as /api/v3")
		}
		ep.Path = rp.escaped()
	}
	return ep, nil
}

// configs holds the parsed settings of connections, one immutable value
// per connection version (connector.Configs).
var configs = connector.NewConfigs(parseSettings)

// settings returns a connection's parsed settings, parsed once per connection
// version.
func settings(c *aos.Connection) (*connector.Endpoint, error) { return configs.Get(c) }

// parseSettings parses a configured connection's base URL. Configure checked
// it, so a failure means the stored connection was altered.
func parseSettings(c *aos.Connection) (*connector.Endpoint, error) {
	if c == nil {
		return nil, aos.Errorf(aos.EInternal, "no connection")
	}
	ep, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "connection %s has an invalid base URL: %s", c.Name, aos.ErrorMessage(err))
	}
	return ep, nil
}
