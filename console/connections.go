package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/vault"
)

// confirmation is a page that says what an action changes before the owner
// commits to it. The action's form repeats the fields it was asked with
// (hidden) and, where the action needs a credential, a password field: the
// credential is typed on this page and sent once, with the action.
type confirmation struct {
	Heading string
	Changes []string
	Warning string
	Action  string
	Fields  []field
	Secret  *secretField
	Button  string
	Danger  bool
	Back    string
}

type field struct{ Name, Value string }

type secretField struct {
	Label, Hint string
	Required    bool
}

func (c *Console) confirm(w http.ResponseWriter, r *http.Request, v *visit, nav string, cf confirmation) error {
	c.render(w, r, v.session, http.StatusOK, "confirm", pageData{Title: cf.Heading, Nav: nav, Data: cf})
	return nil
}

// connRow is a connection as the connections page shows it.
type connRow struct {
	C        *aos.Connection
	Grants   []*aos.Grant
	Key      *secinfra.Key // the active credential version, if any
	LastUsed *time.Time
}

func (c *Console) handleConnections(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	conns, err := c.Owner.ListConnections(ctx)
	if err != nil {
		return err
	}
	grants, err := c.Owner.ListGrants(ctx, false)
	if err != nil {
		return err
	}
	keys, err := c.keys().List(ctx, v.owner)
	if err != nil {
		return err
	}
	rows := make([]connRow, 0, len(conns))
	for _, cn := range conns {
		row := connRow{C: cn}
		for _, g := range grants {
			if g.Connection == cn.Name {
				row.Grants = append(row.Grants, g)
			}
		}
		for i := range keys {
			k := &keys[i]
			if k.Connection != cn.Name {
				continue
			}
			if k.LastUsedAt != nil && (row.LastUsed == nil || k.LastUsedAt.After(*row.LastUsed)) {
				row.LastUsed = k.LastUsedAt
			}
			if k.Status == aos.CredentialActive && row.Key == nil {
				row.Key = k
			}
		}
		rows = append(rows, row)
	}
	c.render(w, r, v.session, http.StatusOK, "connections", pageData{Title: "Connections", Nav: "connections", Data: rows})
	return nil
}

// connectForm is the data of the connect form.
type connectForm struct {
	Types []connector.Description
}

func (c *Console) handleConnectForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	var f connectForm
	for _, t := range c.Owner.Connectors.Types() {
		f.Types = append(f.Types, c.Owner.Connectors[t].Describe())
	}
	c.render(w, r, v.session, http.StatusOK, "connect", pageData{Title: "Connect a tool", Nav: "connections", Data: f})
	return nil
}

// connectFields are the connect form's fields other than the credential.
var connectFields = []string{"type", "name", "scope", "to", "write", "base_url", "auth", "holds_customer_data", "operations", "rotate_every"}

func (c *Console) connectRequest(r *http.Request) (owner.ConnectRequest, error) {
	f := r.PostForm
	req := owner.ConnectRequest{Type: f.Get("type"), Name: strings.TrimSpace(f.Get("name")),
		Scope: strings.TrimSpace(f.Get("scope")), To: strings.TrimSpace(f.Get("to")), Write: f.Get("write") == "on",
		BaseURL: strings.TrimSpace(f.Get("base_url")), Auth: strings.TrimSpace(f.Get("auth")),
		HoldsCustomerData: f.Get("holds_customer_data") == "on", Config: []byte(f.Get("operations"))}
	if _, err := c.Owner.Connectors.Lookup(req.Type); err != nil {
		return req, err
	}
	if req.Name == "" {
		return req, aos.Errorf(aos.EBadRequest, "a connection needs a name")
	}
	if req.Scope != "" && req.To == "" {
		return req, aos.Errorf(aos.EBadRequest, "a first grant names its grantee: an agent, department:D, or company")
	}
	if p := f.Get("rotate_every"); p != "" {
		d, err := owner.ParseDuration(p)
		if err != nil {
			return req, err
		}
		req.RotationPeriod = d
	}
	return req, nil
}

