package stripe

import (
	"net/url"
	"strings"
)

// A Stripe write moves money, or changes what a customer owes, through
// its parameters as much as through its operation: a customer update
// with balance=-5000000 credits $50,000 as surely as a customer balance
// transaction does. So the connector reads every parameter of every
// write by its name, at every level of nesting
// (items[0][price_data][unit_amount], discounts[0][coupon]): a parameter
// named like an amount, a balance, a price, a discount, a trial, a
// quantity, a fee, a credit or a tax makes the call a money move. Its
// amount is what the table reads when the operation declares one and the
// parameter is part of it (withinAmount); any other is held with
// Facts.AmountUnknown, since its amount is in no currency the request
// states, or is not an amount at all (a coupon, a trial end) but changes
// one. Stripe refuses parameters it does not know, so a name is the
// parameter it says it is.

// moneyWords are the words (between '_') of a parameter name that make
// it money: amount, unit_amount, application_fee_amount, balance,
// cash_balance, price_data, default_price, discounts, coupon,
// promotion_code, percent_off, trial_end, trial_period_days, quantity,
// credit_amount, proration_behavior, shipping_cost, tiers, ...
var moneyWords = map[string]bool{
	"amount": true, "amounts": true, "balance": true, "cost": true, "credit": true,
	"price": true, "prices": true, "pricing": true, "plan": true, "tiers": true,
	"discount": true, "discounts": true, "discountable": true, "coupon": true, "promotion": true, "percent": true,
	"trial": true, "quantity": true, "fee": true,
	"prorate": true, "proration": true,
}

// moneyNames are whole parameter names that change what a customer owes
// though no word of theirs says so: the lines and items of invoices and
// subscriptions, amounts in other currencies, taxes, when a subscription
// bills, whether an invoice is collected, and money sent on to a
// connected account.
var moneyNames = map[string]bool{
	"items": true, "lines": true, "invoice_items": true, "add_invoice_items": true,
	"currency_options": true, "billing_thresholds": true, "billing_cycle_anchor": true,
	"collection_method": true, "forgive": true, "paid_out_of_band": true, "auto_advance": true,
	"invoice_now": true, "transfer_data": true, "tax_rates": true, "default_tax_rates": true,
	"tax_exempt": true, "automatic_tax": true, "tax_behavior": true, "pending_invoice_items_behavior": true,
}

// moneyFlags are boolean money parameters: "false" leaves the money
// where it is (auto_advance=false keeps an invoice a draft). Any other
// value, readable or not, counts as on.
var moneyFlags = map[string]bool{
	"auto_advance": true, "invoice_now": true, "prorate": true, "forgive": true, "paid_out_of_band": true,
}

// notMoney are parameter names that hold a money word but set how
// amounts are shown, nothing more.
var notMoney = map[string]bool{"amount_tax_display": true}

// notMoneyUnder are parameter names that hold a money word but, under
// the named parent, choose how a stated amount is paid rather than what
// is owed: payment_method_options[customer_balance] is paying by bank
// transfer, installments[plan] paying the same total in parts.
var notMoneyUnder = map[[2]string]bool{
	{"payment_method_options", "customer_balance"}: true,
	{"installments", "plan"}:                       true,
}

// freeForm are the parameters whose keys are the caller's, not Stripe's:
// metadata[amount] is a label.
var freeForm = map[string]bool{"metadata": true}

// withinAmount are, for each operation whose amount the table reads, the
// top-level parameters that are part of that amount: the amount and its
// currency, and the shares of it that go elsewhere (an application fee
// or a transfer to a connected account is taken out of the charge, not
// added to it). Any other money parameter on these operations holds the
// call (loadTable checks that every table money operation is listed).
var withinAmount = map[string][]string{
	"charges.create":                         {"amount", "currency", "application_fee", "application_fee_amount", "transfer_data", "destination"},
	"coupons.create":                         {"amount_off", "currency"},
	"customers.balance_transactions.create":  {"amount", "currency"},
	"invoiceitems.create":                    {"amount", "currency"},
	"payment_intents.create":                 {"amount", "currency", "application_fee_amount", "transfer_data", "amount_details"},
	"payment_intents.apply_customer_balance": {"amount", "currency"},
	"payouts.create":                         {"amount", "currency"},
	"refunds.create":                         {"amount", "currency", "refund_application_fee"},
	"transfers.create":                       {"amount", "currency"},
}

