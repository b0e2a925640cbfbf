package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aos-dev/aos"
)

var transactionCases = []testCase{
	{"UpdateRollsBackOnError", testUpdateRollback},
	{"ViewRejectsWrites", testViewRejectsWrites},
	{"ViewSeesSnapshot", testViewSnapshot},
	{"ConcurrentAppends", testConcurrentAppends},
}

func testUpdateRollback(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	errStop := errors.New("stop")
	err := s.Update(t.Context(), func(tx aos.Tx) error {
		ctx := t.Context()
		if err := tx.CreatePrincipal(ctx, newAgent("scout")); err != nil {
			return err
		}
		if err := tx.CreateConnection(ctx, newConnection("mail")); err != nil {
			return err
		}
		crm.DisconnectedAt = new(minute(5))
		if err := tx.UpdateConnection(ctx, crm); err != nil {
			return err
		}
		if err := tx.CreateCredential(ctx, newCredential(crm.ID, 1, aos.CredentialActive)); err != nil {
			return err
		}
		if err := tx.CreateGrant(ctx, newGrant("g1", crm, 1)); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, "caps", "1"); err != nil {
			return err
		}
		if err := tx.CreateApproval(ctx, newApproval("a1", 1, 60)); err != nil {
			return err
		}
		if err := tx.AddSpend(ctx, aos.Spend{At: minute(2), AmountUSD: 100_00, Connection: "crm"}); err != nil {
			return err
		}
		if err := tx.PutFingerprints(ctx, []aos.Fingerprint{newFingerprint("mac-alice", crm, "email", 1, 1)}); err != nil {
			return err
		}
		if err := tx.AddFlow(ctx, newFlow("f1", 3)); err != nil {
			return err
		}
		if err := appendEntries(ctx, tx, leafEntries(0, 2)); err != nil {
			return err
		}
		if err := tx.AddCheckpoint(ctx, 2, []byte("checkpoint\n")); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Update returned %v, want fn's error %v", err, errStop)
	}
	crm.DisconnectedAt = nil
	checkEmptyBut(t, s, crm)
}

// checkEmptyBut checks that s holds only the connection crm, as created.
func checkEmptyBut(t *testing.T, s aos.Store, crm *aos.Connection) {
	t.Helper()
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		if ps, err := tx.ListPrincipals(ctx, ""); err != nil || len(ps) != 0 {
			t.Errorf("ListPrincipals = %d principals, %v; want none", len(ps), err)
		}
		cs, err := tx.ListConnections(ctx)
		if err != nil {
			return err
		}
		if len(cs) != 1 {
			t.Fatalf("ListConnections = %d connections, want only %q", len(cs), crm.Name)
		}
		checkConnection(t, cs[0], crm)
		if creds, err := tx.ListCredentials(ctx, crm.ID); err != nil || len(creds) != 0 {
			t.Errorf("ListCredentials = %d credentials, %v; want none", len(creds), err)
		}
		if gs, err := tx.ListGrants(ctx, aos.GrantFilter{IncludeRevoked: true}); err != nil || len(gs) != 0 {
			t.Errorf("ListGrants = %d grants, %v; want none", len(gs), err)
		}
		_, err = tx.Setting(ctx, "caps")
		wantCode(t, "Setting(caps)", err, aos.ENotFound)
		if as, err := tx.ListApprovals(ctx, aos.ApprovalFilter{}); err != nil || len(as) != 0 {
			t.Errorf("ListApprovals = %d approvals, %v; want none", len(as), err)
		}
		if n, err := tx.SpentSince(ctx, minute(-1000)); err != nil || n != 0 {
			t.Errorf("SpentSince = %d, %v; want 0", n, err)
		}
		if fps, err := tx.FindFingerprints(ctx, macs("mac-alice")); err != nil || len(fps) != 0 {
			t.Errorf("FindFingerprints = %d fingerprints, %v; want none", len(fps), err)
		}
		if fs, err := tx.ListFlows(ctx); err != nil || len(fs) != 0 {
			t.Errorf("ListFlows = %d flows, %v; want none", len(fs), err)
		}
		if n, err := tx.LogSize(ctx); err != nil || n != 0 {
			t.Errorf("LogSize = %d, %v; want 0", n, err)
		}
		if es, err := tx.Entries(ctx, 0, 10); err != nil || len(es) != 0 {
			t.Errorf("Entries = %d entries, %v; want none", len(es), err)
		}
		_, err = tx.ReadHashes(ctx, []int64{0})
		wantCode(t, "ReadHashes([0])", err, aos.ENotFound)
		if cps, err := tx.Checkpoints(ctx); err != nil || len(cps) != 0 {
			t.Errorf("Checkpoints = %d checkpoints, %v; want none", len(cps), err)
		}
		return nil
	})
}

