package evidence

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/aos-dev/aos"
)

// workState is the state as a batch changes it: the committed state and,
// over it, the rows the batch changed, with the digest kept up to date.
// Batches that change nothing (most calls) cost nothing; one that commits
// folds its changes into the committed state.
type workState struct {
	base    *State
	over    map[stateKey]map[string]string // a nil row: taken out
	acc     ltHash
	changed bool
}

func newWorkState(base *State) *workState { return &workState{base: base, acc: base.acc} }

// Row returns a row as the batch left it.
func (w *workState) Row(table, key string) map[string]string {
	if r, ok := w.over[stateKey{table, key}]; ok {
		return r
	}
	return w.base.Row(table, key)
}

func (w *workState) apply(c aos.StateChange) {
	k := stateKey{c.Table, c.Key}
	if old := w.Row(c.Table, c.Key); old != nil {
		w.acc.sub(rowVector(k, old))
	}
	if c.Row != nil {
		w.acc.add(rowVector(k, c.Row))
	}
	if w.over == nil {
		w.over = map[stateKey]map[string]string{}
	}
	w.over[k] = maps.Clone(c.Row)
	w.changed = true
}

func (w *workState) digest() string { return digestOf(&w.acc) }

// commit folds the batch's changes into the committed state, once the
// batch has committed.
func (w *workState) commit() {
	for k, r := range w.over {
		if r == nil {
			delete(w.base.rows, k)
		} else {
			w.base.rows[k] = stateRow{row: r, by: -1}
		}
	}
	w.base.acc = w.acc
}

// recordingTx is the Tx a Record function gets: every call goes to the
// store's Tx, and each write to a state table is noted as the image of the
// row it left, unless the image is what the state already holds (a
// credential's last use, an approval's sealed result). The notes become the
// State of the function's first record, so a change and its image commit
// together or not at all.
type recordingTx struct {
	aos.Tx
	work    *workState
	log     *Log
	changes []aos.StateChange
}

func (t *recordingTx) note(c aos.StateChange) {
	old := t.work.Row(c.Table, c.Key)
	if old != nil && c.Row != nil && maps.Equal(old, c.Row) || old == nil && c.Row == nil {
		return
	}
	t.work.apply(c)
	t.changes = append(t.changes, c)
}

func (t *recordingTx) CreatePrincipal(ctx context.Context, p *aos.Principal) error {
	if err := t.Tx.CreatePrincipal(ctx, p); err != nil {
		return err
	}
	t.note(PrincipalImage(p))
	return nil
}

func (t *recordingTx) RemovePrincipal(ctx context.Context, pid int64, at time.Time) error {
	before := t.work.Row(TablePrincipal, id(pid))
	if before == nil {
		return fmt.Errorf("evidence: principal %d is not in the state the evidence log built", pid)
	}
	if err := t.Tx.RemovePrincipal(ctx, pid, at); err != nil {
		return err
	}
	row := maps.Clone(before)
	putTime(row, "removed_at", &at)
	t.note(aos.StateChange{Table: TablePrincipal, Key: id(pid), Row: row})
	return nil
}

func (t *recordingTx) CreateConnection(ctx context.Context, c *aos.Connection) error {
	if err := t.Tx.CreateConnection(ctx, c); err != nil {
		return err
	}
	t.note(ConnectionImage(c))
	return nil
}

func (t *recordingTx) UpdateConnection(ctx context.Context, c *aos.Connection) error {
	if err := t.Tx.UpdateConnection(ctx, c); err != nil {
		return err
	}
	t.note(ConnectionImage(c))
	return nil
}

func (t *recordingTx) CreateCredential(ctx context.Context, c *aos.Credential) error {
	if err := t.Tx.CreateCredential(ctx, c); err != nil {
		return err
	}
	t.note(CredentialImage(c))
	return nil
}

func (t *recordingTx) UpdateCredential(ctx context.Context, c *aos.Credential) error {
	if err := t.Tx.UpdateCredential(ctx, c); err != nil {
		return err
	}
	t.note(CredentialImage(c))
	return nil
}

func (t *recordingTx) CreateGrant(ctx context.Context, g *aos.Grant) error {
	if err := t.Tx.CreateGrant(ctx, g); err != nil {
		return err
	}
	t.note(GrantImage(g))
	return nil
}

func (t *recordingTx) UpdateGrant(ctx context.Context, g *aos.Grant) error {
	if err := t.Tx.UpdateGrant(ctx, g); err != nil {
		return err
	}
	t.note(GrantImage(g))
	return nil
}

func (t *recordingTx) PutSetting(ctx context.Context, key, value string) error {
	if err := t.Tx.PutSetting(ctx, key, value); err != nil {
		return err
	}
	t.note(SettingImage(key, value))
	return nil
}

func (t *recordingTx) CreateApproval(ctx context.Context, a *aos.Approval) error {
	if err := t.Tx.CreateApproval(ctx, a); err != nil {
		return err
	}
	t.note(ApprovalImage(a))
	return nil
}

func (t *recordingTx) UpdateApproval(ctx context.Context, a *aos.Approval) error {
	if err := t.Tx.UpdateApproval(ctx, a); err != nil {
		return err
	}
	t.note(ApprovalImage(a))
	return nil
}
