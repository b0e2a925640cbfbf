package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/postgres"
)

// openReplicas opens n stores on one new schema at once, as replicas
// starting together do: their migrations must not race.
func openReplicas(t *testing.T, n int) []*postgres.Store {
	t.Helper()
	url := newSchema(t)
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), url) })
	}
	wg.Wait()
	for i, s := range stores {
		if s != nil {
			t.Cleanup(func() { s.Close() })
		}
		if errs[i] != nil {
			t.Fatalf("open replica %d: %v", i, errs[i])
		}
	}
	return stores
}

func TestStore_ReplicasShareWrites(t *testing.T) {
	rs := openReplicas(t, 2)
	ctx := t.Context()
	err := rs[0].Update(ctx, func(tx aos.Tx) error { return tx.PutSetting(ctx, "instance", "shared") })
	if err != nil {
		t.Fatal(err)
	}
	err = rs[1].Update(ctx, func(tx aos.Tx) error {
		v, err := tx.Setting(ctx, "instance")
		if err != nil || v != "shared" {
			return fmt.Errorf("replica 1 reads %q, %v; want shared", v, err)
		}
		return tx.PutSetting(ctx, "instance", "changed")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = rs[0].View(ctx, func(tx aos.Tx) error {
		if v, err := tx.Setting(ctx, "instance"); err != nil || v != "changed" {
			return fmt.Errorf("replica 0 reads %q, %v; want changed", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStore_ReplicasSerialiseUpdates appends one entry from each of many
// Updates spread over two replicas, each reading LogSize first: unless
// Updates are serialised across processes, two read the same size and one
// fails or the log has a gap.
func TestStore_ReplicasSerialiseUpdates(t *testing.T) {
	rs := openReplicas(t, 2)
	const writers = 20
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		s := rs[w%len(rs)]
		wg.Go(func() {
			errs <- s.Update(ctx, func(tx aos.Tx) error {
				n, err := tx.LogSize(ctx)
				if err != nil {
					return err
				}
				time.Sleep(time.Millisecond) // widen the window a race would need
				e := aos.StoredEntry{Index: n, Leaf: fmt.Appendf(nil, "writer %d", w)}
				return tx.AppendEntries(ctx, []aos.StoredEntry{e}, 0, nil)
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Update: %v", err)
		}
	}
	for i, s := range rs {
		err := s.View(ctx, func(tx aos.Tx) error {
			if n, err := tx.LogSize(ctx); err != nil || n != writers {
				return fmt.Errorf("LogSize = %d, %v; want %d", n, err, writers)
			}
			es, err := tx.Entries(ctx, 0, writers)
			if err != nil {
				return err
			}
			var leaves []string
			for j, e := range es {
				if e.Index != int64(j) {
					return fmt.Errorf("entry %d has index %d", j, e.Index)
				}
				leaves = append(leaves, string(e.Leaf))
			}
			slices.Sort(leaves)
			if len(es) != writers || len(slices.Compact(leaves)) != writers {
				return fmt.Errorf("%d entries with %d distinct leaves, want %d", len(es), len(leaves), writers)
			}
			return nil
		})
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
}

// TestUpdate_CancelRollsBack checks that an Update whose context ends
// stores nothing, and that the store works afterwards.
func TestUpdate_CancelRollsBack(t *testing.T) {
	s := open(t, newSchema(t))
	defer s.Close()
	ctx, cancel := context.WithCancel(t.Context())
	err := s.Update(ctx, func(tx aos.Tx) error {
		if err := tx.PutSetting(ctx, "k", "v"); err != nil {
			return err
		}
		cancel()
		return tx.PutSetting(ctx, "k2", "v2")
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a cancelled context = %v, want context.Canceled", err)
	}
	err = s.Update(t.Context(), func(tx aos.Tx) error {
		if _, err := tx.Setting(t.Context(), "k"); aos.ErrorCode(err) != aos.ENotFound {
			return fmt.Errorf("Setting(k) after a cancelled Update: %v, want ENotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpen_Reopen checks that every migration is applied once and that the
// data outlives the store.
func TestOpen_Reopen(t *testing.T) {
	url := newSchema(t)
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v, %v", files, err)
	}
	for i := range 3 {
		s := open(t, url)
		ctx := t.Context()
		if i == 0 {
			if err := s.Update(ctx, func(tx aos.Tx) error { return tx.PutSetting(ctx, "instance", "kept") }); err != nil {
				t.Fatal(err)
			}
		}
		err := s.View(ctx, func(tx aos.Tx) error {
			v, err := tx.Setting(ctx, "instance")
			if err != nil || v != "kept" {
				return fmt.Errorf("open %d: setting = %q, %v; want kept", i, v, err)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		s.Close()
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var applied int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(files) {
		t.Errorf("%d migrations applied, want %d", applied, len(files))
	}
}