func testViewRejectsWrites(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	agent := newAgent("scout")
	cred := newCredential(crm.ID, 1, aos.CredentialActive)
	grant := newGrant("g1", crm, 1)
	approval := newApproval("a1", 1, 60)
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		if err := tx.CreatePrincipal(ctx, agent); err != nil {
			return err
		}
		if err := tx.CreateApproval(ctx, approval); err != nil {
			return err
		}
		if err := tx.CreateCredential(ctx, cred); err != nil {
			return err
		}
		if err := tx.CreateGrant(ctx, grant); err != nil {
			return err
		}
		return appendEntries(ctx, tx, []aos.StoredEntry{{Leaf: []byte("leaf"), Salt: []byte("s"), Payload: []byte("p")}})
	})

	writes := []struct {
		name  string
		write func(ctx context.Context, tx aos.Tx) error
	}{
		{"CreatePrincipal", func(ctx context.Context, tx aos.Tx) error { return tx.CreatePrincipal(ctx, newAgent("other")) }},
		{"RemovePrincipal", func(ctx context.Context, tx aos.Tx) error { return tx.RemovePrincipal(ctx, agent.ID, minute(9)) }},
		{"CreateConnection", func(ctx context.Context, tx aos.Tx) error { return tx.CreateConnection(ctx, newConnection("mail")) }},
		{"UpdateConnection", func(ctx context.Context, tx aos.Tx) error {
			c := *crm
			c.DisconnectedAt = new(minute(9))
			return tx.UpdateConnection(ctx, &c)
		}},
		{"CreateCredential", func(ctx context.Context, tx aos.Tx) error {
			return tx.CreateCredential(ctx, newCredential(crm.ID, 2, aos.CredentialRevoked))
		}},
		{"UpdateCredential", func(ctx context.Context, tx aos.Tx) error {
			c := *cred
			c.Status = aos.CredentialRevoked
			return tx.UpdateCredential(ctx, &c)
		}},
		{"CreateGrant", func(ctx context.Context, tx aos.Tx) error { return tx.CreateGrant(ctx, newGrant("g2", crm, 2)) }},
		{"UpdateGrant", func(ctx context.Context, tx aos.Tx) error {
			g := *grant
			g.RevokedAt = new(minute(9))
			return tx.UpdateGrant(ctx, &g)
		}},
		{"PutSetting", func(ctx context.Context, tx aos.Tx) error { return tx.PutSetting(ctx, "caps", "1") }},
		{"CreateApproval", func(ctx context.Context, tx aos.Tx) error {
			return tx.CreateApproval(ctx, newApproval("a2", 2, 60))
		}},
		{"UpdateApproval", func(ctx context.Context, tx aos.Tx) error {
			a := *approval
			a.Status = aos.ApprovalApproved
			return tx.UpdateApproval(ctx, &a)
		}},
		{"AddSpend", func(ctx context.Context, tx aos.Tx) error {
			return tx.AddSpend(ctx, aos.Spend{At: minute(2), AmountUSD: 100_00, Connection: "crm"})
		}},
		{"PutFingerprints", func(ctx context.Context, tx aos.Tx) error {
			return tx.PutFingerprints(ctx, []aos.Fingerprint{newFingerprint("mac-alice", crm, "email", 1, 1)})
		}},
		{"AddFlow", func(ctx context.Context, tx aos.Tx) error { return tx.AddFlow(ctx, newFlow("f1", 3)) }},
		{"AppendEntries", func(ctx context.Context, tx aos.Tx) error { return appendEntries(ctx, tx, leafEntries(1, 1)) }},
		{"AddCheckpoint", func(ctx context.Context, tx aos.Tx) error { return tx.AddCheckpoint(ctx, 1, []byte("c\n")) }},
		{"DropCheckpoint", func(ctx context.Context, tx aos.Tx) error { return tx.DropCheckpoint(ctx, 1, 0) }},
		{"RedactEntry", func(ctx context.Context, tx aos.Tx) error { return tx.RedactEntry(ctx, 0, minute(9)) }},
	}
	for _, w := range writes {
		err := s.View(t.Context(), func(tx aos.Tx) error { return w.write(t.Context(), tx) })
		if err == nil {
			t.Errorf("%s inside View succeeded, want an error", w.name)
		}
	}

	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		ps, err := tx.ListPrincipals(ctx, "")
		if err != nil {
			return err
		}
		if len(ps) != 1 {
			t.Fatalf("ListPrincipals = %d principals, want 1", len(ps))
		}
		checkPrincipal(t, ps[0], agent)
		cs, err := tx.ListConnections(ctx)
		if err != nil {
			return err
		}
		if len(cs) != 1 {
			t.Fatalf("ListConnections = %d connections, want 1", len(cs))
		}
		checkConnection(t, cs[0], crm)
		creds, err := tx.ListCredentials(ctx, crm.ID)
		if err != nil {
			return err
		}
		if len(creds) != 1 {
			t.Fatalf("ListCredentials = %d credentials, want 1", len(creds))
		}
		checkCredential(t, creds[0], cred)
		gs, err := tx.ListGrants(ctx, aos.GrantFilter{IncludeRevoked: true})
		if err != nil {
			return err
		}
		if len(gs) != 1 {
			t.Fatalf("ListGrants = %d grants, want 1", len(gs))
		}
		checkGrant(t, gs[0], grant, "crm")
		_, err = tx.Setting(ctx, "caps")
		wantCode(t, "Setting(caps)", err, aos.ENotFound)
		as, err := tx.ListApprovals(ctx, aos.ApprovalFilter{})
		if err != nil {
			return err
		}
		if len(as) != 1 {
			t.Fatalf("ListApprovals = %d approvals, want 1", len(as))
		}
		checkApproval(t, as[0], approval)
		if n, err := tx.SpentSince(ctx, minute(-1000)); err != nil || n != 0 {
			t.Errorf("SpentSince = %d, %v; want 0", n, err)
		}
		if fps, err := tx.FindFingerprints(ctx, macs("mac-alice")); err != nil || len(fps) != 0 {
			t.Errorf("FindFingerprints = %d fingerprints, %v; want none", len(fps), err)
		}
		if fs, err := tx.ListFlows(ctx); err != nil || len(fs) != 0 {
			t.Errorf("ListFlows = %d flows, %v; want none", len(fs), err)
		}
		es, err := tx.Entries(ctx, 0, 10)
		if err != nil {
			return err
		}
		if len(es) != 1 || es[0].RedactedAt != nil || es[0].Payload == nil {
			t.Errorf("Entries = %+v, want the one unredacted entry", es)
		}
		if cps, err := tx.Checkpoints(ctx); err != nil || len(cps) != 0 {
			t.Errorf("Checkpoints = %d checkpoints, %v; want none", len(cps), err)
		}
		return nil
	})
}

