package stripe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// A refund (refunds.create) names the charge or payment intent it
// refunds, and may leave out its currency, which is the charge's, and
// its amount, which is then all that is left to refund. Such a refund
// would be held as "amount could not be read" however small. FindFacts
// reads the charge (or payment intent) with the connection's key and
// returns the refund stating the currency and, for a whole refund, the
// amount left (amount − amount_refunded): the request Stripe receives says
// what the decision was made on, and Stripe refuses it should the charge
// have less left by then.

var _ connector.FactFinder = (*Connector)(nil)

// lookupTimeout bounds the read of a charge or payment intent.
const lookupTimeout = 10 * time.Second

// chargeIDRE and intentIDRE are the ids a lookup may put in a path.
var (
	chargeIDRE = regexp.MustCompile(`^(?:ch|py)_[A-Za-z0-9]{1,250}$`)
	intentIDRE = regexp.MustCompile(`^pi_[A-Za-z0-9]{1,250}$`)
)

// refundTarget is what a refund reads from its charge or payment intent.
type refundTarget struct {
	Currency       string `json:"currency"`
	Amount         *int64 `json:"amount"`
	AmountRefunded *int64 `json:"amount_refunded"`
	// LatestCharge is a payment intent's charge, expanded.
	LatestCharge *struct {
		Amount         *int64 `json:"amount"`
		AmountRefunded *int64 `json:"amount_refunded"`
	} `json:"latest_charge"`
}

