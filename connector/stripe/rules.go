package stripe

import (
	"net/url"
	"strings"
)

// moneyRule reports whether a request, given its parameters (the query of
// a GET or DELETE, the form body of a POST), moves money.
type moneyRule func(params url.Values) bool

// moneyRules are the operations that move money, or change what a
// customer owes, whose amount is not in the request: it is the total of
// an existing object (a payment intent, a charge, an invoice, an invoice
// item, a dispute, a payout) or follows from prices. The table cannot
// declare them (opdef's money point needs an amount and a currency to
// read), so code adds the money point, and a request the rule matches is
// held with Facts.AmountUnknown: the gateway cannot tell it is under the
// cap, so it never assumes so. Parameters that move money on any write
// are read by name as well (money.go).
var moneyRules = map[string]moneyRule{
	// The charge's or intent's amount, in its currency, which the request
	// does not state (amount and amount_to_capture have no currency).
	"charges.capture":                         always,
	"payment_intents.confirm":                 always,
	"payment_intents.capture":                 always,
	"payment_intents.increment_authorization": always,
	// The invoice's total: paid, or no longer owed (void, written off,
	// a draft deleted).
	"invoices.finalize":           always,
	"invoices.pay":                always,
	"invoices.void":               always,
	"invoices.mark_uncollectible": always,
	"invoices.delete":             always,
	// An invoice item's amount, no longer owed.
	"invoiceitems.delete": always,
	// A credit note's amount, credited, or owed again when voided.
	"credit_notes.create": always,
	"credit_notes.void":   always,
	// Closing a dispute concedes the disputed amount.
	"disputes.close": always,
	// Reversing a payout brings its amount back from the bank.
	"payouts.reverse": always,
	// A subscription bills from its prices, at once and then every period.
	"subscriptions.create": always,
	"subscriptions.resume": always,
	"subscriptions.update": changesBilling,
}

// moneyParamOps are the write operations that take a parameter that moves
// money (money.go) and have no rule or table amount of their own: their
// description shows the money point, which a request raises when it
// carries such a parameter. TestMoneyParams checks the list against every
// parameter Stripe's description gives each operation.
var moneyParamOps = []string{
	"coupons.update", "customers.create", "customers.update",
	"disputes.update", "invoices.create", "invoices.update", "payment_intents.update",
	"prices.create", "prices.update", "products.create", "products.update",
	"subscriptions.cancel", "transfers.reversals.create",
}

func always(url.Values) bool { return true }

// notBilling are the subscription fields an update may change without
// changing what is billed. Any other field (items, proration, trials,
// discounts, cancellation, collection, ...) may, so it moves money.
var notBilling = map[string]bool{"metadata": true, "description": true, "expand": true}

// changesBilling matches a subscription update that touches any field
// outside notBilling.
func changesBilling(params url.Values) bool {
	for key := range params {
		name, _, _ := strings.Cut(key, "[")
		if !notBilling[name] {
			return true
		}
	}
	return false
}

// expandTypes maps a field that Stripe can expand to the object type it
// expands into. A field not listed here expands into a type the
// connector cannot name, which only the account-wide scope covers.
var expandTypes = map[string]string{
	"balance_transaction":         "balance_transactions",
	"failure_balance_transaction": "balance_transactions",
	"charge":                      "charges",
	"charges":                     "charges",
	"latest_charge":               "charges",
	"coupon":                      "coupons",
	"credit_note":                 "credit_notes",
	"customer":                    "customers",
	"dispute":                     "disputes",
	"disputes":                    "disputes",
	"invoice_item":                "invoiceitems",
	"invoice":                     "invoices",
	"latest_invoice":              "invoices",
	"payment_intent":              "payment_intents",
	"default_payment_method":      "payment_methods",
	"payment_method":              "payment_methods",
	"payout":                      "payouts",
	"default_price":               "prices",
	"plan":                        "prices",
	"price":                       "prices",
	"product":                     "products",
	"refund":                      "refunds",
	"refunds":                     "refunds",
	"subscription":                "subscriptions",
	"subscriptions":               "subscriptions",
	"source_transfer":             "transfers",
	"transfer":                    "transfers",
	"reversals":                   "transfers",
}

// Bounds on expansions. Stripe itself allows four levels.
const (
	maxExpansions  = 32
	maxExpandDepth = 8
)

// expansions returns the object types that the expand parameters of a
// request reach, and reports false when the parameters are malformed. A
// parameter is expand, expand[] or expand[N]; its value is a dotted path
// of fields ("data.charge.customer"), where "data" steps into a list.
// Any other parameter starting with "expand" reaches every type.
func expansions(params url.Values) ([]string, bool) {
	var types []string
	n := 0
	for key, vs := range params {
		if !strings.HasPrefix(key, "expand") {
			continue
		}
		if !isExpandKey(key) {
			types = append(types, everyType)
			continue
		}
		for _, v := range vs {
			if n++; n > maxExpansions {
				return nil, false
			}
			fields := strings.Split(v, ".")
			if len(fields) > maxExpandDepth {
				return nil, false
			}
			for _, f := range fields {
				switch typ, ok := expandTypes[f]; {
				case f == "data":
				case ok:
					types = append(types, typ)
				default:
					types = append(types, everyType)
				}
			}
		}
	}
	return types, true
}

// isExpandKey reports whether key is expand, expand[] or expand[N].
func isExpandKey(key string) bool {
	rest, ok := strings.CutPrefix(key, "expand")
	if !ok {
		return false
	}
	if rest == "" || rest == "[]" {
		return true
	}
	idx, ok := strings.CutPrefix(rest, "[")
	if !ok {
		return false // "expand5]" is not an expansion
	}
	if idx, ok = strings.CutSuffix(idx, "]"); !ok || idx == "" || len(idx) > 4 {
		return false
	}
	return strings.Trim(idx, "0123456789") == ""
}
