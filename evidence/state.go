package evidence

import (
	"context"
	"crypto/sha256"
	"crypto/sha3"
	"encoding/binary"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aos-dev/aos"
)

// The state that decides calls is a projection of the evidence log. Every
// entry that changed it carries, in its leaf, the image of each row it wrote
// as that row stood afterwards (aos.Record.State). Replaying those images in
// log order rebuilds the state; Verify compares the rebuilt state with the
// store's, row by row, and every checkpoint states a digest of the state at
// its size, which lets `aos serve` check a store cheaply at start.
//
// An image holds only what decides calls, and nothing secret: token hashes
// (of 256-bit random tokens), digests of sealed blobs and of connector
// settings, never a credential or a setting's value. Times have microsecond
// precision, the least a store keeps.

// StateVersion is the version of the state images. A change to what an
// image holds gets a new version; on a log whose newest checkpoint states
// an older one, the next batch writes a state.baseline entry with the
// images as they are now, and the digest continues from it.
const StateVersion = 1

// State tables, in the order verify reports them.
const (
	TablePrincipal  = "principal"
	TableConnection = "connection"
	TableCredential = "credential"
	TableGrant      = "grant"
	TableSetting    = "setting"
	TableApproval   = "approval"
)

var tableOrder = map[string]int{
	TablePrincipal: 0, TableConnection: 1, TableCredential: 2, TableGrant: 3, TableSetting: 4, TableApproval: 5,
}

func imageTime(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z")
}

func putTime(row map[string]string, field string, t *time.Time) {
	if t != nil {
		row[field] = imageTime(*t)
	}
}