// FindFacts learns a refund's currency, and the amount of a whole refund,
// from its charge or payment intent (see above). Only refunds.create has
// anything to learn; a refund held for another money parameter stays
// held. Errors: EUpstream when Stripe cannot be reached, or answers the
// read with an error other than not found.
func (k *Connector) FindFacts(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Learnt, error) {
	if call == nil || call.Upstream == nil || call.Operation.Name != "refunds.create" || !call.Facts.AmountUnknown {
		return nil, nil
	}
	base, err := baseOf(c)
	if err != nil {
		return nil, err
	}
	out := call.Upstream
	params, err := url.ParseQuery(string(out.Body))
	if err != nil {
		return nil, nil
	}
	amounts, currencies := params["amount"], params["currency"]
	if len(amounts) > 1 || len(currencies) > 1 || len(amounts) == 1 && len(currencies) == 1 {
		return nil, nil // stated, or ambiguous: nothing a lookup could add
	}
	u, ok := connector.AtOrigin(out.URL, base.Scheme, base.Host)
	if !ok {
		return nil, aos.Errorf(aos.EOutOfScope, "the upstream request is not under the connection's base URL %s", base)
	}
	restate := func(add url.Values) (*connector.Call, error) {
		body := append(append([]byte(nil), out.Body...), '&')
		body = append(body, add.Encode()...)
		req, err := analyze(out.Method, u.EscapedPath(), u.RawQuery, out.Header.Clone(), body)
		if err != nil {
			return nil, err
		}
		return req.call(base), nil
	}
	// Would stating an amount and currency be enough? Not when another
	// parameter moves money: then there is nothing to read.
	probe := url.Values{}
	if len(amounts) == 0 {
		probe.Set("amount", "1")
	}
	if len(currencies) == 0 {
		probe.Set("currency", "usd")
	}
	if c, err := restate(probe); err != nil || c.Facts.AmountUnknown {
		return &connector.Learnt{Reason: "the refund moves money beyond its amount (another money parameter)"}, nil
	}
	charges, intents := params["charge"], params["payment_intent"]
	var path, id, kind string
	switch {
	case len(charges) == 1 && len(intents) == 0 && chargeIDRE.MatchString(charges[0]):
		id, kind = charges[0], "charge"
		path = "/v1/charges/" + id
	case len(intents) == 1 && len(charges) == 0 && intentIDRE.MatchString(intents[0]):
		id, kind = intents[0], "payment intent"
		path = "/v1/payment_intents/" + id + "?expand%5B%5D=latest_charge"
	default:
		return &connector.Learnt{Reason: "the refund names no single charge or payment intent to read its currency from"}, nil
	}
	from := "GET " + strings.Replace(path, "?expand%5B%5D=", "?expand[]=", 1)
	target, err := k.read(ctx, base, secret, path)
	if err != nil {
		return nil, err
	}
	if target == nil {
		return &connector.Learnt{From: from, Reason: fmt.Sprintf("%s %s was not found", kind, id)}, nil
	}
	cur := strings.ToUpper(target.Currency)
	if len(cur) != 3 || !allLetters(cur) {
		return &connector.Learnt{From: from, Reason: fmt.Sprintf("%s %s has no currency", kind, id)}, nil
	}
	amount, refunded := target.Amount, target.AmountRefunded
	if kind == "payment intent" {
		amount, refunded = nil, nil
		if lc := target.LatestCharge; lc != nil {
			amount, refunded = lc.Amount, lc.AmountRefunded
		}
	}
	detail := "currency " + cur
	if amount != nil && refunded != nil {
		detail += fmt.Sprintf(", amount %s, refunded %s", aos.FormatMoney(*amount, cur), aos.FormatMoney(*refunded, cur))
	}
	learnt := &connector.Learnt{From: from, Detail: detail}
	add := url.Values{}
	if len(currencies) == 1 {
		if !strings.EqualFold(currencies[0], cur) {
			learnt.Reason = fmt.Sprintf("the refund is in %s but %s %s is in %s", strings.ToUpper(currencies[0]), kind, id, cur)
			return learnt, nil
		}
	} else {
		add.Set("currency", strings.ToLower(cur))
	}
	if len(amounts) == 0 {
		if amount == nil || refunded == nil {
			learnt.Reason = fmt.Sprintf("%s %s does not say how much of it is left to refund", kind, id)
			return learnt, nil
		}
		left := *amount - *refunded
		if left <= 0 {
			learnt.Reason = fmt.Sprintf("%s %s has nothing left to refund", kind, id)
			return learnt, nil
		}
		add.Set("amount", strconv.FormatInt(left, 10))
	}
	next, err := restate(add)
	if err != nil {
		return nil, err
	}
	if next.Operation.Name != call.Operation.Name || next.Operation.Access != call.Operation.Access || next.Resource != call.Resource {
		return nil, aos.Errorf(aos.EInternal, "the refund with its learnt facts is not the same operation")
	}
	if next.Facts.AmountUnknown {
		learnt.Reason = "the refund moves money beyond its amount (another money parameter)"
		return learnt, nil
	}
	learnt.Call = next
	return learnt, nil
}

// read GETs a charge or payment intent. A 404 is nil, no error.
func (k *Connector) read(ctx context.Context, base *url.URL, secret vault.Secret, path string) (*refundTarget, error) {
	key, err := keyOf(secret)
	if err != nil {
		return nil, aos.Errorf(aos.EUpstream, "the connection's credential %s", aos.ErrorMessage(err))
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	hr, err := connector.NewRequest(ctx, base.Host, http.MethodGet, base.String()+path, http.Header{"Accept": {"application/json"}}, nil)
	if err != nil {
		return nil, err
	}
	resp, err := connector.SendBearer(k.httpClient(), hr, key.value)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.Status == http.StatusNotFound:
		return nil, nil
	case resp.Status != http.StatusOK:
		return nil, aos.Errorf(aos.EUpstream, "Stripe answered %d to %s", resp.Status, strings.SplitN(path, "?", 2)[0])
	}
	var t refundTarget
	if err := json.Unmarshal(resp.Body, &t); err != nil {
		return nil, aos.Errorf(aos.EUpstream, "Stripe's answer to %s is not JSON", strings.SplitN(path, "?", 2)[0])
	}
	return &t, nil
}
