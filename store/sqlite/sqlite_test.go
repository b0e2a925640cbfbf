package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/sqlite"
	"github.com/aos-dev/aos/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.TestStore(t, func(t *testing.T) aos.Store {
		return openTemp(t)
	})
}

// openTemp opens a new store in a temporary directory. The caller closes it.
func openTemp(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func putSetting(t *testing.T, s aos.Store, key, value string) {
	t.Helper()
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.PutSetting(t.Context(), key, value) })
	if err != nil {
		t.Fatal(err)
	}
}

func setting(t *testing.T, s aos.Store, key string) string {
	t.Helper()
	var v string
	err := s.View(t.Context(), func(tx aos.Tx) error {
		var err error
		v, err = tx.Setting(t.Context(), key)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func migrationCount(t *testing.T, s *sqlite.Store) (applied, files int) {
	t.Helper()
	if err := s.DB().QueryRow("SELECT count(*) FROM schema_migrations").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	return applied, len(names)
}

func TestOpen_Reopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aos.db")
	for i := range 3 {
		s, err := sqlite.Open(path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if applied, files := migrationCount(t, s); applied != files || files == 0 {
			t.Errorf("open %d: %d migrations applied, want %d", i, applied, files)
		}
		if i == 0 {
			putSetting(t, s, "instance", "kept")
		}
		if got := setting(t, s, "instance"); got != "kept" {
			t.Errorf("open %d: setting = %q, want %q", i, got, "kept")
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpen_Pragmas(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	var mode string
	var sync, fk int
	db := s.DB()
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	// The write connection commits without syncing; Update syncs the
	// write-ahead log itself (Sync).
	if sync != 1 {
		t.Errorf("synchronous = %d, want 1 (NORMAL)", sync)
	}
	if fk != 1 {
		t.Errorf("foreign_keys = %d, want 1", fk)
	}
}

func TestOpen_BadPath(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:aos.db?mode=memory",
		filepath.Join(t.TempDir(), "missing-dir", "aos.db")} {
		if s, err := sqlite.Open(path); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

func TestOpen_PathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?#%", "aos.db")
	if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	putSetting(t, s, "k", "v")
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("store not at %q: %v", path, err)
	}
}

func TestStore_TimeOutOfRange(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	err := s.Update(t.Context(), func(tx aos.Tx) error {
		return tx.CreatePrincipal(t.Context(), &aos.Principal{Kind: aos.Agent, Name: "a",
			CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
	})
	if aos.ErrorCode(err) != aos.EBadRequest {
		t.Errorf("CreatePrincipal(year 10000) = %v, want code %s", err, aos.EBadRequest)
	}
}

func TestStore_ZeroTimeRoundTrips(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := t.Context()
	err := s.Update(ctx, func(tx aos.Tx) error {
		return tx.CreateConnection(ctx, &aos.Connection{Name: "crm", Type: "http"})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx aos.Tx) error {
		c, err := tx.ConnectionByName(ctx, "crm")
		if err != nil {
			return err
		}
		if !c.CreatedAt.IsZero() {
			t.Errorf("CreatedAt = %v, want the zero time", c.CreatedAt)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStore_EvidenceTamperable checks that tests elsewhere can tamper with
// the evidence tables in plain SQL through DB.
func TestStore_EvidenceTamperable(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := t.Context()
	err := s.Update(ctx, func(tx aos.Tx) error {
		return tx.AppendEntries(ctx, []aos.StoredEntry{{Index: 0, Leaf: []byte("leaf")}}, 0, [][32]byte{{1}})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE evidence_entries SET leaf = x'00', payload = 'x' WHERE idx = 0",
		"UPDATE evidence_hashes SET hash = zeroblob(32) WHERE id = 0",
		"INSERT INTO evidence_checkpoints (size, signed) VALUES (1, 'forged')",
		"UPDATE evidence_head SET size = 1",
	} {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	err = s.View(ctx, func(tx aos.Tx) error {
		es, err := tx.Entries(ctx, 0, 1)
		if err != nil {
			return err
		}
		if len(es) != 1 || !bytes.Equal(es[0].Leaf, []byte{0}) || string(es[0].Payload) != "x" {
			t.Errorf("tampered entry reads back as %+v", es)
		}
		hs, err := tx.ReadHashes(ctx, []int64{0})
		if err != nil {
			return err
		}
		if hs[0] != [32]byte{} {
			t.Errorf("tampered hash reads back as %x", hs[0])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "DELETE FROM evidence_hashes WHERE id = 0"); err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx aos.Tx) error {
		_, err := tx.ReadHashes(ctx, []int64{0})
		return err
	})
	if aos.ErrorCode(err) != aos.ENotFound {
		t.Errorf("ReadHashes of a deleted hash = %v, want code %s", err, aos.ENotFound)
	}
}

// An entry already stored past the log head (a head lowered by hand) makes
// AppendEntries fail with EConflict naming it, whichever multi-row insert
// meets it.
func TestStore_AppendOverStoredEntry(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := t.Context()
	entries := func(from, n int) []aos.StoredEntry {
		es := make([]aos.StoredEntry, n)
		for i := range es {
			es[i] = aos.StoredEntry{Index: int64(from + i), Leaf: []byte("leaf")}
		}
		return es
	}
	if err := s.Update(ctx, func(tx aos.Tx) error { return tx.AppendEntries(ctx, entries(0, 70), 0, nil) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "DELETE FROM evidence_entries WHERE idx < 69"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "UPDATE evidence_head SET size = 0"); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(tx aos.Tx) error { return tx.AppendEntries(ctx, entries(0, 100), 0, nil) })
	if aos.ErrorCode(err) != aos.EConflict || !strings.Contains(err.Error(), "entry 69 ") {
		t.Fatalf("AppendEntries over stored entry 69 = %v, want EConflict naming it", err)
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM evidence_entries").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d entries stored after the failed append, want 1", n)
	}
}

func TestOpenReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aos.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	putSetting(t, s, "k", "v")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	ro, err := sqlite.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := setting(t, ro, "k"); got != "v" {
		t.Errorf("setting = %q, want v", got)
	}
	err = ro.Update(t.Context(), func(tx aos.Tx) error { return tx.PutSetting(t.Context(), "k", "changed") })
	if err == nil {
		t.Errorf("Update on a read-only store succeeded")
	}
	if _, err := ro.DB().ExecContext(t.Context(), "UPDATE settings SET value = 'changed'"); err == nil {
		t.Errorf("SQL write through a read-only store's DB succeeded")
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}

	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("OpenReadOnly changed the database file")
	}
}

func TestOpenReadOnly_WhileServing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aos.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	putSetting(t, s, "k", "v1")

	ro, err := sqlite.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got := setting(t, ro, "k"); got != "v1" {
		t.Errorf("setting = %q, want v1", got)
	}
	putSetting(t, s, "k", "v2")
	if got := setting(t, ro, "k"); got != "v2" {
		t.Errorf("setting after a write = %q, want v2", got)
	}
}

func TestOpenReadOnly_Missing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aos.db")
	_, err := sqlite.OpenReadOnly(path)
	if aos.ErrorCode(err) != aos.ENotFound {
		t.Errorf("OpenReadOnly(missing) = %v, want code %s", err, aos.ENotFound)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenReadOnly created %s (stat: %v)", path, err)
	}
}

func TestOpenReadOnly_NotAStore(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(junk, bytes.Repeat([]byte("not sqlite "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{empty, junk, dir} {
		if s, err := sqlite.OpenReadOnly(path); err == nil {
			s.Close()
			t.Errorf("OpenReadOnly(%s) succeeded, want an error", filepath.Base(path))
		}
	}
}

func TestUpdate_CanceledContext(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.Update(ctx, func(tx aos.Tx) error { return tx.PutSetting(ctx, "k", "v") })
	if err == nil {
		t.Fatal("Update with a canceled context succeeded")
	}
	err = s.View(t.Context(), func(tx aos.Tx) error {
		_, err := tx.Setting(t.Context(), "k")
		return err
	})
	if aos.ErrorCode(err) != aos.ENotFound {
		t.Errorf("Setting after a canceled Update = %v, want code %s", err, aos.ENotFound)
	}
}

func TestOpen_FileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aos.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.PutSetting(t.Context(), "k", "v") }); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
}
