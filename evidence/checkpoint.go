package evidence

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is the body of a signed checkpoint, in the C2SP tlog-checkpoint
// format: the origin line naming the log, the tree size in decimal, and the
// base64 root hash, each ending in a newline, then one extension line,
// "aos-state", the version of the state images (StateVersion) and the hex
// digest of the state that decides calls at that size (see State.Digest). Checkpoints written before the state was
// committed have no extension line; no other extension line is accepted.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	// State is the hex state digest, "" in a checkpoint that states none.
	State string
	// StateVersion is the version of the state images State digests.
	StateVersion int
}

// stateLinePrefix starts the checkpoint's extension line.
const stateLinePrefix = "aos-state "

// Text returns the canonical checkpoint body.
func (c Checkpoint) Text() []byte {
	b := fmt.Appendf(nil, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]))
	if c.State != "" {
		b = fmt.Appendf(b, "%s%d %s\n", stateLinePrefix, c.StateVersion, c.State)
	}
	return b
}

// ParseCheckpoint parses a checkpoint body. It accepts only the canonical
// spelling, so Text gives back the same bytes.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	lines := strings.Split(string(text), "\n")
	var state string
	var stateVersion int
	if len(lines) == 5 && lines[4] == "" {
		rest, ok := strings.CutPrefix(lines[3], stateLinePrefix)
		v, digest, ok2 := strings.Cut(rest, " ")
		version, err := strconv.Atoi(v)
		if !ok || !ok2 || err != nil || version < 1 || strconv.Itoa(version) != v || !isCommitment(digest) {
			return Checkpoint{}, errors.New("checkpoint: malformed extension line")
		}
		state, stateVersion = digest, version
		lines = append(lines[:3], "")
	}
	if len(lines) != 4 || lines[3] != "" {
		return Checkpoint{}, errors.New("checkpoint: want three lines and at most one state line")
	}
	if err := checkOrigin(lines[0]); err != nil {
		return Checkpoint{}, err
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return Checkpoint{}, errors.New("checkpoint: malformed size")
	}
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return Checkpoint{}, errors.New("checkpoint: malformed root hash")
	}
	c := Checkpoint{Origin: lines[0], Size: size, State: state, StateVersion: stateVersion}
	copy(c.Root[:], root)
	return c, nil
}

// checkOrigin accepts a non-empty line of printable UTF-8 without leading or
// trailing space.
func checkOrigin(origin string) error {
	if origin == "" || !utf8.ValidString(origin) || strings.TrimSpace(origin) != origin {
		return errors.New("checkpoint: malformed origin")
	}
	for _, r := range origin {
		if !unicode.IsPrint(r) && r != ' ' {
			return errors.New("checkpoint: malformed origin")
		}
	}
	return nil
}

// SignCheckpoint returns c as a note signed by s.
func SignCheckpoint(c Checkpoint, s note.Signer) ([]byte, error) {
	if err := checkOrigin(c.Origin); err != nil {
		return nil, err
	}
	if c.State != "" && (!isCommitment(c.State) || c.StateVersion < 1) {
		return nil, errors.New("checkpoint: malformed state digest")
	}
	signed, err := note.Sign(&note.Note{Text: string(c.Text())}, s)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: sign: %w", err)
	}
	return signed, nil
}

// OpenCheckpoint checks that signed is a note carrying a valid signature by v
// and returns the checkpoint it states. Signatures by other keys are ignored.
// The error says whether the note is malformed, lacks v's signature, or
// carries an invalid one.
func OpenCheckpoint(signed []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return Checkpoint{}, fmt.Errorf("not signed by key %s", keyID(v))
		case errors.As(err, &invalid):
			return Checkpoint{}, fmt.Errorf("invalid signature by key %s", keyID(v))
		}
		return Checkpoint{}, fmt.Errorf("malformed note: %w", err)
	}
	return ParseCheckpoint([]byte(n.Text))
}

// The checkpoint file is a sequence of signed notes, each followed by a blank
// line. A note's own blank line separates its text from its signature lines,
// which all begin with "— ", so a blank line after a signature line ends the
// note.

// openCheckpointFile opens path for appending, creating it (and syncing its
// directory, so the new name is durable) if needed.
func openCheckpointFile(path string) (*os.File, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		if d, err := os.Open(filepath.Dir(path)); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return f, nil
}

// SplitCheckpointFile splits the contents of a checkpoint file into its
// notes. It never fails: a malformed or torn piece is returned as it stands,
// for OpenCheckpoint to reject.
func SplitCheckpointFile(data []byte) [][]byte {
	var notes [][]byte
	start, inSigs := 0, false
	for pos := 0; pos < len(data); {
		line, next := data[pos:], len(data)
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, next = line[:i], pos+i+1
		}
		if len(line) == 0 {
			switch {
			case pos == start:
				start = next // stray blank line between notes
			case !inSigs:
				inSigs = true
			default:
				notes = append(notes, data[start:pos])
				start, inSigs = next, false
			}
		}
		pos = next
	}
	if start < len(data) {
		notes = append(notes, data[start:])
	}
	return notes
}