// moneyKeys returns the parameters of a write that move money or change
// what a customer owes, leaving out the top-level parameters in within.
// A key that is not NAME followed by [KEY] parts is read word by word,
// every part counting (metadata included), since Stripe's reading of it
// cannot be told.
func moneyKeys(params url.Values, within []string) []string {
	var keys []string
	for key, vs := range params {
		parts, ok := keyParts(key)
		if !ok {
			parts = strings.FieldsFunc(key, func(r rune) bool { return !isNameRune(r) })
		}
		if ok && contains(within, parts[0]) {
			continue
		}
		if isMoneyKey(parts, vs, ok) {
			keys = append(keys, key)
		}
	}
	return keys
}

// isMoneyKey reports whether any part of a parameter key is money, up to
// a free-form part (whose sub-keys are the caller's labels) of a
// well-formed key.
func isMoneyKey(parts, values []string, wellFormed bool) bool {
	for i, p := range parts {
		p = strings.ToLower(p)
		switch {
		case freeForm[p] && wellFormed:
			return false
		case notMoney[p], i > 0 && notMoneyUnder[[2]string{strings.ToLower(parts[i-1]), p}]:
			continue
		case moneyFlags[p] && i == len(parts)-1 && len(values) == 1 && values[0] == "false":
			continue
		case moneyNames[p]:
			return true
		}
		for w := range strings.SplitSeq(p, "_") {
			if moneyWords[w] {
				return true
			}
		}
	}
	return false
}

// keyParts splits a form key NAME[A][B]... into NAME, A, B, ...; an empty
// part (items[]) is left out. It reports false for any other shape.
func keyParts(key string) ([]string, bool) {
	name, rest, _ := strings.Cut(key, "[")
	if name == "" || !allName(name) {
		return nil, false
	}
	parts := []string{name}
	if rest == "" && !strings.Contains(key, "[") {
		return parts, true
	}
	rest = "[" + rest
	for rest != "" {
		inner, after, ok := strings.Cut(rest[1:], "]")
		if rest[0] != '[' || !ok || !allName(inner) && inner != "" {
			return nil, false
		}
		if inner != "" {
			parts = append(parts, inner)
		}
		rest = after
	}
	return parts, true
}

func allName(s string) bool {
	for _, r := range s {
		if !isNameRune(r) {
			return false
		}
	}
	return true
}

func isNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.'
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// readAmount are the operations that state an amount and its currency in
// top-level parameters the table does not read, because the operation
// moves money only when the request sets them, with the name of the
// amount: a payment intent update that changes amount or currency
// changes what will be charged, and a new price's unit_amount is what
// each unit of it will cost.
var readAmount = map[string]string{"payment_intents.update": "amount", "prices.create": "unit_amount"}

// statedAmount reads a top-level amount and currency: the amount in minor
// units when both are there once, the amount is digits and the currency
// three letters; else unknown.
func statedAmount(params url.Values, amountName string) (amount int64, currency string, unknown bool) {
	a, c := params[amountName], params["currency"]
	if len(a) != 1 || len(c) != 1 || len(c[0]) != 3 || !allLetters(c[0]) {
		return 0, "", true
	}
	n, ok := parseMinor(a[0])
	if !ok {
		return 0, "", true
	}
	return n, strings.ToUpper(c[0]), false
}

// parseMinor parses a whole, non-negative number of minor units of at
// most 18 digits (so that it fits an int64).
func parseMinor(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
