package vault_test

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"sync"
	"testing"

	"github.com/aos-dev/aos/vault"
)

// TestMAC: a MAC is HMAC-SHA-256, under the key derived for MACs, of the
// purpose, a zero byte and the data, whatever was MACed before it and
// from however many goroutines at once (the HMAC states are reused).
func TestMAC(t *testing.T) {
	master := vault.GenerateKey()
	v, err := vault.New(master)
	if err != nil {
		t.Fatal(err)
	}
	key, err := hkdf.Key(sha256.New, master.Reveal(), nil, "aos vault mac v1", vault.KeySize)
	if err != nil {
		t.Fatal(err)
	}
	want := func(purpose, data string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(purpose + "\x00" + data))
		return m.Sum(nil)
	}
	inputs := [][2]string{{"pii", "ada@example.com"}, {"pii", ""}, {"credential fingerprint", "sk_live_1"}, {"", "x"}, {"pii", string(bytes.Repeat([]byte("long "), 100))}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				for _, in := range inputs {
					if got := v.MAC(in[0], []byte(in[1])); !bytes.Equal(got, want(in[0], in[1])) {
						t.Errorf("MAC(%q, %.20q) = %x; want %x", in[0], in[1], got, want(in[0], in[1]))
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