func putString(row map[string]string, field, v string) {
	if v != "" {
		row[field] = v
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// PrincipalImage is the state image of a principal.
func PrincipalImage(p *aos.Principal) aos.StateChange {
	row := map[string]string{
		"kind": string(p.Kind), "name": p.Name, "token_hash": hex.EncodeToString(p.TokenHash),
		"created_at": imageTime(p.CreatedAt),
	}
	putString(row, "department", p.Department)
	putTime(row, "removed_at", p.RemovedAt)
	return aos.StateChange{Table: TablePrincipal, Key: id(p.ID), Row: row}
}

// ConnectionImage is the state image of a connection. Its settings enter as
// a digest.
func ConnectionImage(c *aos.Connection) aos.StateChange {
	row := map[string]string{
		"name": c.Name, "type": c.Type, "base_url": c.BaseURL,
		"holds_customer_data": strconv.FormatBool(c.HoldsCustomerData), "created_at": imageTime(c.CreatedAt),
	}
	putString(row, "auth", c.Auth)
	if len(c.Config) > 0 {
		row["config_sha256"] = sha256Hex(c.Config)
	}
	putTime(row, "disconnected_at", c.DisconnectedAt)
	return aos.StateChange{Table: TableConnection, Key: id(c.ID), Row: row}
}

// CredentialImage is the state image of a credential version: which one is
// active and the digest of its sealed blob. What inspection learnt and when
// it was last used do not decide calls and are left out.
func CredentialImage(c *aos.Credential) aos.StateChange {
	row := map[string]string{
		"connection": id(c.ConnectionID), "version": strconv.Itoa(c.Version), "status": string(c.Status),
		"sealed_sha256": sha256Hex(c.Sealed), "fingerprint": c.Fingerprint,
		"rotation_period": c.RotationPeriod.String(), "created_at": imageTime(c.CreatedAt),
	}
	putTime(row, "rotated_at", c.RotatedAt)
	return aos.StateChange{Table: TableCredential, Key: id(c.ID), Row: row}
}

// GrantImage is the state image of a grant.
func GrantImage(g *aos.Grant) aos.StateChange {
	row := map[string]string{
		"connection": id(g.ConnectionID), "scope": g.Scope, "access": string(g.Access),
		"grantee": g.GranteeLabel(), "created_at": imageTime(g.CreatedAt),
	}
	if g.GranteeID != 0 {
		row["grantee_id"] = id(g.GranteeID) // the agent it covers, by principal ID
	}
	putTime(row, "expires_at", g.ExpiresAt)
	putString(row, "mission", g.Mission)
	putTime(row, "revoked_at", g.RevokedAt)
	putString(row, "revoked_by", g.RevokedBy)
	return aos.StateChange{Table: TableGrant, Key: g.ID, Row: row}
}

// SettingImage is the state image of a setting: its value's digest.
func SettingImage(key, value string) aos.StateChange {
	return aos.StateChange{Table: TableSetting, Key: key, Row: map[string]string{"value_sha256": sha256Hex([]byte(value))}}
}

// ApprovalImage is the state image of an approval that can still run
// (pending, or approved and not finished): what runs, for whom and under
// which decision. The sealed request enters through its digest, which
// opening it checks. An approval that has finished (executed, failed, denied,
// expired) can never run again and leaves the state: its image is a nil row.
func ApprovalImage(a *aos.Approval) aos.StateChange {
	c := aos.StateChange{Table: TableApproval, Key: a.ID}
	if a.Status != aos.ApprovalPending && a.Status != aos.ApprovalApproved {
		return c
	}
	points := make([]string, len(a.Points))
	for i, p := range a.Points {
		points[i] = string(p)
	}
	c.Row = map[string]string{
		"kind": string(a.Kind), "status": string(a.Status), "requester": id(a.RequesterID),
		"points": strings.Join(points, ","), "digest": a.Digest,
		"expires_at": imageTime(a.ExpiresAt),
	}
	if a.Kind == aos.ApprovalRedaction {
		c.Row["redact_entry"] = id(a.RedactEntry)
	} else {
		c.Row["connection"] = id(a.ConnectionID)
		c.Row["grant"] = a.GrantID
		c.Row["credential_version"] = strconv.Itoa(a.CredentialVersion)
		putString(c.Row, "operation", a.Operation)
		putString(c.Row, "access", string(a.Access))
	}
	putString(c.Row, "decider", a.Decider)
	putTime(c.Row, "executed_at", a.ExecutedAt)
	return c
}

// State is the state that decides calls, as rows by table and key, with a
// homomorphic digest of them kept up to date as rows change, so that
// stating the digest after a change costs the change, not the state.
type State struct {
	rows map[stateKey]stateRow
	acc  ltHash
}

type stateKey struct{ table, key string }

type stateRow struct {
	row map[string]string
	// by is the index of the entry that last wrote the row, -1 when it
	// came from the store.
	by int64
}

// NewState returns an empty state.
func NewState() *State { return &State{rows: map[stateKey]stateRow{}} }

// Len is the number of rows.
func (s *State) Len() int { return len(s.rows) }

// Apply writes one change, made by entry by (-1 when it is not known).
func (s *State) Apply(c aos.StateChange, by int64) {
	k := stateKey{c.Table, c.Key}
	if old, ok := s.rows[k]; ok {
		s.acc.sub(rowVector(k, old.row))
	}
	if c.Row == nil {
		delete(s.rows, k)
		return
	}
	s.rows[k] = stateRow{row: maps.Clone(c.Row), by: by}
	s.acc.add(rowVector(k, c.Row))
}

// Row returns the image of a row, nil when the state has none.
func (s *State) Row(table, key string) map[string]string {
	return s.rows[stateKey{table, key}].row
}

// Clone returns a copy of s that changes independently.
func (s *State) Clone() *State {
	return &State{rows: maps.Clone(s.rows), acc: s.acc}
}

// Changes lists every row as a change, tables in their order and keys in
// theirs.
func (s *State) Changes() []aos.StateChange {
	keys := slices.Collect(maps.Keys(s.rows))
	slices.SortFunc(keys, compareKeys)
	out := make([]aos.StateChange, 0, len(keys))
	for _, k := range keys {
		out = append(out, aos.StateChange{Table: k.table, Key: k.key, Row: maps.Clone(s.rows[k].row)})
	}
	return out
}

func compareKeys(a, b stateKey) int {
	if a.table != b.table {
		return tableOrder[a.table] - tableOrder[b.table]
	}
	// Numeric keys (principals, connections, credentials) in number order.
	if len(a.key) != len(b.key) && isDigits(a.key) && isDigits(b.key) {
		return len(a.key) - len(b.key)
	}
	return strings.Compare(a.key, b.key)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// stateDomain separates state digests from every other SHA-256 use.
const stateDomain = "aos state digest v1\x00"

// Digest is the hex SHA-256 of the state's LtHash: equal exactly when the
// states hold the same rows (up to the hash's collision resistance).
func (s *State) Digest() string { return digestOf(&s.acc) }

func digestOf(acc *ltHash) string {
	h := sha256.New()
	h.Write([]byte(stateDomain))
	var b [2 * ltHashLen]byte
	for i, v := range acc {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	h.Write(b[:])
	return hex.EncodeToString(h.Sum(nil))
}

// The state digest is LtHash16 (Bellare and Micciancio's additive hash as
// parameterised by Lewi, Kim, Maykov and Weis, "Securing Update Propagation
// with Homomorphic Hashing", 2019): each row maps, through SHAKE128, to a
// vector of 1024 16-bit words, and the state's hash is the sum of its rows'
// vectors, word by word, modulo 2^16. A row's change subtracts its old
// vector and adds its new one, and the sum does not depend on the order
// rows were added in.
const ltHashLen = 1024

type ltHash [ltHashLen]uint16

func (h *ltHash) add(v *ltHash) {
	for i := range h {
		h[i] += v[i]
	}
}

func (h *ltHash) sub(v *ltHash) {
	for i := range h {
		h[i] -= v[i]
	}
}

// rowDomain separates row vectors from every other SHAKE128 use.
const rowDomain = "aos state row v1\x00"

// rowVector expands a row's table, key and fields, each prefixed with its
// length so that no two rows share an encoding, into its LtHash vector.
func rowVector(k stateKey, row map[string]string) *ltHash {
	x := sha3.NewSHAKE128()
	x.Write([]byte(rowDomain))
	var n [8]byte
	write := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		x.Write(n[:])
		x.Write([]byte(s))
	}
	write(k.table)
	write(k.key)
	for _, f := range slices.Sorted(maps.Keys(row)) {
		write(f)
		write(row[f])
	}
	var b [2 * ltHashLen]byte
	x.Read(b[:])
	v := new(ltHash)
	for i := range v {
		v[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return v
}

// LoadState reads the state that decides calls from the store.
func LoadState(ctx context.Context, tx aos.Tx) (*State, error) {
	s := NewState()
	ps, err := tx.AllPrincipals(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		s.Apply(PrincipalImage(p), -1)
	}
	cs, err := tx.ListConnections(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		s.Apply(ConnectionImage(c), -1)
		creds, err := tx.ListCredentials(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, cred := range creds {
			s.Apply(CredentialImage(cred), -1)
		}
	}
	gs, err := tx.ListGrants(ctx, aos.GrantFilter{IncludeRevoked: true})
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		s.Apply(GrantImage(g), -1)
	}
	settings, err := tx.ListSettings(ctx)
	if err != nil {
		return nil, err
	}
	for k, v := range settings {
		s.Apply(SettingImage(k, v), -1)
	}
	as, err := tx.ListApprovals(ctx, aos.ApprovalFilter{
		Statuses: []aos.ApprovalStatus{aos.ApprovalPending, aos.ApprovalApproved}, WithoutBlobs: true})
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		s.Apply(ApprovalImage(a), -1)
	}
	return s, nil
}
