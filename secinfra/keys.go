package secinfra

import (
	"context"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/owner"
)

// Department is the department whose agents may read the inventory, the
// review and the flow map, and may revoke and narrow; never connect,
// grant, widen, approve or rotate.
const Department = "security-infra"

// MayRead reports whether p may read what Security and Infra reads: the
// owner, auditors, and agents of Department.
func MayRead(p *aos.Principal) bool {
	if p == nil {
		return false
	}
	return p.Kind == aos.Owner || p.Kind == aos.Auditor || p.Kind == aos.Agent && p.Department == Department
}

// Keys is the key inventory, rotation and the exposed-key runbook. Its
// fields are set once, before use.
type Keys struct {
	// Owner makes the changes: every one is recorded in the evidence log.
	Owner *owner.Service
	// Drain returns once this process sends nothing with a credential
	// version already marked exposed (gateway.Gateway.DrainCredential);
	// nil when no gateway runs in this process.
	Drain func(ctx context.Context, connID int64, version int) error
	// ProviderTimeout bounds each question to the provider (revoke, check);
	// DefaultProviderTimeout if zero.
	ProviderTimeout time.Duration
	// SettleWindow overrides the package's SettleWindow (tests); zero
	// means SettleWindow.
	SettleWindow time.Duration
	// Changed wakes those waiting on approvals after the runbook failed
	// some (approval.Service.Changed); nil when none wait here.
	Changed func()
}

// DefaultProviderTimeout bounds a question to the provider.
const DefaultProviderTimeout = 15 * time.Second

func (k *Keys) now() time.Time { return k.Owner.Now().UTC() }

func (k *Keys) settleWindow() time.Duration {
	if k.SettleWindow > 0 {
		return k.SettleWindow
	}
	return SettleWindow
}

// List returns the inventory (see Inventory). The owner, auditors and
// agents of Department. Errors: EForbidden.
func (k *Keys) List(ctx context.Context, actor *aos.Principal) ([]Key, error) {
	if !MayRead(actor) {
		return nil, aos.Errorf(aos.EForbidden, "the key inventory is for the owner, auditors and the %s department", Department)
	}
	var keys []Key
	err := k.Owner.Store.View(ctx, func(tx aos.Tx) (err error) {
		keys, err = Inventory(ctx, tx, k.now())
		return err
	})
	return keys, err
}
