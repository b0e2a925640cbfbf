package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/pii"
)

// A bulk read is decided by what its result carries, not by the shape of
// the statement: on a connection that holds customer data, the rows a
// query (or a write's RETURNING) produced are counted with the pii
// package's extraction and detectors, inside the call's transaction and
// before anything reaches the agent. A result that carries more than
// BulkRows customers (see customers) is not returned: the transaction
// rolls back and the call is decided again as an export, with the counted
// facts (categories, count) in its customer-data facts, so the gateway
// holds it at customer-data. When the owner approves, the statement runs
// again, and its answer is returned (sealed into the approval) only if it
// carries no more customers than the owner saw counted; otherwise nothing
// is returned and the approval fails as stale. Running again, rather than
// sealing the first result away at hold time, keeps the approval machinery
// as it is for every connector and keeps customer data out of the store
// while nobody has approved it; the count check means the agent receives
// at most what the owner approved.

// scanChunk is how much of a result is handed to pii.Extract at once,
// under pii.MaxBytes so that nothing is cut off.
const scanChunk = pii.MaxBytes / 2

// customerCount is what a result carries: the number of distinct
// customers, and the categories of customer data seen.
type customerCount struct {
	customers  int
	categories []string
}

// countCustomers counts the customers in a result: for each category of
// customer data (email, phone, name, address, payment data, national id;
// record ids alone are not counted), the distinct values in the result,
// and the customers are the largest of those counts. One row per customer
// and one row holding every address (string_agg) count the same.
func countCustomers(columns []column, rows []json.RawMessage) customerCount {
	distinct := map[string]map[string]bool{}
	scan := func(body []byte) {
		for _, it := range pii.Extract("application/json", body) {
			cat := it.Category
			if it.Detector != "" {
				cat = it.Detector
			}
			if cat == "" || cat == pii.CategoryRecordID {
				continue
			}
			if distinct[cat] == nil {
				distinct[cat] = map[string]bool{}
			}
			distinct[cat][strings.ToLower(strings.TrimSpace(it.Value))] = true
		}
	}
	keys := make([][]byte, len(columns))
	for i, c := range columns {
		keys[i], _ = json.Marshal(c.Name)
	}
	var b bytes.Buffer
	flush := func() {
		if b.Len() > 1 {
			b.WriteByte(']')
			scan(b.Bytes())
		}
		b.Reset()
		b.WriteByte('[')
	}
	flush()
	for _, row := range rows {
		var vals []json.RawMessage
		if json.Unmarshal(row, &vals) != nil {
			continue
		}
		obj := objectRow(keys, vals)
		if len(obj) > scanChunk {
			// One row larger than a chunk: read it as text on its own,
			// cut into chunks, so nothing goes uncounted.
			flush()
			for len(obj) > 0 {
				n := min(len(obj), scanChunk)
				scan(obj[:n])
				obj = obj[n:]
			}
			continue
		}
		if b.Len()+len(obj)+2 > scanChunk {
			flush()
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.Write(obj)
	}
	flush()
	var n customerCount
	for cat, vals := range distinct {
		n.categories = append(n.categories, cat)
		n.customers = max(n.customers, len(vals))
	}
	sort.Strings(n.categories)
	return n
}

// objectRow writes one row as a JSON object keyed by column name, so the
// extraction reads each value under its column's name ("email", "phone").
func objectRow(keys [][]byte, vals []json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, v := range vals {
		if i >= len(keys) {
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(keys[i])
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// approvedCustomers is the count of customers the call was decided on, as
// a previous count put it in the facts, and whether there is one.
func approvedCustomers(call *connector.Call, conn string) (int, bool) {
	if call == nil || !call.Facts.Export {
		return 0, false
	}
	for _, fl := range call.Facts.Flows {
		if fl.Source == conn {
			return fl.Count, true
		}
	}
	return 0, false
}

// checkBulk decides on a result before it is returned (and before a
// write commits). A call not decided as an export may carry at most
// BulkRows customers, and at most the calling agent's allowance when the
// gateway gave one (connector.WithCustomerAllowance: what is left of
// BulkRows after what the agent received recently, so that paging
// through a table is held like reading it at once); one decided on a
// count may carry at most that count; an export decided otherwise
// (copy_out) is not limited here. It notes the count in res.
func (x *execution) checkBulk(ctx context.Context, res *result) error {
	if !x.countCustomers || res == nil {
		return nil
	}
	limit, counted := approvedCustomers(x.call, x.connName)
	if x.call != nil && x.call.Facts.Export && !counted {
		return nil
	}
	allowance, limited := connector.CustomerAllowance(ctx)
	if !counted {
		limit = BulkRows
		if limited && allowance < int64(limit) {
			limit = int(allowance)
		}
	}
	n := countCustomers(res.columns, res.rows)
	res.customers = n.customers
	if n.customers <= limit {
		return nil
	}
	if counted {
		return &connector.Redecide{Reason: fmt.Sprintf(
			"the result now carries %d customers, more than the %d the call was approved for", n.customers, limit)}
	}
	reason := fmt.Sprintf("the result carries %d customers (%s), more than %d: it is held as an export",
		n.customers, strings.Join(n.categories, ", "), BulkRows)
	if limit < BulkRows {
		reason = fmt.Sprintf("the result carries %d customers (%s); with the %d this agent received from %s in the last %s that is more than %d: it is held as an export",
			n.customers, strings.Join(n.categories, ", "), BulkRows-limit, x.connName, connector.CustomerWindow, BulkRows)
	}
	if x.call == nil {
		return aos.Errorf(aos.EOutOfScope, "%s", reason)
	}
	corrected := *x.call
	f := &corrected.Facts
	f.Export = true
	f.CustomerData = union(f.CustomerData, n.categories)
	f.CustomerSources = union(f.CustomerSources, []string{x.connName})
	f.Flows = append(append([]aos.FlowFact(nil), f.Flows...),
		aos.FlowFact{Source: x.connName, Categories: n.categories, Count: n.customers})
	return &connector.Redecide{Call: &corrected, Reason: reason}
}

// union returns the sorted union of two lists of names.
func union(a, b []string) []string {
	set := map[string]bool{}
	for _, s := range append(append([]string(nil), a...), b...) {
		set[s] = true
	}
	return keys(set)
}