// testViewSnapshot checks that a View does not see an Update that commits
// while it runs.
func testViewSnapshot(t *testing.T, s aos.Store) {
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.PutSetting(ctx, "k", "old") })
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		if v, err := tx.Setting(ctx, "k"); err != nil || v != "old" {
			t.Fatalf("Setting(k) = %q, %v; want old", v, err)
		}
		// A store whose readers block its writers fails here rather than hangs.
		uctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			done <- s.Update(uctx, func(tx aos.Tx) error {
				if err := tx.PutSetting(uctx, "k", "new"); err != nil {
					return err
				}
				return appendEntries(uctx, tx, leafEntries(0, 1))
			})
		}()
		if err := <-done; err != nil {
			t.Fatalf("Update during View: %v", err)
		}
		if v, err := tx.Setting(ctx, "k"); err != nil || v != "old" {
			t.Errorf("Setting(k) after a concurrent Update = %q, %v; want old", v, err)
		}
		if n, err := tx.LogSize(ctx); err != nil || n != 0 {
			t.Errorf("LogSize after a concurrent Update = %d, %v; want 0", n, err)
		}
		return nil
	})
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		if v, err := tx.Setting(ctx, "k"); err != nil || v != "new" {
			t.Errorf("Setting(k) in a later View = %q, %v; want new", v, err)
		}
		return nil
	})
}

// testConcurrentAppends checks that Update serialises appenders: each reads
// the log size and appends one entry, and none may collide.
func testConcurrentAppends(t *testing.T, s aos.Store) {
	const writers = 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			errs <- s.Update(t.Context(), func(tx aos.Tx) error {
				es := []aos.StoredEntry{{Leaf: fmt.Appendf(nil, "writer %d", w)}}
				return appendEntries(t.Context(), tx, es)
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Update: %v", err)
		}
	}

	if n := logSize(t, s); n != writers {
		t.Fatalf("LogSize = %d, want %d", n, writers)
	}
	entries := readEntries(t, s, 0, writers)
	var ref memLog
	var leaves []string
	for i, e := range entries {
		if e.Index != int64(i) {
			t.Fatalf("entry %d has Index %d", i, e.Index)
		}
		ref.add(t, e.Index, e.Leaf)
		leaves = append(leaves, string(e.Leaf))
	}
	slices.Sort(leaves)
	if leaves = slices.Compact(leaves); len(leaves) != writers {
		t.Errorf("log holds %d distinct leaves, want %d", len(leaves), writers)
	}
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		want, err := tlog.TreeHash(writers, &ref)
		if err != nil {
			return err
		}
		got, err := tlog.TreeHash(writers, &txHashReader{ctx: ctx, tx: tx})
		if err != nil {
			return err
		}
		if got != want {
			t.Errorf("tree hash from store = %v, want %v", got, want)
		}
		return nil
	})
}
