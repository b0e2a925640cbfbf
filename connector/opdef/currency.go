package opdef

// maxExponent is the largest exponent in minorUnits.
const maxExponent = 3

// minorUnits is the exponent of each currency whose minor unit is not a
// hundredth of its major unit: 0 for yen, 3 for dinars. Every other
// currency has two decimals. It must agree with the table the policy
// converts amounts back with (policy.ToUSD), or an amount read in major
// units would be counted at the wrong scale; a test checks that it does.
var minorUnits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "MGA": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3,
}

// exponent returns the number of decimals of a currency (upper case).
func exponent(currency string) int {
	if e, ok := minorUnits[currency]; ok {
		return e
	}
	return 2
}
