package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

// PutFingerprints stores fps in order, as if one by one. A fingerprint whose
// MAC is already known from the same connection sets its Resource, Category and
// LastSeen to the given values (even an earlier LastSeen) and keeps its
// FirstSeen. So when fps holds one MAC and connection twice, the last one's
// category and last-seen time win and the first one's first-seen time stays.
// fp.Connection is ignored: FindFingerprints reads the name from the
// connection. It returns EBadRequest, storing nothing, for a fingerprint
// without a MAC, and ENotFound, storing nothing, for a connection that does
// not exist.
func (t *tx) PutFingerprints(ctx context.Context, fps []aos.Fingerprint) error {
	if err := t.writable("put fingerprints"); err != nil {
		return err
	}
	b := &pgx.Batch{}
	for i, fp := range fps {
		if err := storecheck.Fingerprint(i, fp); err != nil {
			return err
		}
		var enc encoder
		args := []any{fp.MAC, fp.ConnectionID, fp.Resource, fp.Category,
			enc.time("first_seen", fp.FirstSeen), enc.time("last_seen", fp.LastSeen)}
		if enc.err != nil {
			return enc.err
		}
		b.Queue(`INSERT INTO fingerprints (mac, connection_id, resource, category, first_seen, last_seen)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (mac, connection_id) DO UPDATE SET
			resource = excluded.resource, category = excluded.category, last_seen = excluded.last_seen`, args...)
	}
	if b.Len() == 0 {
		return nil
	}
	// One round trip; the savepoint undoes the whole batch on failure.
	return t.guard(ctx, func() error {
		br := t.tx.SendBatch(ctx, b)
		defer br.Close()
		for i := range fps {
			_, err := br.Exec()
			if isForeignKey(err) {
				return storecheck.IDNotFound("connection", fps[i].ConnectionID)
			}
			if err != nil {
				return badText("put fingerprints", err)
			}
		}
		return br.Close()
	})
}

// FindFingerprints returns every stored fingerprint whose MAC is among macs,
// each once however often its MAC is asked for, with Connection set to its
// connection's name; by MAC and then connection ID. All the MACs go in one
// query, as an array.
func (t *tx) FindFingerprints(ctx context.Context, macs [][]byte) ([]aos.Fingerprint, error) {
	asked := storecheck.DistinctMACs(macs)
	if len(asked) == 0 {
		return nil, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT f.mac, f.connection_id, c.name, f.resource, f.category, f.first_seen, f.last_seen
		FROM fingerprints f JOIN connections c ON c.id = f.connection_id
		WHERE f.mac = ANY($1)`, asked)
	if err != nil {
		return nil, fmt.Errorf("postgres: find fingerprints: %w", err)
	}
	fps, err := collect(rows, func(r pgx.Rows) (aos.Fingerprint, error) {
		var fp aos.Fingerprint
		err := r.Scan(&fp.MAC, &fp.ConnectionID, &fp.Connection, &fp.Resource, &fp.Category, &fp.FirstSeen, &fp.LastSeen)
		return fp, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find fingerprints: %w", err)
	}
	storecheck.SortFingerprints(fps)
	return fps, nil
}

// AddFlow stores f under its caller-chosen ID, as for grants and approvals.
// It returns EBadRequest if f has no ID and EConflict if the ID is taken.
// Source, Destination, Resource, ApprovalID and Entry are stored as given,
// not checked; f.Subjects go with the flow, each once, in the same
// savepoint, so either both are stored or neither.
func (t *tx) AddFlow(ctx context.Context, f *aos.Flow) error {
	if err := t.writable("add flow", storecheck.Flow(f)); err != nil {
		return err
	}
	var enc encoder
	args := []any{f.ID, f.Source, f.SourceResource, f.Destination, f.Resource, enc.json("categories", f.Categories), f.Count,
		enc.time("at", f.At), f.ApprovalID, f.Entry}
	if enc.err != nil {
		return enc.err
	}
	err := t.guard(ctx, func() error {
		_, err := t.tx.Exec(ctx, `INSERT INTO flows
			(id, source, source_resource, destination, resource, categories, count, at, approval_id, entry)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, args...)
		if err != nil {
			return err
		}
		if macs := storecheck.DistinctMACs(f.Subjects); len(macs) > 0 {
			_, err = t.tx.Exec(ctx, `INSERT INTO flow_subjects (mac, flow_id) SELECT unnest($1::bytea[]), $2`,
				macs, f.ID)
		}
		return err
	})
	if isUnique(err) {
		return storecheck.Exists("flow", f.ID)
	}
	if err != nil {
		return badText("add flow", err)
	}
	return nil
}

// ListFlows returns every flow, by At and then ID.
func (t *tx) ListFlows(ctx context.Context) ([]*aos.Flow, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+flowColumns+` FROM flows ORDER BY at, id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list flows: %w", err)
	}
	fs, err := collect(rows, scanFlow)
	if err != nil {
		return nil, fmt.Errorf("postgres: list flows: %w", err)
	}
	return fs, nil
}

// flowColumns are the columns scanFlow reads, in its order.
const flowColumns = `id, source, source_resource, destination, resource, categories, count, at, approval_id, entry`

func scanFlow(r pgx.Rows) (*aos.Flow, error) {
	var f aos.Flow
	err := r.Scan(&f.ID, &f.Source, &f.SourceResource, &f.Destination, &f.Resource, scanJSON{&f.Categories}, &f.Count,
		&f.At, &f.ApprovalID, &f.Entry)
	return &f, err
}

// FlowsOfSubjects returns the flows that carried any of macs, each once, by
// At and then ID. All the MACs go in one query, as an array.
func (t *tx) FlowsOfSubjects(ctx context.Context, macs [][]byte) ([]*aos.Flow, error) {
	asked := storecheck.DistinctMACs(macs)
	if len(asked) == 0 {
		return nil, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT `+flowColumns+` FROM flows WHERE id IN
		(SELECT flow_id FROM flow_subjects WHERE mac = ANY($1)) ORDER BY at, id`, asked)
	if err != nil {
		return nil, fmt.Errorf("postgres: flows of subjects: %w", err)
	}
	fs, err := collect(rows, scanFlow)
	if err != nil {
		return nil, fmt.Errorf("postgres: flows of subjects: %w", err)
	}
	return fs, nil
}
