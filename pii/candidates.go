package pii

import (
	"slices"
	"strings"
	"unicode"
)

// Bounds on the values looked up as a whole. Every value Learn remembers is
// at least minWhole and at most maxWhole bytes long, so values outside them
// cannot match and are not hashed.
const (
	minWhole = 3
	maxWhole = 256
)

// maxRun is the longest run of words in free text looked up as one value.
const maxRun = 5

// forms returns the normalised forms under which an outbound item is looked
// up: the form Learn would give it, and for values that may be a name, an
// address or an id, both the folded and the exact form, since the key an
// outbound value sits under says nothing about where it was learnt.
func forms(it Item) []string {
	switch it.Category {
	case CategoryEmail:
		return []string{normEmail(it.Value)}
	case CategoryPhone:
		p, ok := normPhone(it.Value)
		if !ok {
			return nil
		}
		return append([]string{p}, phoneVariants(p)...)
	case CategoryPayment, CategoryNationalID:
		return []string{compact(it.Value)}
	}
	v := strings.TrimSpace(it.Value)
	if len(v) < minWhole || len(v) > maxWhole {
		return nil
	}
	if f := foldText(v); f != v && len(f) >= minWhole {
		return []string{v, f}
	}
	return []string{v}
}

// candidates collects distinct forms and their MACs, up to MaxCandidates.
type candidates struct {
	mac  MAC
	seen map[string]bool
	macs [][]byte
}

// add hashes s unless it was seen; it reports false once the collection is
// full.
func (c *candidates) add(s string) bool {
	if len(c.macs) >= MaxCandidates {
		return false
	}
	if s != "" && !c.seen[s] {
		c.seen[s] = true
		c.macs = append(c.macs, c.mac(Purpose, []byte(s)))
	}
	return true
}

// wrapping is what surrounds an id in prose: quotes, brackets, end of
// sentence.
const wrapping = "\"'`()[]{}<>.:!?"

// text adds what may have been learnt inside free text: id-like words, as
// they are and folded, and every run of 2 to maxRun words with a letter,
// folded.
func (c *candidates) text(v string) {
	if len(v) < minWhole {
		return
	}
	for w := range strings.FieldsFuncSeq(v, isWordSeparator) {
		if w = strings.Trim(w, wrapping); distinctiveID(w) {
			if !c.add(w) || !c.add(foldText(w)) {
				return
			}
		}
	}
	ws := words(v)
	if len(ws) < 2 {
		return
	}
	folded := make([]string, len(ws))
	letter := make([]bool, len(ws))
	for i, w := range ws {
		folded[i] = foldWord(w)
		letter[i] = strings.IndexFunc(w, unicode.IsLetter) >= 0
	}
	var b strings.Builder
	for i := range folded {
		if strings.IndexByte(folded[i], '@') >= 0 {
			continue
		}
		b.Reset()
		b.WriteString(folded[i])
		hasLetter := letter[i]
		for j := i + 1; j < len(folded) && j < i+maxRun; j++ {
			if strings.IndexByte(folded[j], '@') >= 0 {
				break // names and street lines hold no email address
			}
			b.WriteByte(' ')
			b.WriteString(folded[j])
			hasLetter = hasLetter || letter[j]
			if b.Len() > maxWhole {
				break
			}
			if hasLetter && !c.add(b.String()) {
				return
			}
		}
	}
}

// set is a small set of names that lists them sorted.
type set []string

func (s *set) add(v string) {
	if !slices.Contains(*s, v) {
		*s = append(*s, v)
	}
}

func (s set) has(v string) bool { return slices.Contains(s, v) }

// sorted returns the names sorted, or nil if there are none.
func (s set) sorted() []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Sorted(slices.Values(s))
}
