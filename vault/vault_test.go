package vault_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aos-dev/aos/vault"
)

func TestVault_SealOpen(t *testing.T) {
	v, err := vault.New(vault.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	plain := vault.NewSecret([]byte("sk_live_canary_1234"))
	sealed, err := v.Seal(plain, vault.CredentialAAD(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, plain.Reveal()) {
		t.Fatal("sealed blob contains the plaintext")
	}
	t.Run("round trip", func(t *testing.T) {
		got, err := v.Open(sealed, vault.CredentialAAD(1, 1))
		if err != nil || !got.Equal(plain) {
			t.Fatalf("Open = %v, %v", got, err)
		}
	})
	t.Run("other binding", func(t *testing.T) {
		if _, err := v.Open(sealed, vault.CredentialAAD(2, 1)); err != vault.ErrOpen {
			t.Fatalf("Open with another connection's AAD: %v", err)
		}
	})
	t.Run("other key", func(t *testing.T) {
		w, _ := vault.New(vault.GenerateKey())
		if _, err := w.Open(sealed, vault.CredentialAAD(1, 1)); err != vault.ErrOpen {
			t.Fatalf("Open with another key: %v", err)
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		for i := range sealed {
			c := bytes.Clone(sealed)
			c[i] ^= 1
			if _, err := v.Open(c, vault.CredentialAAD(1, 1)); err == nil {
				t.Fatalf("flipping byte %d still opens", i)
			}
		}
		for n := range len(sealed) {
			if _, err := v.Open(sealed[:n], vault.CredentialAAD(1, 1)); err == nil {
				t.Fatalf("truncated to %d still opens", n)
			}
		}
	})
	t.Run("fresh data key each time", func(t *testing.T) {
		again, _ := v.Seal(plain, vault.CredentialAAD(1, 1))
		if bytes.Equal(again, sealed) {
			t.Fatal("sealing twice gave identical output")
		}
	})
}

func TestSecret_NeverPrints(t *testing.T) {
	s := vault.NewSecret([]byte("canary-secret"))
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "secret", s)
	j, _ := json.Marshal(map[string]any{"s": s})
	outs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x", s, s, s, s, s, s),
		fmt.Sprintf("%v", struct{ S vault.Secret }{s}), string(j), buf.String(),
	}
	for _, o := range outs {
		if strings.Contains(o, "canary") || strings.Contains(o, fmt.Sprintf("%x", "canary")) {
			t.Errorf("secret printed: %s", o)
		}
	}
}

func TestParseKey(t *testing.T) {
	k := vault.GenerateKey()
	got, err := vault.ParseKey(" " + vault.FormatKey(k) + "\n")
	if err != nil || !got.Equal(k) {
		t.Fatalf("ParseKey(FormatKey(k)) = %v, %v", got, err)
	}
	for _, bad := range []string{"", "aos-master-key-v1:", "aos-master-key-v1:AAAA", "nope"} {
		if _, err := vault.ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}

func TestVault_Fingerprint(t *testing.T) {
	v, _ := vault.New(vault.GenerateKey())
	a, b := vault.NewSecret([]byte("a")), vault.NewSecret([]byte("b"))
	if v.Fingerprint(a) == v.Fingerprint(b) || v.Fingerprint(a) != v.Fingerprint(vault.NewSecret([]byte("a"))) {
		t.Fatal("fingerprints do not identify secrets")
	}
}

func TestVault_KeyCheck(t *testing.T) {
	v, _ := vault.New(vault.GenerateKey())
	check, err := v.KeyCheck()
	if err != nil {
		t.Fatal(err)
	}
	if !v.KeyMatches(check) {
		t.Fatal("the key does not match its own check")
	}
	other, _ := vault.New(vault.GenerateKey())
	if other.KeyMatches(check) || v.KeyMatches(nil) || v.KeyMatches([]byte("junk")) {
		t.Fatal("another key, or junk, matches")
	}
}
