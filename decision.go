package aos

import "strings"

// ApprovalPoint is one of the five decisions that belong to the owner.
type ApprovalPoint string

const (
	PointMoney        ApprovalPoint = "money"
	PointPublicClaim  ApprovalPoint = "public-claim"
	PointCustomerData ApprovalPoint = "customer-data"
	PointProduction   ApprovalPoint = "production"
	PointAuditEdit    ApprovalPoint = "audit-edit"
)

// Verdict is the outcome of a policy decision.
type Verdict string

const (
	Allow Verdict = "allow"
	Deny  Verdict = "deny"
	Hold  Verdict = "hold"
)

// Operation is what a request does, as its connector understands it.
type Operation struct {
	// Name is the connector's operation name ("GET", "refunds.create", ...).
	Name string `json:"name"`
	// Access is what the operation needs: read or write.
	Access Access `json:"access"`
	// Points are the approval points the operation can raise.
	Points []ApprovalPoint `json:"points,omitempty"`
}

// Facts are what a connector (and the PII scan) extracted from a request
// that bears on the approval points.
type Facts struct {
	// Amount is in the currency's minor unit (cents); zero when no money moves.
	Amount   int64  `json:"amount,omitempty"`
	Currency string `json:"currency,omitempty"`
	// AmountUnknown is set when the operation moves money but its amount or
	// currency could not be read: such a call is held, never guessed.
	AmountUnknown bool `json:"amount_unknown,omitempty"`
	// AmountUnknownReason says why, when the gateway asked the upstream
	// and could not learn the amount ("charge ch_1 was not found").
	AmountUnknownReason string `json:"amount_unknown_reason,omitempty"`
	Recipients          int    `json:"recipients,omitempty"`
	// Public: the call publishes or sends under the company's name.
	Public bool `json:"public,omitempty"`
	// Production: the call deploys or changes production, infrastructure,
	// billing rules or security policy.
	Production bool `json:"production,omitempty"`
	// Export, Share and TrainingOptIn move data out by their nature.
	Export        bool `json:"export,omitempty"`
	Share         bool `json:"share,omitempty"`
	TrainingOptIn bool `json:"training_opt_in,omitempty"`
	// CustomerData lists the categories of customer data, seen coming out of
	// another connection that holds customer data, found in the payload;
	// CustomerSources names those connections.
	CustomerData    []string `json:"customer_data,omitempty"`
	CustomerSources []string `json:"customer_sources,omitempty"`
	// Flows detail the customer data per source, for the flow map.
	Flows []FlowFact `json:"flows,omitempty"`
	// Sensitive lists detector hits held wherever they come from
	// ("payment_card", "iban", "national_id").
	Sensitive []string `json:"sensitive,omitempty"`
	// Personal lists personal data never seen from a system of record
	// ("email", "phone"): recorded, and held in strict mode.
	Personal []string `json:"personal,omitempty"`
	// Internal is set by a connector that can tell that every destination
	// of the call is inside the company (an email to colleagues only):
	// customer data learnt from another tool is then not leaving. The zero
	// value counts as leaving.
	Internal bool `json:"internal,omitempty"`
	// Unscanned is set when a write's payload is larger than the PII scan
	// reads: what it carries is unknown, so it is held rather than passed.
	Unscanned bool `json:"unscanned,omitempty"`
}

// FlowFact is customer data from one source found in a payload.
type FlowFact struct {
	Source     string   `json:"source"`
	Categories []string `json:"categories"`
	Count      int      `json:"count"`
	// SourceResources are the resources of Source the data was last read
	// from, sorted.
	SourceResources []string `json:"source_resources,omitempty"`
	// Subjects are the MACs of the pieces of customer data, for the flow
	// map. They are never encoded: facts go into the evidence and into
	// approvals, and an approved call finds them again from its request.
	Subjects [][]byte `json:"-"`
}

// Decision is the result of policy.Decide.
type Decision struct {
	Verdict Verdict `json:"verdict"`
	// Code is the error code of a denial.
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Reasons explain a hold, one per point reached.
	Reasons []string `json:"reasons,omitempty"`
	// Points are the approval points a held call hit, first one first.
	Points []ApprovalPoint `json:"points,omitempty"`
	// GrantIDs are the grants that allow (or would allow) the call: one,
	// or for a compound resource covered item by item, one per grant used.
	GrantIDs []string `json:"grant_ids,omitempty"`
}

// GrantAttr is GrantIDs in the form evidence and approvals record them
// (the "grant" attribute, Approval.GrantID): comma-separated, as written
// since the first release, so that verify and existing logs read it alike.
func (d Decision) GrantAttr() string { return strings.Join(d.GrantIDs, ",") }

// SplitGrantIDs reads the recorded form of GrantAttr back into IDs.
func SplitGrantIDs(recorded string) []string {
	if recorded == "" {
		return nil
	}
	return strings.Split(recorded, ",")
}

// Caps are the owner's limits for the approval points.
type Caps struct {
	// PerMove and PerWeek are in US cents; PerWeek is over a rolling 7 days.
	PerMove int64 `json:"per_move"`
	PerWeek int64 `json:"per_week"`
	// Rates convert other currencies: USD per one unit of the currency, as
	// a decimal ("1.08"). An amount in a currency without a rate is held.
	Rates map[string]string `json:"rates,omitempty"`
	// RecipientLimit: a send to more recipients is a public claim.
	RecipientLimit int `json:"recipient_limit"`
	// Strict holds personal data never seen from a system of record too.
	Strict bool `json:"strict"`
}

// DefaultCaps are the caps of a new instance: $1,000 per move, $10,000 per
// rolling week, 500 recipients.
var DefaultCaps = Caps{PerMove: 1000_00, PerWeek: 10000_00, RecipientLimit: 500}
