package opdef

import "github.com/aos-dev/aos/policy"

// maxExponent is the largest number of decimals a currency has.
const maxExponent = policy.MaxMinorUnits

// exponent returns the number of decimals of a currency (upper case): the
// policy's table, so that an amount read in major units is counted by the
// caps at the scale it was read.
func exponent(currency string) int { return policy.MinorUnits(currency) }
