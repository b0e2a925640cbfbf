package sqlite

import (
	"context"
	"io/fs"
	"net/url"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/aos-dev/aos"
)

// migrationsBefore returns the real migrations whose names sort before name:
// the schema an older aos left.
func migrationsBefore(t *testing.T, name string) fstest.MapFS {
	t.Helper()
	names, err := migrationNames(migrations)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, n := range names {
		if n < name {
			b, err := fs.ReadFile(migrations, n)
			if err != nil {
				t.Fatal(err)
			}
			fsys[n] = &fstest.MapFile{Data: b}
		}
	}
	return fsys
}

// legacyGrants is the state before agent IDs: agent temp (10) was granted
// crm, removed, and a new temp (11) added and granted crm again; other (12)
// lives on; ghost never existed.
const legacyGrants = `
INSERT INTO principals (id, kind, name, created_at, removed_at) VALUES
	(10, 'agent', 'temp', '2025-01-01T00:00:01.000000000Z', '2025-01-01T00:00:03.000000000Z'),
	(11, 'agent', 'temp', '2025-01-01T00:00:04.000000000Z', NULL),
	(12, 'agent', 'other', '2025-01-01T00:00:01.000000000Z', NULL),
	(13, 'auditor', 'temp', '2025-01-01T00:00:01.000000000Z', NULL);
INSERT INTO connections (id, name, type, created_at) VALUES (1, 'crm', 'http', '2025-01-01T00:00:00.000000000Z');
INSERT INTO grants (id, connection_id, scope, access, grantee, created_at) VALUES
	('g-old', 1, '/', 'write', 'agent:temp', '2025-01-01T00:00:02.000000000Z'),
	('g-new', 1, '/', 'write', 'agent:temp', '2025-01-01T00:00:05.000000000Z'),
	('g-ghost', 1, '/', 'read', 'agent:ghost', '2025-01-01T00:00:02.000000000Z'),
	('g-other', 1, '/', 'read', 'agent:other', '2025-01-01T00:00:02.000000000Z'),
	('g-dept', 1, '/', 'read', 'department:temp', '2025-01-01T00:00:02.000000000Z'),
	('g-company', 1, '/', 'read', '', '2025-01-01T00:00:02.000000000Z');
`

// TestMigrate_AgentIDs checks that migration 0004 binds each existing grant
// to the agent that held its name when it was made, so that a removed
// agent's grant never covers a later agent of the same name.
func TestMigrate_AgentIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aos.db")
	ctx := context.Background()
	db, err := openDB(path, url.Values{"_journal_mode": {"WAL"}, "_txlock": {"immediate"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, db, migrationsBefore(t, "0004")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, legacyGrants); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := map[string]int64{"g-old": 10, "g-new": 11, "g-ghost": 0, "g-other": 12, "g-dept": 0, "g-company": 0}
	newTemp := &aos.Principal{ID: 11, Kind: aos.Agent, Name: "temp"}
	err = s.View(ctx, func(tx aos.Tx) error {
		for id, granteeID := range want {
			g, err := tx.GrantByID(ctx, id)
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
