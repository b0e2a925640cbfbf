package postgres

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
	"github.com/jackc/pgx/v5/pgconn"
)

// countingPools returns pools whose dials are counted.
func countingPools(max int, idle time.Duration) (*pools, *atomic.Int32) {
	ps := newPools(max, idle)
	var dials atomic.Int32
	ps.dial = func(ctx context.Context, cfg *pgconn.Config) (*pgconn.PgConn, error) {
		dials.Add(1)
		return pgconn.ConnectConfig(ctx, cfg)
	}
	return ps, &dials
}

func TestPools_Reuse(t *testing.T) {
	f := database(t)
	ps, dials := countingPools(2, time.Minute)
	k := &Connector{pools: ps}
	t.Cleanup(k.Close)
	c := f.conn(1, "shop", false)
	for range 5 {
		if _, _, err := call(t, k, c, "query", "SELECT 1"); err != nil {
			t.Fatal(err)
		}
	}
	if n := dials.Load(); n != 1 {
		t.Fatalf("5 sequential calls dialled %d sessions, want 1", n)
	}
	if p, idle := ps.size(); p != 1 || idle != 1 {
		t.Fatalf("pools %d, idle %d", p, idle)
	}
}

func TestPools_Bounded(t *testing.T) {
	f := database(t)
	ps, dials := countingPools(2, time.Minute)
	k := &Connector{pools: ps}
	t.Cleanup(k.Close)
	c := f.conn(1, "shop", false)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			if _, _, err := callWhole(t, k, c, "query", "SELECT pg_sleep(0.05)"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := dials.Load(); n > 2 {
		t.Fatalf("8 concurrent calls dialled %d sessions, more than the pool's 2", n)
	}
}

func TestPools_Rotation(t *testing.T) {
	f := database(t)
	ps, dials := countingPools(2, time.Minute)
	k := &Connector{pools: ps}
	t.Cleanup(k.Close)
	c := f.conn(1, "shop", false)
	if _, _, err := call(t, k, c, "query", "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	// A new credential version (trust auth accepts any password).
	rotated := vault.NewSecret([]byte(f.role + ":" + randomName("pw-")))
	cl, err := k.FromCall(c, "query", []byte(`{"sql": "SELECT 1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Do(context.Background(), c, rotated, cl); err != nil {
		t.Fatal(err)
	}
	if n := dials.Load(); n != 2 {
		t.Fatalf("dials = %d, want a new session for the new credential", n)
	}
	if p, idle := ps.size(); p != 1 || idle != 1 {
		t.Fatalf("pools %d, idle %d: the old credential's pool was not retired", p, idle)
	}
}

func TestPools_Idle(t *testing.T) {
	f := database(t)
	ps, _ := countingPools(2, 50*time.Millisecond)
	k := &Connector{pools: ps}
	t.Cleanup(k.Close)
	if _, _, err := call(t, k, f.conn(1, "shop", false), "query", "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		p, idle := ps.size()
		if p == 0 && idle == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after idling: pools %d, idle sessions %d", p, idle)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPools_SessionReset checks that nothing a call leaves in its session
// reaches the next call: settings, temporary tables and locks are reset.
func TestPools_SessionReset(t *testing.T) {
	f := database(t)
	ps, dials := countingPools(1, time.Minute)
	k := &Connector{pools: ps}
	t.Cleanup(k.Close)
	c := f.conn(1, "shop", false)
	name := randomName("tmp_")
	if _, _, err := call(t, k, c, "execute", "CREATE TEMP TABLE "+name+" (id int)"); err != nil {
		t.Fatal(err)
	}
	d, _, err := callWhole(t, k, c, "query", "SELECT (to_regclass('pg_temp."+name+"') IS NULL)")
	if err != nil || marshal(d.Rows) != `[[true]]` {
		t.Fatalf("the temporary table survived the call: %+v, %v", d, err)
	}
	if dials.Load() != 1 {
		t.Fatalf("dials = %d, want the one session reused", dials.Load())
	}
}

func TestConnector_Inspect(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	info, err := k.Inspect(context.Background(), f.conn(1, "shop", false), f.secret())
	if err != nil {
		t.Fatal(err)
	}
	if info.Kind != "PostgreSQL role" || info.AccountWide || !info.CanWrite || info.Scopes[0] != "role:"+f.role {
		t.Fatalf("info = %+v", info)
	}
	for _, want := range []string{f.db + "/public", f.db + "/sales"} {
		if !slices.Contains(info.Resources, want) {
			t.Errorf("resources %v lack %s", info.Resources, want)
		}
	}
	if slices.Contains(info.Resources, f.db+"/reports") {
		t.Errorf("resources %v list a schema without readable tables", info.Resources)
	}

	t.Run("superuser", func(t *testing.T) {
		admin, _ := pgconn.ParseConfig(adminURL())
		info, err := k.Inspect(context.Background(), f.conn(2, "admin", false), vault.NewSecret([]byte(admin.User+":x-unused")))
		if err != nil {
			t.Fatal(err)
		}
		if info.Kind != "PostgreSQL superuser" || !info.AccountWide || !info.CanWrite {
			t.Fatalf("info = %+v", info)
		}
	})
	t.Run("bad credential", func(t *testing.T) {
		_, err := k.Inspect(context.Background(), f.conn(3, "x", false), vault.NewSecret([]byte("nopassword")))
		if aos.ErrorCode(err) != aos.EBadRequest {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestDo_SearchPath(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	c := f.conn(1, "sales", false)
	c.BaseURL = "postgres://" + f.host + "/" + f.db + "?sslmode=disable&search_path=sales"
	d, cl, err := call(t, k, c, "query", "SELECT note FROM leads WHERE id = 1")
	if err != nil || cl.Resource != f.db+"/sales/leads" || marshal(d.Rows) != `[["warm"]]` {
		t.Fatalf("%+v, %+v, %v", d, cl, err)
	}
	// orders is in public, not in the connection's schema: it does not
	// resolve, rather than reaching public.orders under another name.
	_, _, err = call(t, k, c, "query", "SELECT * FROM orders")
	if aos.ErrorCode(err) != aos.EBadRequest {
		t.Fatalf("err = %v", err)
	}
}
