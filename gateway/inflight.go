package gateway

import (
	"context"
	"strconv"
	"sync"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// inflight counts the calls this process is sending with each credential
// version, so that declaring a key exposed can wait for them.
//
// The guarantee, with DrainCredential: a call registers its credential
// version here, then confirms the version is not exposed, and sends only
// if it is not. Declaring a key exposed commits the status first and then
// drains the version. A call that registered before the drain looked is
// waited for; one that registers after it confirms after the status
// committed and sends nothing. So once the exposed command returns, no
// call of this process sends the old key or is still waiting for an
// answer to it.
//
// Confirming costs no read of the store for a call decided on the state
// cache while the state generation stays the one its authorising batch
// found current: a status change committed by this process moves the
// generation before its Record returns, so before the drain. Otherwise
// (the generation moved, a call decided on the store, a held call sent
// once approved) the call reads the version's status from the store.
//
// Another replica's status change reaches this process's generation at
// this process's next batch, so a call it had authorised just before may
// still be sent; the exposed-key runbook waits for exactly those: every
// call authorised with the version before the revocation, on any replica,
// records its outcome in the evidence log once its upstream has answered
// (secinfra.Keys.Exposed), and no call is authorised with it after.
type inflight struct {
	mu    sync.Mutex
	calls map[credKey]*credCalls
}

type credKey struct {
	conn    int64
	version int
}

type credCalls struct {
	n    int
	idle chan struct{} // closed when n drops to zero
}

func (f *inflight) enter(k credKey) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[credKey]*credCalls{}
	}
	c := f.calls[k]
	if c == nil {
		c = &credCalls{idle: make(chan struct{})}
		f.calls[k] = c
	}
	c.n++
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if c.n--; c.n == 0 {
			close(c.idle)
			delete(f.calls, k)
		}
	}
}

// wait returns once no call of k is being sent, or when ctx ends.
func (f *inflight) wait(ctx context.Context, k credKey) error {
	f.mu.Lock()
	c := f.calls[k]
	f.mu.Unlock()
	if c == nil {
		return nil
	}
	select {
	case <-c.idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DrainCredential returns once this process sends no call with version
// version of the credential of connection connID, which its caller has
// already marked exposed in the store (see inflight for the guarantee).
func (g *Gateway) DrainCredential(ctx context.Context, connID int64, version int) error {
	return g.sending.wait(ctx, credKey{connID, version})
}

// decidedOn is the state generation a call was decided on, when it was
// decided on the state cache and its authorising batch found that
// generation current; the zero value when it was not.
type decidedOn struct {
	gen    uint64
	cached bool
}

// guardSend registers a send with cred and confirms that cred was not
// declared exposed since the call was authorised (see inflight). The
// returned release ends the registration; it is nil when nothing may be
// sent, and the error is then a connector.Redecide: nothing was sent, and
// deciding again finds the connection's live credential, if any.
func (g *Gateway) guardSend(ctx context.Context, conn *aos.Connection, cred *aos.Credential, on decidedOn) (func(), error) {
	release := g.sending.enter(credKey{conn.ID, cred.Version})
	if on.cached {
		if gens := g.generations(); gens != nil && gens.StateGeneration() == on.gen {
			return release, nil
		}
	}
	var status aos.CredentialStatus
	err := g.Store.View(ctx, func(tx aos.Tx) error {
		creds, err := tx.ListCredentials(ctx, conn.ID)
		if err != nil {
			return err
		}
		for _, c := range creds {
			if c.Version == cred.Version {
				status = c.Status
			}
		}
		return nil
	})
	switch {
	case err != nil:
		release()
		return nil, err
	case status == aos.CredentialExposed || status == "":
		release()
		return nil, &connector.Redecide{Reason: "credential version " + strconv.Itoa(cred.Version) +
			" of connection " + conn.Name + " was declared exposed before the call was sent"}
	}
	return release, nil
}
