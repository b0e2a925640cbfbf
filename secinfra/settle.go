package secinfra

import (
	"context"
	"strconv"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/evidence"
)

// SettleWindow bounds how long after its authorisation a call can still be
// waiting for its upstream's answer: the upstream client's whole-call
// timeout (two minutes) with a margin. The exposed-key runbook waits at
// most this long after the revocation for the calls authorised before it.
const SettleWindow = 3 * time.Minute

// settlePoll is how often settle reads the entries appended meanwhile.
const settlePoll = 20 * time.Millisecond

// settle waits until every call authorised with version of connection
// conn before the revocation (the entry at index revoked, written at at)
// has recorded its outcome, on whichever replica ran it, and returns the
// authorisation entries still open when the window closed.
//
// It reads the evidence log, which every replica writes: the authorising
// transaction reads the credential's status, so a call authorised with
// the version has an entry before the revocation's, and its outcome
// (call.outcome) is recorded only once its upstream has answered or the
// call has failed. Entries older than the window are not read.
func (k *Keys) settle(ctx context.Context, conn string, version int, revoked int64, at time.Time, window time.Duration) ([]int64, error) {
	type call struct {
		entry    int64
		approval string
	}
	open := map[string]call{} // by what its outcome names: "e:ENTRY" or "a:APPROVAL"
	v := strconv.Itoa(version)
	oldest := at.Add(-window)
	const chunk = 256
	read := func(from, to int64) ([]aos.Entry, error) {
		var out []aos.Entry
		err := k.Owner.Store.View(ctx, func(tx aos.Tx) error {
			stored, err := tx.Entries(ctx, from, to)
			if err != nil {
				return err
			}
			for _, se := range stored {
				e, err := evidence.DecodeLeaf(se.Leaf)
				if err != nil {
					return err
				}
				e.Index = se.Index
				out = append(out, e)
			}
			return nil
		})
		return out, err
	}
	// Back from the revocation to the start of the window: the calls.
	for to := revoked; to > 0; to -= chunk {
		es, err := read(max(to-chunk, 0), to)
		if err != nil {
			return nil, err
		}
		done := false
		for _, e := range es {
			if e.Time.Before(oldest) {
				done = true
				continue
			}
			if e.Kind != "call.authorized" || e.Attrs["connection"] != conn || e.Attrs["credential_version"] != v {
				continue
			}
			if id := e.Attrs["approval"]; id != "" {
				open["a:"+id] = call{entry: e.Index, approval: id}
			} else {
				open["e:"+strconv.FormatInt(e.Index, 10)] = call{entry: e.Index}
			}
		}
		if done {
			break
		}
	}
	// Forward from the oldest open call: their outcomes, as they come.
	from := revoked
	for _, c := range open {
		from = min(from, c.entry+1)
	}
	// The window is real time, whatever clock the service keeps.
	deadline := time.Now().Add(window - max(k.now().Sub(at), 0))
	for len(open) > 0 {
		var size int64
		err := k.Owner.Store.View(ctx, func(tx aos.Tx) (err error) {
			size, err = tx.LogSize(ctx)
			return err
		})
		if err != nil {
			return nil, err
		}
		for from < size {
			to := min(from+chunk, size)
			es, err := read(from, to)
			if err != nil {
				return nil, err
			}
			for _, e := range es {
				if e.Kind != "call.outcome" {
					continue
				}
				delete(open, "e:"+e.Attrs["authorized_entry"])
				if id := e.Attrs["approval"]; id != "" {
					delete(open, "a:"+id)
				}
			}
			from = to
		}
		if len(open) == 0 || !time.Now().Before(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(settlePoll):
		}
	}
	var left []int64
	for _, c := range open {
		left = append(left, c.entry)
	}
	return left, nil
}
