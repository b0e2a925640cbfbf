package pii

import "strings"

// subjectCategories are the categories a subject is tried as, in order.
var subjectCategories = []string{CategoryEmail, CategoryPhone, CategoryName, CategoryAddress,
	CategoryRecordID, CategoryPayment, CategoryNationalID}

// Subject returns the MACs under which Learn would have remembered subject,
// a value a person asks about ("alice@example.com", "+1 415 555 0100", a
// record id): subject is tried as every category whose rule it keeps, with
// the normalisation Learn uses, a North American phone number under both
// its spellings. It returns nil when subject keeps no category's rule:
// nothing like it is ever learnt, so nothing can be followed.
func Subject(mac MAC, subject string) [][]byte {
	v := strings.TrimSpace(visible(subject))
	seen := make(map[string]bool)
	var macs [][]byte
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			macs = append(macs, mac(Purpose, []byte(s)))
		}
	}
	for _, c := range subjectCategories {
		s, ok := learnable(Item{Value: v, Category: c})
		if !ok {
			continue
		}
		add(s)
		if c == CategoryPhone {
			for _, p := range phoneVariants(s) {
				add(p)
			}
		}
	}
	return macs
}
