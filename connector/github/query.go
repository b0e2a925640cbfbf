package github

import (
	"slices"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/opdef"
)

// checkWriteQuery refuses a query parameter on a write that GitHub's
// description does not declare for the operation (writequery.go, made by
// the generator with the tables). GitHub ignores what it does not know,
// and what it ignores today it may read tomorrow, so nothing the policy
// did not see a meaning for goes upstream on a write; reads keep their
// queries (paging, filters), which change nothing. The message names the
// parameter (cut short) and what the operation takes.
func checkWriteQuery(d *opdef.Def, rawQuery string) error {
	if rawQuery == "" || d.Operation().Access != aos.Write {
		return nil
	}
	q, err := connector.ParseQuery(rawQuery, connector.MaxQuery)
	if err != nil {
		return err
	}
	declared := writeQuery[d.Name()]
	for name := range q {
		if slices.Contains(declared, name) {
			continue
		}
		takes := "no query parameters; a write carries its input in its body"
		if len(declared) > 0 {
			takes = "only the query parameters " + strings.Join(declared, ", ")
		}
		return connector.BadRequest("query parameter %.64q is not one GitHub declares for %s, which takes %s", name, d.Name(), takes)
	}
	return nil
}
