package policy

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/aos-dev/aos"
)

// holds returns the approval points a call that grants allow must stop at,
// in the order of docs/design.md §1, with a reason for each.
func holds(in Input) ([]aos.ApprovalPoint, []string) {
	var points []aos.ApprovalPoint
	var reasons []string
	add := func(p aos.ApprovalPoint, format string, args ...any) {
		if len(points) == 0 || points[len(points)-1] != p {
			points = append(points, p)
		}
		reasons = append(reasons, string(p)+": "+fmt.Sprintf(format, args...))
	}
	f, caps := in.Facts, in.Caps

	if f.AmountUnknown {
		if f.AmountUnknownReason != "" {
			add(aos.PointMoney, "the operation moves money but its amount could not be read: %s", f.AmountUnknownReason)
		} else {
			add(aos.PointMoney, "the operation moves money but its amount could not be read")
		}
	} else if f.Amount > 0 {
		usd, ok := ToUSD(f.Amount, f.Currency, caps.Rates)
		switch {
		case !ok:
			add(aos.PointMoney, "%s: %s has no configured rate; amounts in it are held, never guessed",
				aos.FormatMoney(f.Amount, f.Currency), currencyName(f.Currency))
		case usd > caps.PerMove:
			add(aos.PointMoney, "%s is over the per-move cap of %s", moneyAndUSD(f, usd), FormatUSD(caps.PerMove))
		case in.SpentThisWeek+usd > caps.PerWeek:
			add(aos.PointMoney, "%s would bring the rolling 7-day total to %s, over the cap of %s",
				moneyAndUSD(f, usd), FormatUSD(in.SpentThisWeek+usd), FormatUSD(caps.PerWeek))
		}
	}

	if f.Public {
		add(aos.PointPublicClaim, "the operation publishes under the company's name")
	}
	switch {
	case caps.RecipientLimit <= 0 || f.Recipients <= caps.RecipientLimit:
	case f.Recipients == math.MaxInt:
		add(aos.PointPublicClaim, "the number of recipients could not be read")
	default:
		add(aos.PointPublicClaim, "%d recipients is more than %d", f.Recipients, caps.RecipientLimit)
	}

	switch {
	case f.Export:
		add(aos.PointCustomerData, "the operation exports data")
	case f.Share:
		add(aos.PointCustomerData, "the operation shares data outside the boundary")
	case f.TrainingOptIn:
		add(aos.PointCustomerData, "the operation opts data into training")
	}
	if len(f.CustomerData) > 0 && !f.Internal {
		add(aos.PointCustomerData, "the payload carries customer data (%s) from %s",
			strings.Join(f.CustomerData, ", "), strings.Join(f.CustomerSources, ", "))
	}
	if len(f.Sensitive) > 0 {
		add(aos.PointCustomerData, "the payload carries %s", strings.Join(f.Sensitive, ", "))
	}
	if f.Unscanned {
		add(aos.PointCustomerData, "the payload is too large to scan for customer data")
	}
	if caps.Strict && len(f.Personal) > 0 {
		add(aos.PointCustomerData, "the payload carries personal data (%s) and strict mode is on", strings.Join(f.Personal, ", "))
	}

	if f.Production {
		add(aos.PointProduction, "the operation changes production")
	}
	return points, reasons
}

// moneyAndUSD writes a call's amount, and what it counts as in US dollars
// when it is in another currency: "€1,500.00 EUR ($1,620.00 USD)".
func moneyAndUSD(f aos.Facts, usd int64) string {
	s := aos.FormatMoney(f.Amount, f.Currency)
	if !strings.EqualFold(f.Currency, "USD") {
		s += " (" + FormatUSD(usd) + ")"
	}
	return s
}

func currencyName(c string) string {
	if c == "" {
		return "an amount without a currency"
	}
	return strings.ToUpper(c)
}

// MaxMinorUnits is the largest exponent MinorUnits returns.
const MaxMinorUnits = aos.MaxMinorUnits

// MinorUnits returns the number of decimals of a currency's minor unit
// (ISO 4217): 0 for yen, 3 for dinars, else 2: aos.MinorUnits, the one
// table that connectors reading amounts in major units, the caps and
// the formatting share.
func MinorUnits(currency string) int { return aos.MinorUnits(currency) }

// ToUSD converts an amount in a currency's minor unit to US cents, rounding
// up so a cap is never undercounted. It reports false for a currency other
// than USD without a valid rate.
func ToUSD(amount int64, currency string, rates map[string]string) (int64, bool) {
	cur := strings.ToUpper(currency)
	if cur == "USD" {
		return amount, true
	}
	rate, ok := new(big.Rat).SetString(rates[cur])
	if !ok || rates[cur] == "" || rate.Sign() <= 0 {
		return 0, false
	}
	exp := MinorUnits(cur)
	// cents = amount / 10^exp * rate * 100
	v := new(big.Rat).SetInt64(amount)
	v.Mul(v, rate)
	v.Mul(v, big.NewRat(100, 1))
	v.Quo(v, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)))
	q, r := new(big.Int).QuoRem(v.Num(), v.Denom(), new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

// FormatUSD formats US cents in major units with the currency:
// "$1,234.56 USD" (aos.FormatMoney).
func FormatUSD(cents int64) string { return aos.FormatMoney(cents, "USD") }
