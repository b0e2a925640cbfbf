package approval

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
)

// requestAAD binds a sealed request or result to its approval.
func requestAAD(id, what string) string {
	return fmt.Sprintf("aos/approval/v1 id=%s part=%s", id, what)
}

// Digest is the hex SHA-256 of a held request's bytes.
func Digest(request []byte) string {
	sum := sha256.Sum256(request)
	return hex.EncodeToString(sum[:])
}

// SealRequest seals the exact request bytes into a and sets its digest.
func SealRequest(v *vault.Vault, a *aos.Approval, request []byte) error {
	sealed, err := v.Seal(vault.NewSecret(request), requestAAD(a.ID, "request"))
	if err != nil {
		return err
	}
	a.Request, a.Digest = sealed, Digest(request)
	return nil
}

// OpenRequest returns the held request bytes, checking them against the
// digest recorded at hold time. A request that does not open or match is
// never executed.
func OpenRequest(v *vault.Vault, a *aos.Approval) ([]byte, error) {
	s, err := v.Open(a.Request, requestAAD(a.ID, "request"))
	if err != nil {
		return nil, fmt.Errorf("approval %s: the held request does not open: %w", a.ID, err)
	}
	b := s.Reveal()
	if Digest(b) != a.Digest {
		return nil, fmt.Errorf("approval %s: the held request does not match its digest", a.ID)
	}
	return b, nil
}

// SealResult seals the upstream's answer into a.
func SealResult(v *vault.Vault, a *aos.Approval, result []byte) error {
	sealed, err := v.Seal(vault.NewSecret(result), requestAAD(a.ID, "result"))
	if err != nil {
		return err
	}
	a.Result = sealed
	return nil
}

// OpenResult returns the upstream's answer sealed by SealResult.
func OpenResult(v *vault.Vault, a *aos.Approval) ([]byte, error) {
	if len(a.Result) == 0 {
		return nil, nil
	}
	s, err := v.Open(a.Result, requestAAD(a.ID, "result"))
	if err != nil {
		return nil, fmt.Errorf("approval %s: the result does not open: %w", a.ID, err)
	}
	return s.Reveal(), nil
}
