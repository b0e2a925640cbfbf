package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/spf13/cobra"
)

// usdFlag parses dollars ("1000", "1,000.50", "$250") into cents.
func parseUSD(s string) (int64, error) {
	s = strings.NewReplacer("$", "", ",", "", "_", "").Replace(strings.TrimSpace(s))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || f > 1e13 {
		return 0, usagef("%q is not an amount in dollars", s)
	}
	return int64(math.Round(f * 100)), nil
}

func init() { register(newCapsCmd) }

func newCapsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "caps",
		Short: "Show or change the money caps, exchange rates, recipient limit and strict PII mode",
		Long: `Show the caps; with flags, change them first. Caps are in US dollars (major
units); amounts in requests and operation files are in the currency's minor
units (cents).`,
		Example: `  aos caps
  aos caps --per-move 2500 --per-week 20000 --rate EUR=1.08 --strict on
  aos caps --rate EUR=          # remove a rate`,
		Args: noArgs,
	}
	fs := cmd.Flags()
	perMove := fs.String("per-move", "", "cap per money move, in USD")
	perWeek := fs.String("per-week", "", "cap per rolling 7 days, in USD")
	recipients := fs.Int("recipient-limit", -1, "a send to more recipients is a public claim")
	strict := fs.String("strict", "", "on|off: hold personal data never seen from a system of record")
	rates := fs.StringArray("rate", nil, "CUR=USD_PER_UNIT, such as EUR=1.08 (repeatable; CUR= removes)")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var caps aos.Caps
		if err := c.do(ctx, "GET", "/v1/owner/caps", nil, &caps); err != nil {
			return err
		}
		changed := false
		if *perMove != "" {
			if caps.PerMove, err = parseUSD(*perMove); err != nil {
				return err
			}
			changed = true
		}
		if *perWeek != "" {
			if caps.PerWeek, err = parseUSD(*perWeek); err != nil {
				return err
			}
			changed = true
		}
		if *recipients >= 0 {
			caps.RecipientLimit, changed = *recipients, true
		}
		switch *strict {
		case "":
		case "on", "true":
			caps.Strict, changed = true, true
		case "off", "false":
			caps.Strict, changed = false, true
		default:
			return usagef("--strict takes on or off")
		}
		for _, r := range *rates {
			cur, v, ok := strings.Cut(r, "=")
			if !ok {
				return usagef("--rate takes CUR=RATE, such as EUR=1.08")
			}
			if caps.Rates == nil {
				caps.Rates = map[string]string{}
			}
			if v == "" {
				delete(caps.Rates, strings.ToUpper(cur))
			} else {
				caps.Rates[strings.ToUpper(cur)] = v
			}
			changed = true
		}
		if changed {
			if err := c.do(ctx, "PUT", "/v1/owner/caps", caps, &caps); err != nil {
				return err
			}
		}
		if *asJSON {
			return printJSON(e.stdout, caps)
		}
		fmt.Fprintf(e.stdout, "per move:         %s\n", aos.FormatUSD(caps.PerMove))
		fmt.Fprintf(e.stdout, "per rolling week: %s\n", aos.FormatUSD(caps.PerWeek))
		fmt.Fprintf(e.stdout, "recipient limit:  %d\n", caps.RecipientLimit)
		fmt.Fprintf(e.stdout, "strict PII:       %v\n", caps.Strict)
		for cur, r := range caps.Rates {
			fmt.Fprintf(e.stdout, "rate:             1 %s = %s USD\n", cur, r)
		}
		return nil
	}
	return cmd
}
