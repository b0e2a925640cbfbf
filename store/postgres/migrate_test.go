package postgres_test

import (
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/postgres"
)

// legacyGrants is the state before agent IDs: agent temp (10) was granted
// crm, removed, and a new temp (11) added and granted crm again; other (12)
// lives on; ghost never existed.
const legacyGrants = `
INSERT INTO principals (id, kind, name, created_at, removed_at) OVERRIDING SYSTEM VALUE VALUES
	(10, 'agent', 'temp', '2025-01-01T00:00:01Z', '2025-01-01T00:00:03Z'),
	(11, 'agent', 'temp', '2025-01-01T00:00:04Z', NULL),
	(12, 'agent', 'other', '2025-01-01T00:00:01Z', NULL),
	(13, 'auditor', 'temp', '2025-01-01T00:00:01Z', NULL);
INSERT INTO connections (id, name, type, created_at) OVERRIDING SYSTEM VALUE
	VALUES (1, 'crm', 'http', '2025-01-01T00:00:00Z');
INSERT INTO grants (id, connection_id, scope, access, grantee, created_at) VALUES
	('g-old', 1, '/', 'write', 'agent:temp', '2025-01-01T00:00:02Z'),
	('g-new', 1, '/', 'write', 'agent:temp', '2025-01-01T00:00:05Z'),
	('g-ghost', 1, '/', 'read', 'agent:ghost', '2025-01-01T00:00:02Z'),
	('g-other', 1, '/', 'read', 'agent:other', '2025-01-01T00:00:02Z'),
	('g-dept', 1, '/', 'read', 'department:temp', '2025-01-01T00:00:02Z'),
	('g-company', 1, '/', 'read', '', '2025-01-01T00:00:02Z');
`

// TestMigrate_AgentIDs checks that migration 0004 binds each existing grant
// to the agent that held its name when it was made, so that a removed
// agent's grant never covers a later agent of the same name.
func TestMigrate_AgentIDs(t *testing.T) {
	url := newSchema(t)
	if err := postgres.MigrateBefore(t.Context(), url, "0004"); err != nil {
		t.Fatal(err)
	}
	if err := adminExec(url, legacyGrants); err != nil {
		t.Fatal(err)
	}
	s := open(t, url)
	defer s.Close()
	want := map[string]int64{"g-old": 10, "g-new": 11, "g-ghost": 0, "g-other": 12, "g-dept": 0, "g-company": 0}
	newTemp := &aos.Principal{ID: 11, Kind: aos.Agent, Name: "temp"}
	err := s.View(t.Context(), func(tx aos.Tx) error {
		for id, granteeID := range want {
			g, err := tx.GrantByID(t.Context(), id)
			if err != nil {
				return err
			}
			if g.GranteeID != granteeID {
				t.Errorf("grant %s: GranteeID %d, want %d", id, g.GranteeID, granteeID)
			}
			if g.RevokedAt != nil {
				t.Errorf("grant %s was revoked by the migration", id)
			}
			// Only its own grant and the company's cover the new temp.
			if applies, wantApplies := g.AppliesTo(newTemp), id == "g-new" || id == "g-company"; applies != wantApplies {
				t.Errorf("grant %s applies to the new temp: %v, want %v", id, applies, wantApplies)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
