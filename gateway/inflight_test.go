package gateway

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/store/sqlite"
	"github.com/aos-dev/aos/vault"
)

// blockingConnector's Do tells entered it was called, then waits for
// release and fails; it implements nothing else.
type blockingConnector struct {
	connector.Connector
	entered chan struct{}
	release chan struct{}
}

func (k *blockingConnector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	k.entered <- struct{}{}
	<-k.release
	return nil, aos.Errorf(aos.EUpstream, "test upstream")
}

func newSendFixture(t *testing.T) (*Gateway, *aos.Connection, *aos.Credential) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	c := &aos.Connection{Name: "pay", Type: "http", BaseURL: "http://127.0.0.1:1", CreatedAt: time.Now()}
	cred := &aos.Credential{Version: 1, Sealed: []byte("sealed"), Status: aos.CredentialActive, Fingerprint: "f1", CreatedAt: time.Now()}
	err = st.Update(ctx, func(tx aos.Tx) error {
		if err := tx.CreateConnection(ctx, c); err != nil {
			return err
		}
		cred.ConnectionID = c.ID
		return tx.CreateCredential(ctx, cred)
	})
	if err != nil {
		t.Fatal(err)
	}
	return &Gateway{Store: st}, c, cred
}

func setStatus(t *testing.T, g *Gateway, cred *aos.Credential, s aos.CredentialStatus) {
	t.Helper()
	stored := *cred
	stored.Status = s
	if err := g.Store.Update(context.Background(), func(tx aos.Tx) error { return tx.UpdateCredential(context.Background(), &stored) }); err != nil {
		t.Fatal(err)
	}
}

// TestGateway_sendCall_exposedAfterAuthorisation: a call authorised on a
// credential version that is declared exposed before it is sent sends
// nothing, and is decided again; one retired by a rotation still goes.
func TestGateway_sendCall_exposedAfterAuthorisation(t *testing.T) {
	for _, c := range []struct {
		status aos.CredentialStatus
		sends  bool
	}{{aos.CredentialExposed, false}, {aos.CredentialRevoked, true}, {aos.CredentialActive, true}} {
		t.Run(string(c.status), func(t *testing.T) {
			g, conn, cred := newSendFixture(t) // cred is what the authorising transaction read
			setStatus(t, g, cred, c.status)
			k := &blockingConnector{entered: make(chan struct{}, 1), release: make(chan struct{})}
			close(k.release)
			_, _, err := g.sendCall(context.Background(), k, conn, cred, vault.NewSecret([]byte("s")), &connector.Call{}, decidedOn{})
			sent := len(k.entered) == 1
			var rd *connector.Redecide
			if sent != c.sends || !c.sends && !errors.As(err, &rd) {
				t.Fatalf("sent %v, err %v; want sent %v", sent, err, c.sends)
			}
		})
	}
}

// TestGateway_DrainCredential: draining a version waits for the sends
// under way with it, and only those.
func TestGateway_DrainCredential(t *testing.T) {
	g, conn, cred := newSendFixture(t)
	k := &blockingConnector{entered: make(chan struct{}, 1), release: make(chan struct{})}
	sent := make(chan struct{})
	go func() {
		g.sendCall(context.Background(), k, conn, cred, vault.NewSecret([]byte("s")), &connector.Call{}, decidedOn{})
		close(sent)
	}()
	<-k.entered
	if err := g.DrainCredential(context.Background(), conn.ID, cred.Version+1); err != nil {
		t.Fatalf("draining another version: %v", err)
	}
	drained := make(chan error, 1)
	go func() { drained <- g.DrainCredential(context.Background(), conn.ID, cred.Version) }()
	select {
	case err := <-drained:
		t.Fatalf("drained (%v) while a send was under way", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(k.release)
	<-sent
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.DrainCredential(ctx, conn.ID, cred.Version); err != nil {
		t.Fatalf("nothing under way: %v", err)
	}
}

// genLog is an evidence log that only has a state generation.
type genLog struct {
	aos.EvidenceLog
	gen uint64
}

func (l *genLog) StateGeneration() uint64                 { return l.gen }
func (l *genLog) StateCurrent(tx aos.Tx, gen uint64) bool { return l.gen == gen }

// TestGateway_sendCall_cachedDecision: a call decided on the state cache
// is sent without reading the store while the state generation stays the
// one it was decided on; once the generation moves (this process
// committed a change, or a batch found another replica's), the send reads
// the credential's status from the store and refuses an exposed version.
func TestGateway_sendCall_cachedDecision(t *testing.T) {
	g, conn, cred := newSendFixture(t)
	log := &genLog{gen: 7}
	g.Log = log
	setStatus(t, g, cred, aos.CredentialExposed) // in the store only: the generation has not moved
	send := func(on decidedOn) (bool, error) {
		k := &blockingConnector{entered: make(chan struct{}, 1), release: make(chan struct{})}
		close(k.release)
		_, _, err := g.sendCall(context.Background(), k, conn, cred, vault.NewSecret([]byte("s")), &connector.Call{}, on)
		return len(k.entered) == 1, err
	}
	if sent, _ := send(decidedOn{gen: 7, cached: true}); !sent {
		t.Fatal("a call decided at the current generation read the store")
	}
	var rd *connector.Redecide
	for _, on := range []decidedOn{{gen: 6, cached: true}, {gen: 7}} {
		if sent, err := send(on); sent || !errors.As(err, &rd) {
			t.Fatalf("decided on %+v with the generation at 7: sent %v, err %v; want nothing sent and a redecision", on, sent, err)
		}
	}
	log.gen = 8 // the exposure committed: the generation moves
	if sent, err := send(decidedOn{gen: 7, cached: true}); sent || !errors.As(err, &rd) {
		t.Fatalf("after the generation moved: sent %v, err %v", sent, err)
	}
}
