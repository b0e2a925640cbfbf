// Package opdef reads operation definitions: a table, written as data, of
// the operations an HTTP API offers, what access each needs, which
// approval points it can raise and where in a request the facts that
// decide those points are found. The owner gives one to an `http`
// connection (`aos connect http NAME --operations FILE`); built-in
// connectors declare theirs the same way, with code only where a fact
// cannot be read from one place in the request.
//
// # Format
//
// A file is YAML or JSON (JSON is read as YAML, so both give errors that
// name the line):
//
//	operations:
//	  - name: refunds.create        # unique; letters a-z, digits and _ . -
//	    method: POST                # one HTTP method, in any case
//	    path: /v1/refunds           # a pattern; see Paths
//	    access: write               # read or write; required
//	    points: [money]             # money, public-claim, customer-data, production
//	    facts:
//	      amount: /amount           # where to read each fact; see Sources
//	      amount_unit: minor        # minor (default) or major
//	      currency: /currency
//	  - name: refunds.cancel
//	    method: POST
//	    path: /v1/refunds/{id}/cancel
//	    access: write
//	  - name: campaigns.send
//	    method: POST
//	    path: /v1/campaigns/{id}/send
//	    access: write
//	    points: [public-claim]
//	    facts:
//	      recipients: /to
//	      public: true
//
// Every key is checked: an unknown or repeated key, a missing required
// one, a value of the wrong type, YAML anchors, aliases and tags, and more
// than one document are errors. Each error is a *ParseError naming the
// line, such as
//
//	ops.yaml:12: operation "refunds.create": unknown point "mony" (want money, public-claim, customer-data, production)
//
// # Headers
//
// A file may also list request headers that go upstream beyond its
// connector's own allow-list (the rest connector forwards Accept,
// Content-Type, User-Agent and a few more):
//
//	headers: [X-Tenant, Api-Version]
//
// A name that would let an agent frame, route, override or authenticate
// the request is an error: hop-by-hop and framing fields (Host,
// Content-Length, Content-Encoding, Transfer-Encoding, ...), method, URL
// and host overrides (X-HTTP-Method-Override, X-Original-URL,
// X-Forwarded-*, Forwarded, ...), AOS-* fields, and anything that carries
// a credential or session (Authorization, Cookie, names with auth, token,
// secret, password, credential, api-key, session or signature in them, or
// ending in key, Idempotency-Key excepted). A file may hold headers: alone,
// without operations: the connection then keeps its connector's default
// operations. In the normal form, headers follow operations, in canonical
// case.
//
// # Paths
//
// A path pattern is matched against a request's canonical path (decoded
// once, as the rest connector's Canonical returns it). It starts with "/"
// and is made of whole segments: a literal ("refunds", written decoded,
// without '%', '\', ';', '?', '#', '*', braces or control characters, and
// not "." or ".."), a parameter "{id}" that matches any one non-empty
// segment, and, as the last segment only, "{rest...}", which matches the
// remaining segments (at least one). A trailing slash is significant,
// as it is to many APIs: "/v1/items/" matches only a path that ends in a
// slash. Parameter names are letters, digits and '_', unique in a
// pattern. Inside YAML flow style ({...} or [...]) braces are syntax, so
// quote such a pattern there: {path: '/v1/refunds/{id}'}.
//
// Patterns of one method never leave a path in doubt. Of the patterns
// that match a path, the most specific wins: one matches a path that
// another also matches when, from left to right, it has a literal where
// the other has a parameter, or a parameter where the other's rest
// parameter begins. Two patterns of one method that are the same but for
// the names of their parameters, or that overlap with neither more
// specific than the other ("/a/{x}" and "/{y}/b", which both match "/a/b"),
// are errors.
//
// # Points and facts
//
// Points are the approval points an operation can raise; audit-edit
// belongs to the gateway and cannot be declared. Each fact belongs to one
// point, and may be given only when the operation lists that point:
//
//	money          amount, amount_unit, currency (amount and currency required)
//	public-claim   recipients, public
//	customer-data  export, share, training_opt_in
//	production     production
//
// A point listed without any of its facts gets a default: production
// means production: true, and public-claim means public: true (the
// operation always raises it). Customer-data needs no fact: the gateway's
// scan of the payload raises it as well.
//
// # Sources
//
// A fact's source says where its value is read:
//
//	/a/b/0        a JSON pointer (RFC 6901, "~0" for '~' and "~1" for '/')
//	              into a JSON body (Content-Type application/json or *+json)
//	form:FIELD    a field of an application/x-www-form-urlencoded body
//	              (FIELD as decoded, such as form:metadata[amount])
//	query:FIELD   a query parameter
//	value:V       a constant: value:usd for currency, value:N for amount
//	              (in amount_unit) or recipients
//	true          for public, production, export, share and
//	              training_opt_in: the fact always holds
//
// A body is read only as its Content-Type says, the way the upstream will
// read it; a source of the other kind cannot be read from it.
//
// # Reading facts never fails open
//
// Def.Facts reads the facts of one request, and a value that cannot be
// read never lowers a fact:
//
//   - amount: an integer of minor units (1250 or "1250" for $12.50), or,
//     with amount_unit major, a decimal ("12.50" or 12.5) in the currency's
//     major unit. For an operation with the money point, an amount or
//     currency that is missing, null, of the wrong type, negative, out of
//     range, not a whole number of minor units, or ambiguous sets
//     Facts.AmountUnknown, which holds the call. A currency is three
//     letters; it is reported in upper case.
//   - recipients: an array counts its elements, a string its non-empty
//     comma-separated items, a number is itself (a whole number). Missing
//     or null is 0; anything else that cannot be read counts as more
//     recipients than any limit (math.MaxInt).
//   - public, production, export, share, training_opt_in: a JSON boolean
//     or the string "true" or "false" (in any case). Missing or null is
//     false, since APIs take an absent flag as off; any other value, a
//     body that cannot be read, or an ambiguous value is true.
//
// A value is ambiguous, and so unreadable, when decoders could disagree
// about it: a JSON object key that repeats, or that appears in another
// case ("Amount" for /amount, which case-insensitive decoders such as
// Go's take as the same key), and a form field or query parameter given
// twice or in another case (recipients excepted: each value of its own
// name is counted).
//
// # Normal form
//
// Table.MarshalJSON writes a table in its normal form: compact JSON, the
// operations in file order, methods in upper case, points in the order
// above, defaults written out and currency constants in upper case. Parse
// reads the normal form back to an equal table, so the form can be stored
// (the rest connector keeps it in aos.Connection.Config).
package opdef