func (c *Console) handleConnectConfirm(w http.ResponseWriter, r *http.Request, v *visit) error {
	req, err := c.connectRequest(r)
	if err != nil {
		return err
	}
	k, _ := c.Owner.Connectors.Lookup(req.Type)
	changes := []string{fmt.Sprintf("A new %s connection named %s is created.", req.Type, req.Name)}
	scope := ""
	if req.Scope != "" {
		var err error
		if scope, err = k.CheckScope(req.Scope); err != nil {
			return err
		}
		access := "read-only"
		if req.Write {
			access = "read and write"
		}
		changes = append(changes, fmt.Sprintf("Its first grant gives %s %s access to %s.", describeGrantee(req.To), access, scope))
	} else {
		changes = append(changes, "It has no grant yet: no agent can use it until you grant access.")
	}
	changes = append(changes, "The credential you type below is sealed on arrival; nobody, no agent and no page, sees it again.")
	if req.BaseURL != "" {
		changes = append(changes, "Calls go to "+req.BaseURL+" and nowhere else.")
	}
	if req.HoldsCustomerData {
		changes = append(changes, "It is marked as holding customer data: what agents read from it is tracked on the PII flow map.")
	}
	cf := confirmation{Heading: "Connect " + req.Name, Changes: changes, Action: Prefix + "connect",
		Secret: &secretField{Label: "Credential", Hint: "The API key or token for " + req.Name + ".", Required: true},
		Button: "Connect", Back: Prefix + "connect"}
	if scope == "*" {
		cf.Warning = "The scope * is account-wide: every resource the credential reaches. Reviews always flag it."
	}
	for _, n := range connectFields {
		if val := r.PostForm.Get(n); val != "" {
			cf.Fields = append(cf.Fields, field{n, val})
		}
	}
	return c.confirm(w, r, v, "connections", cf)
}

func (c *Console) handleConnect(w http.ResponseWriter, r *http.Request, v *visit) error {
	req, err := c.connectRequest(r)
	if err != nil {
		return err
	}
	req.Credential = vault.NewSecret([]byte(r.PostForm.Get("credential")))
	r.PostForm.Del("credential")
	res, err := c.Owner.ConnectAndInspect(r.Context(), v.owner, req)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Connected %s, with no grant yet.", res.Connection.Name)
	if g := res.Grant; g != nil {
		msg = fmt.Sprintf("Connected %s; grant %s gives %s on %s to %s.", res.Connection.Name, g.ID, g.Access, g.Scope,
			describeGrantee(granteeLabel(g)))
	}
	for _, wn := range res.Warnings {
		msg += " Warning: " + wn
	}
	return c.done(w, r, v.session, Prefix+"connections", msg)
}

func (c *Console) handleDisconnectConfirm(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := r.PathValue("name")
	grants, err := c.grantsOf(r, name)
	if err != nil {
		return err
	}
	changes := []string{
		fmt.Sprintf("Connection %s stops: every call through it is denied from now on.", name),
		fmt.Sprintf("Its credential is revoked, and its %d active grant(s) stop applying.", len(grants)),
		"Calls held for approval on it fail when approved.",
		"It can be undone with `aos reconnect " + name + "` and a new credential.",
	}
	return c.confirm(w, r, v, "connections", confirmation{Heading: "Disconnect " + name, Changes: changes,
		Action: Prefix + "connections/" + url.PathEscape(name) + "/disconnect", Button: "Disconnect", Danger: true,
		Back: Prefix + "connections"})
}

func (c *Console) handleDisconnect(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := r.PathValue("name")
	if err := c.Owner.Disconnect(r.Context(), v.owner, name); err != nil {
		return err
	}
	return c.done(w, r, v.session, Prefix+"connections", "Disconnected "+name+".")
}

func (c *Console) grantsOf(r *http.Request, conn string) ([]*aos.Grant, error) {
	gs, err := c.Owner.ListGrants(r.Context(), false)
	if err != nil {
		return nil, err
	}
	var out []*aos.Grant
	for _, g := range gs {
		if g.Connection == conn {
			out = append(out, g)
		}
	}
	return out, nil
}

// grantByID returns an active grant.
func (c *Console) grantByID(r *http.Request, id string) (*aos.Grant, error) {
	gs, err := c.Owner.ListGrants(r.Context(), false)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if g.ID == id {
			return g, nil
		}
	}
	return nil, aos.Errorf(aos.ENotFound, "no active grant %s", id)
}

// grantForm is the data of the grant and narrow forms.
type grantForm struct {
	Connections []*aos.Connection
	Agents      []*aos.Principal
	Connection  string
	Grant       *aos.Grant // narrowing this one
}

func (c *Console) handleGrantForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	conns, err := c.Owner.ListConnections(r.Context())
	if err != nil {
		return err
	}
	agents, err := c.Owner.ListAgents(r.Context())
	if err != nil {
		return err
	}
	f := grantForm{Agents: agents, Connection: r.URL.Query().Get("connection")}
	for _, cn := range conns {
		if cn.Connected() {
			f.Connections = append(f.Connections, cn)
		}
	}
	c.render(w, r, v.session, http.StatusOK, "grant", pageData{Title: "Grant access", Nav: "connections", Data: f})
	return nil
}

