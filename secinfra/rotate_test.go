package secinfra_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// TestOwner_RotateCredential_concurrent rotates a key while agents' calls
// run: none fails, and the calls that start once the rotation returned
// carry the new key only.
func TestOwner_RotateCredential_concurrent(t *testing.T) {
	const oldKey, newKey = "crm-old-secret-77aa", "crm-new-secret-19bc"
	up := &keyLog{}
	upstream := httptest.NewServer(up)
	defer upstream.Close()
	in := gatewaytest.Start(t, rest.New())
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: upstream.URL, Scope: "/v1", To: "company",
		Credential: vault.NewSecret([]byte(oldKey))})
	agent := in.Agent(t, "ana", "sales")

	var (
		stop     = make(chan struct{})
		wg       sync.WaitGroup
		failures atomic.Int64
		rotated  atomic.Bool
		mu       sync.Mutex
		lateOld  int // calls started after the rotation returned whose request carried the old key
	)
	var n atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				after := rotated.Load()
				q := "n=" + strconv.FormatInt(n.Add(1), 10)
				if status, body := send(t, "GET", in.URL+"/v1/proxy/crm/v1/contacts?"+q, agent, ""); status != 200 {
					failures.Add(1)
					t.Errorf("a call failed during the rotation: %d %s", status, body)
				}
				if after && up.keyFor(q) != newKey {
					mu.Lock()
					lateOld++
					mu.Unlock()
				}
			}
		}()
	}
	for deadline := time.Now().Add(20 * time.Second); up.count(oldKey) < 20; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no calls on the old key")
		}
	}
	if _, err := in.Owner.RotateCredential(context.Background(), in.Boss, "crm", vault.NewSecret([]byte(newKey))); err != nil {
		t.Fatal(err)
	}
	rotated.Store(true)
	for deadline := time.Now().Add(20 * time.Second); up.count(newKey) < 20; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no calls on the new key")
		}
	}
	close(stop)
	wg.Wait()
	if failures.Load() != 0 || lateOld != 0 {
		t.Errorf("%d calls failed, %d calls started after the rotation carried the old key", failures.Load(), lateOld)
	}
	in.Verify(t)
}
