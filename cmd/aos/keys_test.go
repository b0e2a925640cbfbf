package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos/owner"
)

// TestStatus_overdue: `aos status` names the keys due for rotation, as
// the server's status reports them, and says nothing when none is.
func TestStatus_overdue(t *testing.T) {
	due := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		overdue []owner.OverdueKey
		want    []string
	}{
		{"none", nil, nil},
		{"one", []owner.OverdueKey{{Connection: "crm", Version: 3, DueAt: due}},
			[]string{"keys overdue: 1", "crm version 3, due 2026-03-02T09:00:00Z: run `aos keys rotate crm`"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v1/owner/status" {
					http.NotFound(w, r)
					return
				}
				json.NewEncoder(w).Encode(owner.Status{Connections: 1, Connected: 1, Overdue: c.overdue})
			}))
			defer srv.Close()
			t.Setenv("AOS_TOKEN", "aos_owner_test")
			t.Setenv("AOS_HOME", t.TempDir())
			var out, errOut bytes.Buffer
			if code := Main(context.Background(), []string{"status", "--server", srv.URL}, strings.NewReader(""), &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if len(c.want) == 0 && strings.Contains(out.String(), "overdue") {
				t.Errorf("status shows overdue keys:\n%s", out.String())
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("status lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
