package pii

import (
	"iter"
	"strings"
)

// nationalIDKind is one kind of national identifier: the written forms in
// which it is found in text, and the issuing rules its compact form (no
// spaces or dashes, upper case) must keep.
type nationalIDKind struct {
	// patterns are the written forms, as for matchPattern.
	patterns []string
	valid    func(compact string) bool
}

// nationalIDs are the national identifiers detected. To recognise another
// kind, add it here: its written forms and its rules.
var nationalIDs = []nationalIDKind{
	// US Social Security number, only in its usual AAA-GG-SSSS form (nine
	// bare digits are too many other things), outside the ranges never
	// issued.
	{[]string{"DDD-DD-DDDD"}, validSSN},
	// UK National Insurance number, compact or spaced in pairs.
	{[]string{"LLDDDDDDL", "LL DD DD DD L"}, validNINO},
}

// validNationalID reports whether compact is a valid national id of any
// kind recognised.
func validNationalID(compact string) bool {
	for _, k := range nationalIDs {
		if k.valid(compact) {
			return true
		}
	}
	return false
}

// findNationalIDs yields the national ids of every kind in s that stand
// alone (not inside a word or a longer number) and keep their rules.
func findNationalIDs(s string) iter.Seq[span] {
	return func(yield func(span) bool) {
		for i := 0; i < len(s); i++ {
			if !isAlnum(s[i]) || !numberStart(s, i) {
				continue
			}
			for _, k := range nationalIDs {
				if end, ok := k.at(s, i); ok {
					if !yield(span{i, end}) {
						return
					}
					i = end - 1
					break
				}
			}
		}
	}
}

// at reports where an id of kind k starting at byte i of s ends, if there
// is one.
func (k nationalIDKind) at(s string, i int) (int, bool) {
	for _, p := range k.patterns {
		if matchPattern(s, i, p) && numberEnd(s, i+len(p)) && k.valid(compact(s[i:i+len(p)])) {
			return i + len(p), true
		}
	}
	return 0, false
}

// validSSN reports whether c is nine digits outside the never-issued
// ranges: area 000, 666 or 900-999, group 00, serial 0000.
func validSSN(c string) bool {
	if !matchPattern(c, 0, "DDDDDDDDD") || len(c) != 9 {
		return false
	}
	area, group, serial := c[:3], c[3:5], c[5:]
	return area != "000" && area != "666" && area[0] != '9' && group != "00" && serial != "0000"
}

// validNINO reports whether c is a National Insurance number: two prefix
// letters as allocated (first not D, F, I, Q, U or V; second not D, F, I,
// O, Q, U or V; not BG, GB, KN, NK, NT, TN or ZZ), six digits and a suffix
// A to D.
func validNINO(c string) bool {
	if len(c) != 9 || !matchPattern(c, 0, "LLDDDDDDL") {
		return false
	}
	switch c[:2] {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return !strings.ContainsRune("DFIQUV", rune(c[0])) && !strings.ContainsRune("DFIOQUV", rune(c[1])) &&
		c[8] >= 'A' && c[8] <= 'D'
}
