package sqlite

import (
	"context"
	"fmt"
	"slices"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

// addFlowSubjects stores the MACs of what flow f carried, each once
// (storecheck.Flow has refused empty ones).
func (t *tx) addFlowSubjects(ctx context.Context, f *aos.Flow) error {
	macs := storecheck.DistinctMACs(f.Subjects)
	if len(macs) == 0 {
		return nil
	}
	stmt, err := t.tx.PrepareContext(ctx, `INSERT INTO flow_subjects (mac, flow_id) VALUES (?, ?)`)
	if err != nil {
		return fmt.Errorf("sqlite: add flow subjects: %w", err)
	}
	defer stmt.Close()
	for _, m := range macs {
		if _, err := stmt.ExecContext(ctx, m, f.ID); err != nil {
			return fmt.Errorf("sqlite: add flow subjects: %w", err)
		}
	}
	return nil
}

// FlowsOfSubjects returns the flows that carried any of macs, each once, by
// At and then ID, looking the MACs up findChunk at a time.
func (t *tx) FlowsOfSubjects(ctx context.Context, macs [][]byte) ([]*aos.Flow, error) {
	var args []any
	for _, m := range storecheck.DistinctMACs(macs) {
		args = append(args, m)
	}
	seen := make(map[string]bool)
	var fs []*aos.Flow
	for chunk := range slices.Chunk(args, findChunk) {
		rows, err := t.tx.QueryContext(ctx, `SELECT `+flowColumns+` FROM flows WHERE id IN
			(SELECT flow_id FROM flow_subjects WHERE mac IN (`+placeholders(len(chunk))+`))`, chunk...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: flows of subjects: %w", err)
		}
		got, err := scanFlows(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: flows of subjects: %w", err)
		}
		for _, f := range got {
			if !seen[f.ID] {
				seen[f.ID] = true
				fs = append(fs, f)
			}
		}
	}
	storecheck.SortFlows(fs)
	return fs, nil
}
