package policy

import (
	"fmt"
	"math"
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
		usd, ok := aos.ToUSD(f.Amount, f.Currency, caps.Rates)
		switch {
		case !ok:
			add(aos.PointMoney, "%s: %s has no configured rate; amounts in it are held, never guessed",
				aos.FormatMoney(f.Amount, f.Currency), currencyName(f.Currency))
		case usd > caps.PerMove:
			add(aos.PointMoney, "%s is over the per-move cap of %s", moneyAndUSD(f, usd), aos.FormatUSD(caps.PerMove))
		case in.SpentThisWeek+usd > caps.PerWeek:
			add(aos.PointMoney, "%s would bring the rolling 7-day total to %s, over the cap of %s",
				moneyAndUSD(f, usd), aos.FormatUSD(in.SpentThisWeek+usd), aos.FormatUSD(caps.PerWeek))
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
		s += " (" + aos.FormatUSD(usd) + ")"
	}
	return s
}

func currencyName(c string) string {
	if c == "" {
		return "an amount without a currency"
	}
	return strings.ToUpper(c)
}
