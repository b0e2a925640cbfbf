package aos

// CredentialInfo is what a credential allows, as far as the upstream says.
// Connectors that implement connector.Inspector report it; the owner
// service records it on the credential at connect time.
type CredentialInfo struct {
	// Kind names the type of credential ("restricted key", "classic token").
	Kind string `json:"kind"`
	// Scopes are the permissions the upstream reports, in its own terms.
	Scopes []string `json:"scopes,omitempty"`
	// Resources are what it can reach, in the connector's scope syntax,
	// when known; AccountWide is set when it reaches the whole account.
	Resources   []string `json:"resources,omitempty"`
	AccountWide bool     `json:"account_wide"`
	// CanWrite is set when the credential allows writes at all.
	CanWrite bool `json:"can_write"`
}

// CredentialExcess is what a credential reaches beyond the grants that use
// it. The zero value means the grants cover everything it reaches.
type CredentialExcess struct {
	// AccountWide is set when the credential reaches the whole account
	// and no grant is account-wide.
	AccountWide bool
	// Write is set when the credential can write and every grant is read.
	Write bool
	// Resources are the credential's resources that no grant covers, in
	// the order the inspection listed them. A resource "*" is not listed:
	// it sets AccountWide instead.
	Resources []string
}

// Broader reports whether the credential reaches more than its grants.
func (e CredentialExcess) Broader() bool {
	return e.AccountWide || e.Write || len(e.Resources) > 0
}

// Excess compares what the credential allows with grants, the grants that
// use it (the caller picks them, usually the connection's active grants),
// and returns what the credential reaches that none of them does. covers
// is the connector's Covers(scope, resource); a grant covers a resource
// when its scope is "*", equals the resource, or covers says so. A nil
// covers uses only the first two. With no grants at all, anything the
// credential reaches is excess. A nil ci reaches nothing.
//
// Excess is pure: it is the comparison the access review repeats later.
func (ci *CredentialInfo) Excess(grants []*Grant, covers func(scope, resource string) bool) CredentialExcess {
	var e CredentialExcess
	if ci == nil {
		return e
	}
	accountWideGrant, writeGrant := false, false
	for _, g := range grants {
		accountWideGrant = accountWideGrant || g.Scope == "*"
		writeGrant = writeGrant || g.Access == Write
	}
	e.AccountWide = ci.AccountWide && !accountWideGrant
	e.Write = ci.CanWrite && !writeGrant
	for _, r := range ci.Resources {
		switch {
		case r == "*":
			e.AccountWide = e.AccountWide || !accountWideGrant
		case !coveredByAny(grants, r, covers):
			e.Resources = append(e.Resources, r)
		}
	}
	return e
}

func coveredByAny(grants []*Grant, resource string, covers func(scope, resource string) bool) bool {
	for _, g := range grants {
		if g.Scope == "*" || g.Scope == resource || covers != nil && covers(g.Scope, resource) {
			return true
		}
	}
	return false
}
