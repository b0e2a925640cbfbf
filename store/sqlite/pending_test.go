package sqlite_test

import (
	"strings"
	"testing"

	"github.com/aos-dev/aos/store/sqlite"
)

// TestPendingApproval_UsesIndex checks that a hold's lookups of pending
// approvals search an index rather than scan the approvals (and their
// sealed requests): the digest lookup the partial index of 0005, the count
// any index that covers it, without reading a row.
func TestPendingApproval_UsesIndex(t *testing.T) {
	s := openTemp(t)
	for _, tt := range []struct {
		name  string
		query string
		args  []any
		want  string
	}{
		{"by digest", sqlite.PendingByDigest, []any{int64(7), "digest", "call"}, "USING INDEX approvals_pending_requester"},
		{"count of a requester", sqlite.CountPendingOfRequester, []any{int64(7)}, "SEARCH approvals USING COVERING INDEX"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := s.DB().QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+tt.query, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(plan, "; "); !strings.Contains(got, tt.want) {
				t.Errorf("plan = %q, want %q", got, tt.want)
			}
		})
	}
}