func grantRequest(r *http.Request) (owner.GrantRequest, error) {
	f := r.PostForm
	req := owner.GrantRequest{Connection: f.Get("connection"), Scope: strings.TrimSpace(f.Get("scope")),
		Write: f.Get("write") == "on", To: strings.TrimSpace(f.Get("to")), Mission: strings.TrimSpace(f.Get("mission"))}
	if req.Connection == "" || req.Scope == "" || req.To == "" {
		return req, aos.Errorf(aos.EBadRequest, "a grant needs a connection, a scope and a grantee (an agent, department:D or company)")
	}
	if e := f.Get("expires_in"); e != "" {
		d, err := owner.ParseDuration(e)
		if err != nil {
			return req, err
		}
		req.ExpiresIn = d
	}
	return req, nil
}

func describeGrantee(to string) string {
	switch {
	case to == "company" || to == "":
		return "the whole company"
	case strings.HasPrefix(to, "department:"):
		return "the " + strings.TrimPrefix(to, "department:") + " department"
	}
	return "agent " + strings.TrimPrefix(to, "agent:")
}

func (c *Console) handleGrantConfirm(w http.ResponseWriter, r *http.Request, v *visit) error {
	req, err := grantRequest(r)
	if err != nil {
		return err
	}
	k, err := c.connectorOf(r, req.Connection)
	if err != nil {
		return err
	}
	scope, err := k.CheckScope(req.Scope)
	if err != nil {
		return err
	}
	access := "read-only"
	if req.Write {
		access = "read and write"
	}
	changes := []string{fmt.Sprintf("%s gets %s access to %s on %s.", describeGrantee(req.To), access, scope, req.Connection)}
	if req.ExpiresIn > 0 {
		changes = append(changes, "The grant ends after "+secinfra.FormatPeriod(req.ExpiresIn)+".")
	} else {
		changes = append(changes, "The grant does not expire; revoke it when it is no longer needed.")
	}
	if req.Mission != "" {
		changes = append(changes, "It is made for mission "+req.Mission+": closing the mission ends it.")
	}
	cf := confirmation{Heading: "Grant access to " + req.Connection, Changes: changes, Action: Prefix + "grant",
		Button: "Grant", Back: Prefix + "grant?connection=" + url.QueryEscape(req.Connection)}
	if scope == "*" {
		cf.Warning = "The scope * is account-wide. Reviews always flag it."
	}
	for _, n := range []string{"connection", "scope", "write", "to", "expires_in", "mission"} {
		if val := r.PostForm.Get(n); val != "" {
			cf.Fields = append(cf.Fields, field{n, val})
		}
	}
	return c.confirm(w, r, v, "connections", cf)
}

func (c *Console) handleGrant(w http.ResponseWriter, r *http.Request, v *visit) error {
	req, err := grantRequest(r)
	if err != nil {
		return err
	}
	g, err := c.Owner.Grant(r.Context(), v.owner, req)
	if err != nil {
		return err
	}
	return c.done(w, r, v.session, Prefix+"connections",
		fmt.Sprintf("Granted %s: %s on %s to %s.", g.ID, g.Access, g.Scope, describeGrantee(req.To)))
}

func (c *Console) connectorOf(r *http.Request, conn string) (connector.Connector, error) {
	conns, err := c.Owner.ListConnections(r.Context())
	if err != nil {
		return nil, err
	}
	for _, cn := range conns {
		if cn.Name == conn {
			return c.Owner.Connectors.Lookup(cn.Type)
		}
	}
	return nil, aos.Errorf(aos.EUnknownConnection, "no connection named %q", conn)
}

