package aos

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

// Facts are what a connector extracted from a request that bears on the
// approval points.
type Facts struct {
	// Amount is in the currency's minor unit (cents); zero when no money moves.
	Amount     int64  `json:"amount,omitempty"`
	Currency   string `json:"currency,omitempty"`
	Recipients int    `json:"recipients,omitempty"`
	Public     bool   `json:"public,omitempty"`
	Production bool   `json:"production,omitempty"`
	Export     bool   `json:"export,omitempty"`
	// CustomerData is set when the outbound payload carries customer data
	// that came from another connection, or detected personal data.
	CustomerData bool `json:"customer_data,omitempty"`
}

// Decision is the result of policy.Decide.
type Decision struct {
	Verdict Verdict `json:"verdict"`
	// Code is the error code of a denial.
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Points are the approval points a held call hit, first one first.
	Points []ApprovalPoint `json:"points,omitempty"`
	// GrantID is the grant that allows (or would allow) the call.
	GrantID string `json:"grant_id,omitempty"`
}
