package opdef

import "github.com/aos-dev/aos"

// maxExponent is the largest number of decimals a currency has.
const maxExponent = aos.MaxMinorUnits

// exponent returns the number of decimals of a currency (upper case):
// aos.MinorUnits, the one table of minor units, which the caps and every
// amount people read use too, so that an amount read in major units is
// counted at the scale it was read.
func exponent(currency string) int { return aos.MinorUnits(currency) }
