package storecheck

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aos-dev/aos"
)

// Time checks that t can be stored: its year in UTC is in 0 to 9999, which
// SQLite's fixed-width text layout holds. PostgreSQL could hold more, but
// refuses the same times so that both stores accept the same input.
func Time(field string, t time.Time) error {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return aos.Errorf(aos.EBadRequest, "%s: year %d is out of range", field, y)
	}
	return nil
}

// JSON encodes v as stored JSON text. A nil slice is stored as null and reads
// back as nil. The error names the field; the store adds its own name.
func JSON(field string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", field, err)
	}
	return string(b), nil
}

// ApprovalText is the stored JSON text of an approval's lists and facts.
type ApprovalText struct {
	Points, Facts, Reasons, Alternatives string
}

// EncodeApproval encodes a's points, facts, reasons and alternatives, in
// that order, as JSON; the error is the first failure.
func EncodeApproval(a *aos.Approval) (ApprovalText, error) {
	var t ApprovalText
	var err error
	if t.Points, err = JSON("points", a.Points); err != nil {
		return t, err
	}
	if t.Facts, err = JSON("facts", a.Facts); err != nil {
		return t, err
	}
	if t.Reasons, err = JSON("reasons", a.Reasons); err != nil {
		return t, err
	}
	if t.Alternatives, err = JSON("alternatives", a.Alternatives); err != nil {
		return t, err
	}
	return t, nil
}

// DistinctMACs returns the MACs FindFingerprints looks up: macs without the
// empty ones and without repeats, in their first order.
func DistinctMACs(macs [][]byte) [][]byte {
	seen := make(map[string]bool, len(macs))
	var out [][]byte
	for _, m := range macs {
		if len(m) == 0 || seen[string(m)] {
			continue
		}
		seen[string(m)] = true
		out = append(out, m)
	}
	return out
}

// SortFingerprints sorts fps as FindFingerprints returns them: by MAC and
// then connection ID.
func SortFingerprints(fps []aos.Fingerprint) {
	slices.SortFunc(fps, func(a, b aos.Fingerprint) int {
		if c := bytes.Compare(a.MAC, b.MAC); c != 0 {
			return c
		}
		return cmp.Compare(a.ConnectionID, b.ConnectionID)
	})
}

// SortFlows sorts fs as ListFlows returns them: by At and then ID.
func SortFlows(fs []*aos.Flow) {
	slices.SortFunc(fs, func(a, b *aos.Flow) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
