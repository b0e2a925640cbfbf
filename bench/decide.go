package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/policy"
)

// decideBench times one policy decision in an instance with n grants, all on
// the connection called (the worst case: every agent of a large company
// granted on the one CRM, a tenth of the grants revoked), for the caller
// that holds one of them.
func decideBench(t *table, n int) {
	now := time.Now()
	conn := &aos.Connection{ID: 1, Name: "crm", Type: "http"}
	var grants []*aos.Grant
	for i := range n {
		g := &aos.Grant{ID: "g" + strconv.Itoa(i), ConnectionID: 1, Scope: "/v1/contacts", Access: aos.Read,
			Grantee: "agent:a" + strconv.Itoa(i), GranteeID: int64(i + 1), CreatedAt: now.Add(-time.Hour)}
		if i%10 == 9 {
			at := now.Add(-time.Minute)
			g.RevokedAt = &at
		}
		grants = append(grants, g)
	}
	caller := &aos.Principal{ID: int64(n/2 + 1), Kind: aos.Agent, Name: "a" + strconv.Itoa(n/2)}
	in := policy.Input{Principal: caller, Connection: conn, Grants: grants,
		Operation: aos.Operation{Name: "GET", Access: aos.Read}, Resource: "/v1/contacts/42",
		Covers: rest.Covers, Now: now, Caps: aos.Caps{}}
	if d := policy.Decide(in); d.Verdict != aos.Allow {
		fatalf("decision bench: %s %s", d.Verdict, d.Reason)
	}
	per := timeIt(func() { policy.Decide(in) })
	t.add(fmt.Sprintf("policy decision, %d grants on the connection, all passed", n), fmt.Sprintf("%.2f µs", per*1e6),
		"policy.Decide over every grant on the connection")
	x := policy.NewGrantIndex(grants)
	per = timeIt(func() {
		in := in
		in.Grants = x.For(caller)
		policy.Decide(in)
	})
	t.add(fmt.Sprintf("policy decision, %d grants on the connection, indexed", n), fmt.Sprintf("%.2f µs", per*1e6),
		"policy.GrantIndex.For (the caller's, department's and company's grants, as the gateway passes them) + policy.Decide")
}

// timeIt returns the seconds one call of f takes, over at least a second.
func timeIt(f func()) float64 {
	for n := 1; ; n *= 2 {
		start := time.Now()
		for range n {
			f()
		}
		if took := time.Since(start); took > time.Second {
			return took.Seconds() / float64(n)
		}
	}
}
