package evidence

import (
	"bytes"
	"context"
	"os"
	"slices"
	"testing"

	"github.com/aos-dev/aos"
)

// spanModel is what a log keeps of its checkpoints, as DefaultCheckpointSpan
// says: of each span, the first stored, and the latest. file is what the
// checkpoint file of one process holds: the notes it kept and, after them,
// its latest note unless that one is kept too.
type spanModel struct {
	span, size int64
	stored     []int64
	file       []int64
	fileLatest bool // file's last note is replaced by the next
}

// batch is a batch of n entries; written says whether it is this
// process's (its note goes to the file).
func (m *spanModel) batch(n int64, written bool) {
	if m.size > 0 {
		start := m.size - m.size%m.span
		if slices.ContainsFunc(m.stored, func(c int64) bool { return c >= start && c < m.size }) {
			m.stored = slices.DeleteFunc(m.stored, func(c int64) bool { return c == m.size })
		}
	}
	kept := m.size == 0 || m.size < (m.size+n)-(m.size+n)%m.span
	m.size += n
	m.stored = append(m.stored, m.size)
	if written {
		if m.fileLatest {
			m.file = m.file[:len(m.file)-1]
		}
		m.file = append(m.file, m.size)
		m.fileLatest = !kept
	}
}

// checkSpans compares the store's checkpoints and the file's notes with m,
// and verifies the log.
func checkSpans(t *testing.T, tl *testLog, m *spanModel) {
	t.Helper()
	var stored []int64
	err := tl.store.View(context.Background(), func(tx aos.Tx) error {
		cps, err := tx.Checkpoints(context.Background())
		for _, c := range cps {
			stored = append(stored, c.Size)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stored, m.stored) {
		t.Fatalf("log of %d entries: checkpoints of sizes %v stored, want %v", m.size, stored, m.stored)
	}
	data, err := os.ReadFile(tl.cpFile)
	if err != nil {
		t.Fatal(err)
	}
	var file []int64
	for _, n := range SplitCheckpointFile(data) {
		cp, err := OpenCheckpoint(n, tl.verifier)
		if err != nil {
			t.Fatalf("checkpoint file: %v\n%s", err, data)
		}
		file = append(file, cp.Size)
	}
	if !slices.Equal(file, m.file) {
		t.Fatalf("log of %d entries: the checkpoint file holds sizes %v, want %v", m.size, file, m.file)
	}
	r := tl.verify(t)
	mustOK(t, r)
	if r.Size != m.size || r.Checkpoints != len(m.stored)+len(m.file) {
		t.Fatalf("Verify: size %d, %d checkpoints; want %d, %d (the store's and the file's)", r.Size, r.Checkpoints, m.size, len(m.stored)+len(m.file))
	}
}

// TestLog_CheckpointSpan: whatever the batches, the store and the
// checkpoint file keep the first checkpoint of each span and the latest,
// which covers every entry; after a restart the file keeps the notes it
// had, and a second log on the same store (a replica) drops and keeps by
// the same rule.
func TestLog_CheckpointSpan(t *testing.T) {
	const span = 4
	tl := newTestLogSpan(t, span)
	m := &spanModel{span: span}
	n := 0
	batch := func(l *Log, size int64) {
		t.Helper()
		records := make([]aos.Record, size)
		for i := range records {
			records[i] = testRecord(n)
			n++
		}
		if _, err := l.Record(context.Background(), func(aos.Tx) ([]aos.Record, error) { return records, nil }); err != nil {
			t.Fatal(err)
		}
		if l == tl.Log {
			tl.witness.flush()
		}
		m.batch(size, l == tl.Log)
	}
	for _, size := range []int64{1, 1, 1, 1, 1, 3, 1, 5, 1, 1, 9, 1, 4, 4, 2, 1} {
		batch(tl.Log, size)
		checkSpans(t, tl, m)
	}
	if !slices.Equal(m.stored, []int64{1, 4, 8, 14, 16, 25, 30, 34, 36, 37}) {
		t.Fatalf("the model keeps %v", m.stored) // the test's own check of its model
	}

	// A restart: the file's notes stay, its last one included.
	tl.Close()
	l, err := New(Config{Store: tl.store, Signer: tl.signer, Verifier: tl.verifier, Origin: testOrigin,
		CheckpointFile: tl.cpFile, Now: tl.clock.Now, CheckpointSpan: span})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	tl.Log = l
	m.fileLatest = false
	for _, size := range []int64{1, 1, 2} {
		batch(tl.Log, size)
		checkSpans(t, tl, m)
	}

	// A replica without a checkpoint file, its batches between ours.
	b, err := New(Config{Store: tl.store, Signer: tl.signer, Verifier: tl.verifier, Origin: testOrigin,
		Now: tl.clock.Now, CheckpointSpan: span})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	for _, size := range []int64{1, 1, 1, 2, 1, 3, 1, 1} {
		batch(b, size)
		batch(tl.Log, size)
		checkSpans(t, tl, m)
	}
}

// TestLog_DefaultCheckpointSpan: a log of 2,100 entries recorded one at a
// time keeps four checkpoints, in the store and in the file.
func TestLog_DefaultCheckpointSpan(t *testing.T) {
	tl := newTestLogSpan(t, 0)
	m := &spanModel{span: DefaultCheckpointSpan}
	for i := range 2100 {
		if _, err := tl.Record(context.Background(), func(aos.Tx) ([]aos.Record, error) {
			return []aos.Record{testRecord(i)}, nil
		}); err != nil {
			t.Fatal(err)
		}
		m.batch(1, false)
	}
	tl.witness.flush()
	m.file = m.stored
	if !slices.Equal(m.stored, []int64{1, 1024, 2048, 2100}) {
		t.Fatalf("the model keeps %v", m.stored)
	}
	checkSpans(t, tl, m)
	// An export carries the kept checkpoints, and verifies.
	var buf bytes.Buffer
	if err := tl.Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	r, err := VerifyExport(&buf, tl.verifier)
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, r)
	if r.Size != 2100 || r.Checkpoints != len(m.stored) {
		t.Fatalf("the export: size %d, %d checkpoints; want 2100, %d", r.Size, r.Checkpoints, len(m.stored))
	}
}
