package approval_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/store/sqlite"
)

// blobCounter is a store whose transactions count the reads that load an
// approval's sealed request.
type blobCounter struct {
	aos.Store
	loads *atomic.Int64
}

func (s blobCounter) View(ctx context.Context, fn func(aos.Tx) error) error {
	return s.Store.View(ctx, func(tx aos.Tx) error { return fn(blobTx{tx, s.loads}) })
}

type blobTx struct {
	aos.Tx
	loads *atomic.Int64
}

func (t blobTx) ApprovalByID(ctx context.Context, id string) (*aos.Approval, error) {
	t.loads.Add(1)
	return t.Tx.ApprovalByID(ctx, id)
}

func (t blobTx) ListApprovals(ctx context.Context, f aos.ApprovalFilter) ([]*aos.Approval, error) {
	t.loads.Add(1)
	return t.Tx.ListApprovals(ctx, f)
}

// TestService_WaitLoadsNoBlobsWhilePending long-polls a pending approval
// while other approvals change: every change wakes every waiter, so a
// waiter must not load the sealed request (up to the held request bound)
// each time it looks. Once the approval is settled it is read in full once.
func TestService_WaitLoadsNoBlobsWhilePending(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	agent := &aos.Principal{ID: 7, Kind: aos.Agent, Name: "scout"}
	a := &aos.Approval{ID: "ap_1", Kind: aos.ApprovalCall, Points: []aos.ApprovalPoint{aos.PointMoney},
		Status: aos.ApprovalPending, Requester: agent.Ref(), RequesterID: agent.ID, Summary: "refund",
		Request: make([]byte, 1<<20), Digest: approval.Digest(nil), CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := st.Update(ctx, func(tx aos.Tx) error { return tx.CreateApproval(ctx, a) }); err != nil {
		t.Fatal(err)
	}
	var loads atomic.Int64
	s := &approval.Service{Store: blobCounter{st, &loads}, Now: time.Now}

	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			time.Sleep(10 * time.Millisecond)
			s.Changed()
		}
	}()
	got, err := s.Wait(ctx, agent, "ap_1", 400*time.Millisecond)
	<-done
	if err != nil || got.Status != aos.ApprovalPending {
		t.Fatalf("Wait = %+v, %v", got, err)
	}
	if n := loads.Load(); n != 0 {
		t.Fatalf("a pending wait woken 20 times loaded the sealed request %d times", n)
	}

	a.Status, a.Reason = aos.ApprovalDenied, "no"
	if err := st.Update(ctx, func(tx aos.Tx) error { return tx.UpdateApproval(ctx, a) }); err != nil {
		t.Fatal(err)
	}
	got, err = s.Wait(ctx, agent, "ap_1", time.Second)
	if err != nil || got.Status != aos.ApprovalDenied || len(got.Request) != 1<<20 {
		t.Fatalf("Wait on a settled approval = %s with %d request bytes, %v", got.Status, len(got.Request), err)
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("a settled approval was read in full %d times, want once", n)
	}
}
