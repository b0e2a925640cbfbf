package evidence

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aos-dev/aos"
)

// The export format (version 1) is JSON Lines, one object per line, each
// with a "type":
//
//	{"type":"header","format":"aos-evidence-export","version":1,"origin":O,"size":N,"key":"name+hash"}
//	{"type":"entry","index":I,"leaf":B64,"salt":B64,"payload":B64|null,"redacted_at":T}   one per row, by index
//	{"type":"checkpoint","size":S,"note":SIGNED_NOTE}                                    one per checkpoint, by size
//	{"type":"end","entries":E,"checkpoints":C}
//
// leaf, salt and payload are the stored bytes in standard base64; salt is
// absent for an entry without payload, payload is null when there is none or
// after a redaction, and redacted_at (RFC 3339) is present only then. key
// names the verifier key for the reader's information only: VerifyExport
// trusts the key it is given, never the file. The end line makes a truncated
// export detectable.
const (
	exportFormat  = "aos-evidence-export"
	exportVersion = 1
	// maxExportLine bounds one line of an export, and so one payload.
	maxExportLine = 64 << 20
)

type exportHeader struct {
	Type    string `json:"type"`
	Format  string `json:"format"`
	Version int    `json:"version"`
	Origin  string `json:"origin"`
	Size    int64  `json:"size"`
	Key     string `json:"key"`
}

type exportEntry struct {
	Type       string     `json:"type"`
	Index      int64      `json:"index"`
	Leaf       []byte     `json:"leaf"`
	Salt       []byte     `json:"salt,omitempty"`
	Payload    []byte     `json:"payload"`
	RedactedAt *time.Time `json:"redacted_at,omitempty"`
}

type exportCheckpoint struct {
	Type string `json:"type"`
	Size int64  `json:"size"`
	Note string `json:"note"`
}

type exportEnd struct {
	Type        string `json:"type"`
	Entries     int64  `json:"entries"`
	Checkpoints int64  `json:"checkpoints"`
}

