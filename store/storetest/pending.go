package storetest

import (
	"context"
	"testing"

	"github.com/aos-dev/aos"
)

var pendingCases = []testCase{
	{"FindByDigest", testPendingFindByDigest},
	{"FindMissing", testPendingFindMissing},
	{"Count", testPendingCount},
	{"SeesOwnWrites", testPendingSeesOwnWrites},
	{"WithoutBlobs", testApprovalWithoutBlobs},
}

// otherDigest is a digest no approval of newApproval has.
const otherDigest = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

// pendingFixture stores approvals that PendingApproval must tell apart:
// the one to find ("match", the oldest of two identical pending calls) and
// one each differing only in requester, digest, status or kind.
func pendingFixture(t *testing.T, s aos.Store) (match *aos.Approval) {
	t.Helper()
	match = newApproval("ap_match", 1, 100)
	match.Result = []byte("sealed result")
	newer := newApproval("ap_newer", 2, 100)
	otherAgent := newApproval("ap_other_agent", 0, 100)
	otherAgent.Requester, otherAgent.RequesterID = "agent:rival", 8
	otherRequest := newApproval("ap_other_request", 0, 100)
	otherRequest.Digest = otherDigest
	decided := newApproval("ap_decided", 0, 100)
	decided.Status = aos.ApprovalApproved
	redaction := newApproval("ap_redaction", 0, 100)
	redaction.Kind = aos.ApprovalRedaction
	createApprovals(t, s, newer, otherAgent, otherRequest, decided, redaction, match)
	return match
}

func testPendingFindByDigest(t *testing.T, s aos.Store) {
	match := pendingFixture(t, s)
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		got, err := tx.PendingApproval(ctx, aos.ApprovalCall, match.RequesterID, match.Digest)
		if err != nil {
			return err
		}
		if got.Request != nil || got.Result != nil {
			t.Errorf("PendingApproval loaded the sealed blobs: request %d bytes, result %d bytes", len(got.Request), len(got.Result))
		}
		want := *match
		want.Request, want.Result = nil, nil
		checkApproval(t, got, &want)

		got, err = tx.PendingApproval(ctx, aos.ApprovalRedaction, match.RequesterID, match.Digest)
		if err != nil {
			return err
		}
		if got.ID != "ap_redaction" {
			t.Errorf("PendingApproval(redaction) = %s, want ap_redaction", got.ID)
		}
		return nil
	})
}

func testPendingFindMissing(t *testing.T, s aos.Store) {
	match := pendingFixture(t, s)
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, tt := range []struct {
			name      string
			requester int64
			digest    string
		}{
			{"unknown requester", 99, match.Digest},
			{"unknown digest", match.RequesterID, "0000000000000000000000000000000000000000000000000000000000000000"},
			{"no requester", 0, match.Digest},
			{"empty digest", match.RequesterID, ""},
		} {
			_, err := tx.PendingApproval(ctx, aos.ApprovalCall, tt.requester, tt.digest)
			wantCode(t, "PendingApproval, "+tt.name, err, aos.ENotFound)
		}
		return nil
	})
	// Once decided, neither identical call is pending any more.
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, id := range []string{"ap_match", "ap_newer"} {
			a, err := tx.ApprovalByID(ctx, id)
			if err != nil {
				return err
			}
			a.Status = aos.ApprovalDenied
			if err := tx.UpdateApproval(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		_, err := tx.PendingApproval(ctx, aos.ApprovalCall, match.RequesterID, match.Digest)
		wantCode(t, "PendingApproval after the denials", err, aos.ENotFound)
		return nil
	})
}

func testPendingCount(t *testing.T, s aos.Store) {
	count := func(requester int64, want int) {
		t.Helper()
		view(t, s, func(ctx context.Context, tx aos.Tx) error {
			n, err := tx.CountPendingApprovals(ctx, requester)
			if err != nil {
				return err
			}
			if n != want {
				t.Errorf("CountPendingApprovals(%d) = %d, want %d", requester, n, want)
			}
			return nil
		})
	}
	count(7, 0)
	count(0, 0)
	pendingFixture(t, s)
	// Requester 7: match, newer, other request and the redaction; not
	// the decided one.
	count(7, 4)
	count(8, 1)
	count(99, 0)
	count(0, 5)
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		a, err := tx.ApprovalByID(ctx, "ap_newer")
		if err != nil {
			return err
		}
		a.Status = aos.ApprovalExpired
		return tx.UpdateApproval(ctx, a)
	})
	count(7, 3)
	count(0, 4)
}

// testPendingSeesOwnWrites checks that a hold sees, within its own
// transaction, the approval it has just created.
func testPendingSeesOwnWrites(t *testing.T, s aos.Store) {
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		a := newApproval("ap_1", 1, 100)
		if err := tx.CreateApproval(ctx, a); err != nil {
			return err
		}
		got, err := tx.PendingApproval(ctx, aos.ApprovalCall, a.RequesterID, a.Digest)
		if err != nil {
			return err
		}
		if got.ID != a.ID {
			t.Errorf("PendingApproval = %s, want %s", got.ID, a.ID)
		}
		n, err := tx.CountPendingApprovals(ctx, a.RequesterID)
		if err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("CountPendingApprovals = %d, want 1", n)
		}
		return nil
	})
}

// testApprovalWithoutBlobs checks that ApprovalWithoutBlobs is
// ApprovalByID, in any status, but for the sealed request and result.
func testApprovalWithoutBlobs(t *testing.T, s aos.Store) {
	full := fullApproval("ap_full") // failed, with a request and a result
	createApprovals(t, s, full, newApproval("ap_pending", 1, 100))
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, want := range []*aos.Approval{full, newApproval("ap_pending", 1, 100)} {
			got, err := tx.ApprovalWithoutBlobs(ctx, want.ID)
			if err != nil {
				return err
			}
			if got.Request != nil || got.Result != nil {
				t.Errorf("%s: loaded the sealed blobs: request %d bytes, result %d bytes", want.ID, len(got.Request), len(got.Result))
			}
			w := *want
			w.Request, w.Result = nil, nil
			checkApproval(t, got, &w)
		}
		_, err := tx.ApprovalWithoutBlobs(ctx, "ap_missing")
		wantCode(t, "ApprovalWithoutBlobs(missing)", err, aos.ENotFound)
		return nil
	})
}
