package storecheck

import (
	"context"

	"github.com/aos-dev/aos"
)

// The errors below are those both stores return when a thing is missing or
// its unique key is taken, built in one place so that the stores word them
// alike.

// NotFound is the error for a thing (what: "grant", "approval") whose ID
// does not exist.
func NotFound(what, id string) error {
	return aos.Errorf(aos.ENotFound, "%s %s not found", what, id)
}

// IDNotFound is NotFound for a numeric ID ("connection", "credential",
// "principal").
func IDNotFound(what string, id int64) error {
	return aos.Errorf(aos.ENotFound, "%s %d not found", what, id)
}

// NameNotFound is the error for a name that does not exist among the things
// what names ("connection", "setting", or a principal kind).
func NameNotFound(what, name string) error {
	return aos.Errorf(aos.ENotFound, "%s %q not found", what, name)
}

// Exists is the error for an ID already taken by a thing (what: "grant",
// "approval", "flow").
func Exists(what, id string) error {
	return aos.Errorf(aos.EConflict, "%s %s already exists", what, id)
}

// ConnectionExists is the error for a connection name already taken.
func ConnectionExists(name string) error {
	return aos.Errorf(aos.EConflict, "connection %q already exists", name)
}

// PrincipalTokenNotFound is the error for a token hash no active principal has.
func PrincipalTokenNotFound() error {
	return aos.Errorf(aos.ENotFound, "principal not found")
}

// PrincipalFinder is the part of aos.Tx that PrincipalConflict uses.
type PrincipalFinder interface {
	PrincipalByName(ctx context.Context, kind aos.PrincipalKind, name string) (*aos.Principal, error)
}

// PrincipalConflict explains a unique violation on insert of p, looking the
// name up in tx: the name, if it is the name that is taken, else the token.
func PrincipalConflict(ctx context.Context, tx PrincipalFinder, p *aos.Principal) error {
	_, err := tx.PrincipalByName(ctx, p.Kind, p.Name)
	switch aos.ErrorCode(err) {
	case "":
		return aos.Errorf(aos.EConflict, "%s %q already exists", p.Kind, p.Name)
	case aos.ENotFound:
		return aos.Errorf(aos.EConflict, "the token of %s %q is already in use", p.Kind, p.Name)
	}
	return err
}

// NoActiveCredential is the error for a connection without an active credential.
func NoActiveCredential(connectionID int64) error {
	return aos.Errorf(aos.ENotFound, "connection %d has no active credential", connectionID)
}

// CredentialConflict explains a unique violation on insert of c: its
// version is taken (versionTaken), or its connection already has an active
// credential.
func CredentialConflict(c *aos.Credential, versionTaken bool) error {
	if versionTaken {
		return aos.Errorf(aos.EConflict, "connection %d already has credential version %d", c.ConnectionID, c.Version)
	}
	return aos.Errorf(aos.EConflict, "connection %d already has an active credential", c.ConnectionID)
}

// ActiveCredentialConflict is the error for an update that would make a
// second active credential for the connection of credential id.
func ActiveCredentialConflict(id int64) error {
	return aos.Errorf(aos.EConflict, "the connection of credential %d already has an active credential", id)
}

// EntryExists is the error for an evidence entry index already stored.
func EntryExists(index int64) error {
	return aos.Errorf(aos.EConflict, "evidence: entry %d is already stored", index)
}

// HashExists is the error for a tree hash storage index already stored.
func HashExists(id int64) error {
	return aos.Errorf(aos.EConflict, "evidence: tree hash %d is already stored", id)
}

// HashNotFound is the error for a tree hash storage index not stored.
func HashNotFound(id int64) error {
	return aos.Errorf(aos.ENotFound, "evidence: tree hash %d not found", id)
}

// CheckpointExists is the error for a checkpoint size already stored.
func CheckpointExists(size int64) error {
	return aos.Errorf(aos.EConflict, "evidence: a checkpoint for size %d is already stored", size)
}

// NoCheckpoint is the error for a log without any checkpoint.
func NoCheckpoint() error {
	return aos.Errorf(aos.ENotFound, "no checkpoint is stored")
}

// RedactFailed explains a redaction of entry index that changed nothing:
// the entry is already redacted if it exists, else it is not found.
func RedactFailed(index int64, exists bool) error {
	if exists {
		return aos.Errorf(aos.EConflict, "evidence: entry %d is already redacted", index)
	}
	return aos.Errorf(aos.ENotFound, "evidence: entry %d not found", index)
}