// Export writes the whole log, from one consistent snapshot of the store, in
// the export format above. Redacted payloads stay redacted. The export is
// self-contained: VerifyExport checks it with only the public key.
func (l *Log) Export(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	err := l.store.View(ctx, func(tx aos.Tx) error {
		size, err := tx.LogSize(ctx)
		if err != nil {
			return err
		}
		if err := enc.Encode(exportHeader{"header", exportFormat, exportVersion, l.origin, size, keyID(l.verifier)}); err != nil {
			return err
		}
		n, err := exportEntries(ctx, tx, enc, size)
		if err != nil {
			return err
		}
		cps, err := tx.Checkpoints(ctx)
		if err != nil {
			return err
		}
		for _, cp := range cps {
			if err := enc.Encode(exportCheckpoint{"checkpoint", cp.Size, string(cp.Signed)}); err != nil {
				return err
			}
		}
		return enc.Encode(exportEnd{"end", n, int64(len(cps))})
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("evidence: export: %w", err)
	}
	return nil
}

// exportEntries writes every stored row, including any beyond the log's size
// (an export copies, Verify judges), and returns how many.
func exportEntries(ctx context.Context, tx aos.EvidenceTx, enc *json.Encoder, size int64) (int64, error) {
	var n int64
	for from := int64(0); ; from += verifyChunk {
		to := from + verifyChunk
		if to >= size {
			to = math.MaxInt64
		}
		rows, err := tx.Entries(ctx, from, to)
		if err != nil {
			return n, err
		}
		for _, r := range rows {
			line := exportEntry{Type: "entry", Index: r.Index, Leaf: r.Leaf, Salt: r.Salt, RedactedAt: r.RedactedAt}
			if r.RedactedAt == nil && len(r.Payload) > 0 {
				line.Payload = r.Payload
			}
			if err := enc.Encode(line); err != nil {
				return n, err
			}
			n++
		}
		if to == math.MaxInt64 {
			return n, nil
		}
	}
}

// VerifyExport checks an export offline, as Verify checks a store: every
// entry, the tree recomputed from the leaves, and every checkpoint under
// verifier. The export carries no tree hashes, so only leaves, payloads and
// checkpoints are compared. Malformed lines are problems in the report;
// VerifyExport returns an error only when r fails.
func VerifyExport(r io.Reader, verifier note.Verifier) (*Report, error) {
	if verifier == nil {
		return nil, errors.New("evidence: verify export: no verifier")
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxExportLine)
	x := &exportReader{sc: sc}
	c, err := x.header(verifier)
	if err != nil || c == nil {
		return x.fail(err)
	}
	if err := x.body(c); err != nil {
		return nil, err
	}
	return c.report(), nil
}

// exportReader reads an export line by line.
type exportReader struct {
	sc   *bufio.Scanner
	line int
}

// next returns the next line and its type, or nil at the end.
func (x *exportReader) next() ([]byte, string, error) {
	if !x.sc.Scan() {
		return nil, "", x.sc.Err()
	}
	x.line++
	var t struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(x.sc.Bytes(), &t); err != nil {
		return x.sc.Bytes(), "", nil
	}
	return x.sc.Bytes(), t.Type, nil
}

// decode parses one line strictly into v.
func decodeLine(line []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

// fail turns a read error or an unreadable header into a result.
func (x *exportReader) fail(err error) (*Report, error) {
	if err != nil && !errors.Is(err, bufio.ErrTooLong) {
		return nil, fmt.Errorf("evidence: verify export: %w", err)
	}
	msg := "not an evidence export: no header line"
	if err != nil {
		msg = fmt.Sprintf("line %d: longer than %d bytes", x.line+1, maxExportLine)
	} else if x.line > 0 {
		msg = "line 1: not an evidence export header"
	}
	p := Problem{Index: -1, Last: -1, Message: sourceExport + ": " + msg}
	return &Report{Problems: []Problem{p}}, nil
}

// header reads the header line and returns the checker for the export, or
// nil if the header is unusable.
func (x *exportReader) header(v note.Verifier) (*checker, error) {
	line, typ, err := x.next()
	if err != nil || line == nil || typ != "header" {
		return nil, err
	}
	var h exportHeader
	if decodeLine(line, &h) != nil || h.Format != exportFormat || h.Version != exportVersion || h.Size < 0 || checkOrigin(h.Origin) != nil {
		return nil, nil
	}
	c := newChecker(v, h.Size, false)
	c.origin = h.Origin
	if h.Key != keyID(v) {
		c.add(-1, -1, "%s: made with key %s, verifying with %s", sourceExport, h.Key, keyID(v))
	}
	return c, nil
}

// exportBody is what body has read so far.
type exportBody struct {
	entries, checkpoints int64
	finished             bool // entries over: the first checkpoint line was read
	ended                bool // the end line was read
}

// body reads the entry, checkpoint and end lines into c.
func (x *exportReader) body(c *checker) error {
	var b exportBody
	defer func() {
		if !b.finished {
			c.finishEntries()
		}
	}()
	for {
		line, typ, err := x.next()
		if errors.Is(err, bufio.ErrTooLong) {
			c.add(-1, -1, "%s: line %d: longer than %d bytes; reading stopped", sourceExport, x.line+1, maxExportLine)
			return nil
		}
		if err != nil {
			return fmt.Errorf("evidence: verify export: %w", err)
		}
		if line == nil {
			break
		}
		if b.ended {
			c.add(-1, -1, "%s: line %d: after the end line", sourceExport, x.line)
			continue
		}
		x.bodyLine(c, &b, typ, line)
	}
	if !b.ended {
		c.add(-1, -1, "%s: truncated: no end line", sourceExport)
	}
	return nil
}

// bodyLine feeds c one line of the body.
func (x *exportReader) bodyLine(c *checker, b *exportBody, typ string, line []byte) {
	bad := func(what string, err error) {
		c.add(-1, -1, "%s: line %d: %s: %v", sourceExport, x.line, what, err)
	}
	switch typ {
	case "entry":
		var e exportEntry
		switch err := decodeLine(line, &e); {
		case b.finished:
			c.add(-1, -1, "%s: line %d: entry after the checkpoints", sourceExport, x.line)
		case err != nil:
			bad("malformed entry", err)
		default:
			b.entries++
			exportedRow(c, e)
		}
	case "checkpoint":
		if !b.finished {
			c.finishEntries()
			b.finished = true
		}
		var cp exportCheckpoint
		if err := decodeLine(line, &cp); err != nil {
			bad("malformed checkpoint", err)
			return
		}
		b.checkpoints++
		c.checkpoint(sourceExport, fmt.Sprintf("line %d", x.line), []byte(cp.Note), cp.Size)
	case "end":
		b.ended = true
		var end exportEnd
		if err := decodeLine(line, &end); err != nil {
			bad("malformed end line", err)
		} else if end.Entries != b.entries || end.Checkpoints != b.checkpoints {
			c.add(-1, -1, "%s: the end line counts %d entries and %d checkpoints, the export has %d and %d",
				sourceExport, end.Entries, end.Checkpoints, b.entries, b.checkpoints)
		}
	default:
		c.add(-1, -1, "%s: line %d: not an export line", sourceExport, x.line)
	}
}

// exportedRow feeds c one entry line.
func exportedRow(c *checker, e exportEntry) {
	row := aos.StoredEntry{Index: e.Index, Leaf: e.Leaf, Salt: e.Salt, Payload: e.Payload, RedactedAt: e.RedactedAt}
	switch {
	case e.Index < 0:
		c.add(-1, -1, "%s: an entry line has the negative index %d", sourceExport, e.Index)
	case e.Index < c.next:
		c.extra(row, "duplicate or out-of-order line")
	case e.Index >= c.size:
		c.extra(row, fmt.Sprintf("row beyond the log size %d", c.size))
	default:
		c.absentRange(c.next, e.Index)
		c.present(row, storedHash{})
	}
}
