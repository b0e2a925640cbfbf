package evidence

import "testing"

func TestVerifierKeyOf(t *testing.T) {
	skey, vkey, err := GenerateKey("aos-test")
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifierKeyOf(skey)
	if err != nil || got != vkey {
		t.Fatalf("VerifierKeyOf = %q, %v; want %q", got, err, vkey)
	}
	for _, bad := range []string{"", vkey, "PRIVATE+KEY+x+00000000+AAAA", skey[:len(skey)-4]} {
		if _, err := VerifierKeyOf(bad); err == nil {
			t.Errorf("VerifierKeyOf(%.20q…) accepted a malformed key", bad)
		}
	}
}

// Keys whose base64 holds '+' (most of them) derive too.
func TestVerifierKeyOf_Many(t *testing.T) {
	for i := range 50 {
		skey, vkey, err := GenerateKey("aos-many")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := VerifierKeyOf(skey); err != nil || got != vkey {
			t.Fatalf("key %d: VerifierKeyOf = %q, %v; want %q", i, got, err, vkey)
		}
	}
}