func (c *Console) handleRevokeConfirm(w http.ResponseWriter, r *http.Request, v *visit) error {
	g, err := c.grantByID(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	changes := []string{
		fmt.Sprintf("Grant %s stops: %s loses %s access to %s on %s.", g.ID, describeGrantee(granteeLabel(g)), g.Access, g.Scope, g.Connection),
		"Calls it allowed are denied from now on, unless another grant covers them.",
		"The revocation is recorded in the evidence trail.",
	}
	return c.confirm(w, r, v, "connections", confirmation{Heading: "Revoke grant " + g.ID, Changes: changes,
		Action: Prefix + "grants/" + url.PathEscape(g.ID) + "/revoke", Button: "Revoke", Danger: true, Back: Prefix + "connections"})
}

func granteeLabel(g *aos.Grant) string {
	if g.Grantee == "" {
		return "company"
	}
	return g.Grantee
}

func (c *Console) handleRevoke(w http.ResponseWriter, r *http.Request, v *visit) error {
	g, err := c.Owner.Revoke(r.Context(), v.owner, r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.done(w, r, v.session, Prefix+"connections", fmt.Sprintf("Revoked %s (%s on %s).", g.ID, g.Scope, g.Connection))
}

func (c *Console) handleNarrowForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	g, err := c.grantByID(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	c.render(w, r, v.session, http.StatusOK, "narrow", pageData{Title: "Narrow grant " + g.ID, Nav: "connections", Data: grantForm{Grant: g}})
	return nil
}

// narrowing is a grant and the narrower one that replaces it.
func (c *Console) narrowing(r *http.Request) (*aos.Grant, owner.GrantRequest, error) {
	g, err := c.grantByID(r, r.PathValue("id"))
	if err != nil {
		return nil, owner.GrantRequest{}, err
	}
	k, err := c.connectorOf(r, g.Connection)
	if err != nil {
		return nil, owner.GrantRequest{}, err
	}
	scope, err := k.CheckScope(strings.TrimSpace(r.PostForm.Get("scope")))
	if err != nil {
		return nil, owner.GrantRequest{}, err
	}
	write := r.PostForm.Get("write") == "on"
	if write && g.Access != aos.Write {
		return nil, owner.GrantRequest{}, aos.Errorf(aos.EBadRequest, "narrowing cannot add write access; make a new grant")
	}
	if !(scope == g.Scope || g.Scope == "*" || scope != "*" && k.Covers(g.Scope, scope)) {
		return nil, owner.GrantRequest{}, aos.Errorf(aos.EBadRequest, "%s is not within %s: narrowing only takes access away", scope, g.Scope)
	}
	if scope == g.Scope && (write || g.Access == aos.Read) {
		return nil, owner.GrantRequest{}, aos.Errorf(aos.EBadRequest, "that is the grant as it stands: choose a narrower scope or drop write")
	}
	req := owner.GrantRequest{Connection: g.Connection, Scope: scope, Write: write, To: granteeLabel(g), Mission: g.Mission}
	if g.ExpiresAt != nil {
		left := time.Until(*g.ExpiresAt)
		if left <= 0 {
			return nil, req, aos.Errorf(aos.EConflict, "grant %s has expired", g.ID)
		}
		req.ExpiresIn = left
	}
	return g, req, nil
}

func (c *Console) handleNarrowConfirm(w http.ResponseWriter, r *http.Request, v *visit) error {
	g, req, err := c.narrowing(r)
	if err != nil {
		return err
	}
	access := aos.Read
	if req.Write {
		access = aos.Write
	}
	changes := []string{
		fmt.Sprintf("Grant %s (%s on %s) is revoked.", g.ID, g.Access, g.Scope),
		fmt.Sprintf("A new grant gives %s %s access to %s on %s, with the same expiry and mission.",
			describeGrantee(req.To), access, req.Scope, g.Connection),
		"The old grant is revoked first: if the new one cannot be made, access is narrower than asked, never wider.",
	}
	cf := confirmation{Heading: "Narrow grant " + g.ID, Changes: changes,
		Action: Prefix + "grants/" + url.PathEscape(g.ID) + "/narrow", Button: "Narrow", Back: Prefix + "connections",
		Fields: []field{{"scope", req.Scope}}}
	if req.Write {
		cf.Fields = append(cf.Fields, field{"write", "on"})
	}
	return c.confirm(w, r, v, "connections", cf)
}

func (c *Console) handleNarrow(w http.ResponseWriter, r *http.Request, v *visit) error {
	g, req, err := c.narrowing(r)
	if err != nil {
		return err
	}
	if _, err := c.Owner.Revoke(r.Context(), v.owner, g.ID); err != nil {
		return err
	}
	ng, err := c.Owner.Grant(r.Context(), v.owner, req)
	if err != nil {
		return aos.Errorf(aos.ErrorCode(err), "grant %s was revoked, but its narrower replacement could not be made: %s",
			g.ID, aos.ErrorMessage(err))
	}
	return c.done(w, r, v.session, Prefix+"connections",
		fmt.Sprintf("Narrowed %s: %s replaces it with %s on %s.", g.ID, ng.ID, ng.Access, ng.Scope))
}
