package httpapi

// StatusOf is statusOf, for the tests of the OpenAPI description.
var StatusOf = statusOf

// RouteAudiences maps each route's pattern to who may use it, in the words
// of the OpenAPI description's x-aos-who.
func RouteAudiences() map[string]string {
	words := map[audience]string{
		forAgents: "agent", forOwner: "owner", forReaders: "owner-or-auditor", forAgentsAndOwner: "agent-or-owner",
		forSecurity: "security", forPrincipals: "any-principal", forAnyone: "anyone",
	}
	out := map[string]string{}
	for _, rt := range (&Server{}).routes() {
		out[rt.pattern] = words[rt.who]
	}
	return out
}
