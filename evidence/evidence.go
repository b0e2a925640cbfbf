// Package evidence is the tamper-evident evidence trail of an aos instance.
//
// Every record is the leaf of an RFC 6962 Merkle tree (golang.org/x/mod/sumdb/tlog)
// kept in an aos.Store. Each committed batch of records is covered by a
// checkpoint: a C2SP tlog-checkpoint signed as a note with the instance's
// Ed25519 key, stored with the entries in the same transaction and appended to
// a checkpoint file outside the store. Sensitive payloads enter a leaf only as
// a salted commitment, so a redaction removes the content and leaves the tree
// intact.
//
// Verify re-derives the whole tree from the leaves and checks it against every
// checkpoint, naming the first bad entry; Export writes a self-contained copy
// that VerifyExport checks offline with only the public key.
//
// The package does no I/O of its own besides the checkpoint file, and reads no
// clock: the time comes from Config.Now.
package evidence

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// GenerateKey returns a new Ed25519 key pair for signing checkpoints, encoded
// as note keys: skey ("PRIVATE+KEY+name+hash+key") is the secret signer key,
// vkey ("name+hash+key") the public verifier key that auditors need. name must
// be a valid note key name (no spaces, no '+').
func GenerateKey(name string) (skey, vkey string, err error) {
	skey, vkey, err = note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("evidence: generate key: %w", err)
	}
	// note.GenerateKey does not check the name; NewVerifier does.
	if _, err := note.NewVerifier(vkey); err != nil {
		return "", "", fmt.Errorf("evidence: generate key %q: %w", name, err)
	}
	return skey, vkey, nil
}

// NewSigner parses a signer key made by GenerateKey.
func NewSigner(skey string) (note.Signer, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		// The key itself never enters the message.
		return nil, fmt.Errorf("evidence: signer key: %w", err)
	}
	return s, nil
}

// NewVerifier parses a verifier key made by GenerateKey.
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("evidence: verifier key: %w", err)
	}
	return v, nil
}

// keyID names a key as note signature lines do: "name+hash".
func keyID(v note.Verifier) string {
	return fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())
}

// VerifierKeyOf returns the verifier key ("name+hash+key") of a signer key
// made by GenerateKey, so that an instance whose signing key lives outside
// its home can still write the public key into it. The key itself never
// enters an error.
func VerifierKeyOf(skey string) (string, error) {
	s, err := NewSigner(skey)
	if err != nil {
		return "", err
	}
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return "", errors.New("evidence: signer key: malformed")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != algEd25519 {
		return "", errors.New("evidence: signer key: not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey := s.Name() + "+" + parts[3] + "+" + base64.StdEncoding.EncodeToString(append([]byte{algEd25519}, pub...))
	v, err := NewVerifier(vkey)
	if err != nil {
		return "", err
	}
	if err := checkKeyPair(s, v); err != nil {
		return "", err
	}
	return vkey, nil
}

// algEd25519 is the note package's algorithm byte for Ed25519 keys.
const algEd25519 = 1
