package gateway

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// lookUp asks the connector, when it can (connector.FactFinder), to learn
// from the upstream the amount of a call that the grants allow but that
// would be held because its amount could not be read (a Stripe refund of
// a charge, in the charge's currency). It runs before the decision, with
// the connection's active credential, and only for a call already
// granted, so that nobody without a grant makes aos read anything. What
// was read and learnt (or why nothing was) is recorded as a call.lookup
// entry before the call is decided, and nothing of it goes to the agent:
// it returns the call stating the learnt facts, scanned again, or the
// same call with the reason its amount stays unknown. A lookup that
// cannot run leaves the call as it was, held.
func (g *Gateway) lookUp(ctx context.Context, p *aos.Principal, t *target, call *connector.Call) (*connector.Call, error) {
	ff, ok := t.connector.(connector.FactFinder)
	if !ok {
		return call, nil
	}
	var cred *aos.Credential
	err := g.Store.View(ctx, func(tx aos.Tx) (err error) {
		cred, err = tx.ActiveCredential(ctx, t.conn.ID)
		return err
	})
	if aos.ErrorCode(err) == aos.ENotFound {
		return call, nil // no credential: the call is denied when authorised
	} else if err != nil {
		return nil, err
	}
	secret, err := g.Vault.Open(cred.Sealed, vault.CredentialAAD(t.conn.ID, cred.Version))
	if err != nil {
		return nil, err
	}
	learnt, lookErr := ff.FindFacts(ctx, t.conn, secret, call)
	if lookErr == nil && learnt == nil {
		return call, nil
	}
	if lookErr != nil {
		learnt = &connector.Learnt{Reason: "the lookup failed: " + aos.ErrorMessage(lookErr)}
	}
	attrs := callAttrs(t.conn.Name, call)
	attrs["credential_version"] = strconv.Itoa(cred.Version)
	attrs["learnt"] = strconv.FormatBool(learnt.Call != nil)
	pl, _ := json.Marshal(struct {
		From     string `json:"from,omitempty"`
		Detail   string `json:"detail,omitempty"`
		Reason   string `json:"reason,omitempty"`
		Amount   int64  `json:"amount,omitempty"`
		Currency string `json:"currency,omitempty"`
	}{From: learnt.From, Detail: learnt.Detail, Reason: learnt.Reason, Amount: factsOf(learnt.Call).Amount, Currency: factsOf(learnt.Call).Currency})
	if _, err := g.Log.Record(ctx, func(aos.Tx) ([]aos.Record, error) {
		return []aos.Record{{Kind: "call.lookup", Actor: p.Ref(), Subject: t.conn.Name, Attrs: attrs, Payload: pl}}, nil
	}); err != nil {
		return nil, err
	}
	if learnt.Call == nil {
		call.Facts.AmountUnknownReason = learnt.Reason
		return call, nil
	}
	next := learnt.Call
	if err := g.scan(ctx, t, next); err != nil {
		return nil, err
	}
	return next, nil
}

func factsOf(c *connector.Call) aos.Facts {
	if c == nil {
		return aos.Facts{}
	}
	return c.Facts
}
