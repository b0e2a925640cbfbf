package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

// findChunk is how many MACs one FindFingerprints query asks for. SQLite
// allows far more parameters than this; the bound keeps each statement small
// whatever the size of the payload scanned.
const findChunk = 500

// PutFingerprints stores fps in order, as if one by one. A fingerprint whose
// MAC is already known from the same connection sets its Resource, Category and
// LastSeen to the given values (even an earlier LastSeen) and keeps its
// FirstSeen. So when fps holds one MAC and connection twice, the last one's
// category and last-seen time win and the first one's first-seen time stays.
// fp.Connection is ignored: FindFingerprints reads the name from the
// connection. It returns EBadRequest, storing nothing, for a fingerprint
// without a MAC, and ENotFound for a connection that does not exist, in
// which case part of fps may be stored until the Update rolls back.
func (t *tx) PutFingerprints(ctx context.Context, fps []aos.Fingerprint) error {
	if err := t.writable("put fingerprints"); err != nil {
		return err
	}
	rows := make([][]any, len(fps))
	for i, fp := range fps {
		if err := storecheck.Fingerprint(i, fp); err != nil {
			return err
		}
		var enc encoder
		rows[i] = []any{fp.MAC, fp.ConnectionID, fp.Resource, fp.Category,
			enc.time("first_seen", fp.FirstSeen), enc.time("last_seen", fp.LastSeen)}
		if enc.err != nil {
			return enc.err
		}
	}
	if len(rows) == 0 {
		return nil
	}
	stmt, err := t.tx.PrepareContext(ctx, `INSERT INTO fingerprints
		(mac, connection_id, resource, category, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (mac, connection_id) DO UPDATE SET
		resource = excluded.resource, category = excluded.category, last_seen = excluded.last_seen`)
	if err != nil {
		return fmt.Errorf("sqlite: put fingerprints: %w", err)
	}
	defer stmt.Close()
	for i, args := range rows {
		_, err := stmt.ExecContext(ctx, args...)
		if isForeignKey(err) {
			return storecheck.IDNotFound("connection", fps[i].ConnectionID)
		}
		if err != nil {
			return fmt.Errorf("sqlite: put fingerprints: %w", err)
		}
	}
	return nil
}

// FindFingerprints returns every stored fingerprint whose MAC is among macs,
// each once however often its MAC is asked for, with Connection set to its
// connection's name; by MAC and then connection ID. The MACs are looked up
// findChunk at a time.
func (t *tx) FindFingerprints(ctx context.Context, macs [][]byte) ([]aos.Fingerprint, error) {
	var args []any
	for _, m := range storecheck.DistinctMACs(macs) {
		args = append(args, m)
	}
	var fps []aos.Fingerprint
	for chunk := range slices.Chunk(args, findChunk) {
		var err error
		if fps, err = t.findFingerprints(ctx, fps, chunk); err != nil {
			return nil, err
		}
	}
	storecheck.SortFingerprints(fps)
	return fps, nil
}

// fingerprintSelect reads fingerprints with their connection's name; a
// WHERE on f.mac follows, which the primary key (mac, connection_id) serves.
const fingerprintSelect = `SELECT f.mac, f.connection_id, c.name, f.resource, f.category, f.first_seen, f.last_seen
	FROM fingerprints f JOIN connections c ON c.id = f.connection_id`

// findFingerprints appends to fps the fingerprints of the MACs in macs,
// which are distinct and at least one.
func (t *tx) findFingerprints(ctx context.Context, fps []aos.Fingerprint, macs []any) ([]aos.Fingerprint, error) {
	rows, err := t.tx.QueryContext(ctx, fingerprintSelect+` WHERE f.mac IN (`+placeholders(len(macs))+`)`, macs...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find fingerprints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var fp aos.Fingerprint
		err := rows.Scan(&fp.MAC, &fp.ConnectionID, &fp.Connection, &fp.Resource, &fp.Category,
			scanTime{&fp.FirstSeen}, scanTime{&fp.LastSeen})
		if err != nil {
			return nil, fmt.Errorf("sqlite: find fingerprints: %w", err)
		}
		fps = append(fps, fp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find fingerprints: %w", err)
	}
	return fps, nil
}

// AddFlow stores f under its caller-chosen ID, as for grants and approvals.
// It returns EBadRequest if f has no ID and EConflict if the ID is taken.
// Source, Destination, Resource, ApprovalID and Entry are stored as given,
// not checked; f.Subjects go with the flow (see addFlowSubjects).
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
	_, err := t.tx.ExecContext(ctx, `INSERT INTO flows
		(id, source, source_resource, destination, resource, categories, count, at, approval_id, entry)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if isUnique(err) {
		return storecheck.Exists("flow", f.ID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: add flow: %w", err)
	}
	return t.addFlowSubjects(ctx, f)
}

// ListFlows returns every flow, by At and then ID.
func (t *tx) ListFlows(ctx context.Context) ([]*aos.Flow, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+flowColumns+` FROM flows ORDER BY at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list flows: %w", err)
	}
	fs, err := scanFlows(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list flows: %w", err)
	}
	return fs, nil
}

// flowColumns are the columns scanFlows reads, in its order.
const flowColumns = `id, source, source_resource, destination, resource, categories, count, at, approval_id, entry`

// scanFlows reads every row of flowColumns and closes rows.
func scanFlows(rows *sql.Rows) ([]*aos.Flow, error) {
	defer rows.Close()
	var fs []*aos.Flow
	for rows.Next() {
		var f aos.Flow
		err := rows.Scan(&f.ID, &f.Source, &f.SourceResource, &f.Destination, &f.Resource, scanJSON{&f.Categories}, &f.Count,
			scanTime{&f.At}, &f.ApprovalID, &f.Entry)
		if err != nil {
			return nil, err
		}
		fs = append(fs, &f)
	}
	return fs, rows.Err()
}
