package owner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aos-dev/aos"
)

// breadthWarning tells the owner, in one sentence, what a credential
// reaches beyond the grants that use it, such as "the credential is a
// secret key that reaches the whole account and can write; the grant
// covers refunds only, read-only". It is "" when the grants cover it all.
func breadthWarning(info *aos.CredentialInfo, e aos.CredentialExcess, grants []*aos.Grant) string {
	if info == nil || !e.Broader() {
		return ""
	}
	var reach []string
	switch {
	case e.AccountWide:
		reach = append(reach, "reaches the whole account")
	case len(e.Resources) > 0:
		reach = append(reach, "also reaches "+listOf(e.Resources))
	}
	if e.Write {
		reach = append(reach, "can write")
	}
	subject := "the credential"
	if info.Kind != "" {
		subject = fmt.Sprintf("the credential is %s %s that", article(info.Kind), info.Kind)
	}
	return subject + " " + strings.Join(reach, " and ") + "; " + grantsPhrase(grants, e.Write)
}

// grantsPhrase says what grants cover, and that they are read-only when
// readOnly.
func grantsPhrase(grants []*aos.Grant, readOnly bool) string {
	if len(grants) == 0 {
		return "no active grant uses it"
	}
	var scopes []string
	wide := false
	for _, g := range grants {
		wide = wide || g.Scope == "*"
		if !slices.Contains(scopes, g.Scope) {
			scopes = append(scopes, g.Scope)
		}
	}
	phrase := "the grant covers "
	if len(grants) > 1 {
		phrase = "the grants cover "
	}
	if wide {
		phrase += "the whole account"
	} else {
		phrase += listOf(scopes) + " only"
	}
	if readOnly {
		phrase += ", read-only"
	}
	return phrase
}

// listShown is how many items listOf names before counting the rest.
const listShown = 3

// listOf joins items for a sentence: "a, b and c", "a, b, c and 4 more".
func listOf(items []string) string {
	switch n := len(items); {
	case n == 0:
		return ""
	case n == 1:
		return items[0]
	case n <= listShown:
		return strings.Join(items[:n-1], ", ") + " and " + items[n-1]
	default:
		return strings.Join(items[:listShown], ", ") + fmt.Sprintf(" and %d more", n-listShown)
	}
}

func article(word string) string {
	if strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}
