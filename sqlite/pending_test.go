package sqlite_test

import (
	"strings"
	"testing"

	"github.com/aos-dev/aos/sqlite"
)

// TestPendingApproval_UsesIndex checks that a hold's lookups of pending
// approvals are answered from the partial index, not by scanning the
// approvals (and their sealed requests).
func TestPendingApproval_UsesIndex(t *testing.T) {
	s := openTemp(t)
	for _, tt := range []struct {
		name  string
		query string
		args  []any
	}{
		{"by digest", sqlite.PendingByDigest, []any{int64(7), "digest", "call"}},
		{"count of a requester", sqlite.CountPendingOfRequester, []any{int64(7)}},
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
			if got := strings.Join(plan, "; "); !strings.Contains(got, "USING INDEX approvals_pending_requester") &&
				!strings.Contains(got, "USING COVERING INDEX approvals_pending_requester") {
				t.Errorf("plan = %q, want a search of approvals_pending_requester", got)
			}
		})
	}
}
