package vault_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/aos-dev/aos/vault"
)

// chunkReader returns its data in reads of the given sizes, in turn.
type chunkReader struct {
	data  []byte
	sizes []int
	i     int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), c.sizes[c.i%len(c.sizes)])
	c.i++
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func readAllEcho(t *testing.T, r *vault.EchoRedactor, src io.Reader) ([]byte, bool) {
	t.Helper()
	er := r.Reader(src)
	out, err := io.ReadAll(er)
	if err != nil {
		t.Fatal(err)
	}
	return out, er.Found()
}

// TestEchoReader_SplitAcrossChunks: a credential the upstream sends in two
// pieces (two reads of the body) is still replaced.
func TestEchoReader_SplitAcrossChunks(t *testing.T) {
	secret := "sk_live_51HxYqz9kT2abcdef"
	r := vault.NewSecret([]byte(secret)).EchoRedactor(echoReplacement)
	body := []byte(`{"echo":"` + secret + `","n":1}`)
	for split := 1; split < len(body); split++ {
		out, found := readAllEcho(t, r, &chunkReader{data: bytes.Clone(body), sizes: []int{split, len(body)}})
		if bytes.Contains(out, []byte(secret)) || !found {
			t.Fatalf("split at %d: %q, found %v", split, out, found)
		}
		want, _ := r.Redact(body)
		if !bytes.Equal(out, want) {
			t.Fatalf("split at %d: %q, want %q", split, out, want)
		}
	}
	// One byte at a time, too.
	out, found := readAllEcho(t, r, iotest.OneByteReader(bytes.NewReader(body)))
	if bytes.Contains(out, []byte(secret)) || !found {
		t.Fatalf("one byte at a time: %q, found %v", out, found)
	}
}

// TestEchoReader_SameAsRedact: whatever the reads' sizes, the stream comes
// out as Redact makes the whole body, echoes in any form or none.
func TestEchoReader_SameAsRedact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	secrets := []string{"sk_live_51HxYqz9kT2abcdef", "user:pa55w0rd/with+stuff", "ghp_AAAAaaaaBBBBbbbb0123"}
	for _, secret := range secrets {
		r := vault.NewSecret([]byte(secret)).EchoRedactor(echoReplacement)
		forms := []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), url.QueryEscape(secret),
			"Bearer " + secret, secret[:len(secret)-1]} // the last: not a form, left alone
		for round := range 200 {
			var b strings.Builder
			for range rng.IntN(20) {
				b.WriteString(strings.Repeat("x", rng.IntN(100)))
				if rng.IntN(3) == 0 {
					b.WriteString(forms[rng.IntN(len(forms))])
				}
			}
			if round%50 == 0 { // large bodies cross the reader's own chunk
				b.WriteString(strings.Repeat("y", 70000))
				b.WriteString(secret)
			}
			body := []byte(b.String())
			sizes := []int{1 + rng.IntN(40), 1 + rng.IntN(5000), 1 + rng.IntN(100000)}
			out, found := readAllEcho(t, r, &chunkReader{data: bytes.Clone(body), sizes: sizes})
			want, wantFound := r.Redact(body)
			if !bytes.Equal(out, want) || found != wantFound {
				t.Fatalf("secret %d round %d sizes %v: stream differs from Redact (found %v, want %v)", len(secret), round, sizes, found, wantFound)
			}
		}
	}
}

// TestEchoReader_NothingToLookFor: a secret with no form long enough to
// look for passes the stream as it is.
func TestEchoReader_NothingToLookFor(t *testing.T) {
	r := vault.NewSecret([]byte("short")).EchoRedactor(echoReplacement)
	out, found := readAllEcho(t, r, strings.NewReader("short and short"))
	if string(out) != "short and short" || found {
		t.Fatalf("%q, %v", out, found)
	}
}

func BenchmarkEchoReader(b *testing.B) {
	r := vault.NewSecret([]byte("sk_live_51HxYqz9kT2abcdef")).EchoRedactor(echoReplacement)
	body := bytes.Repeat([]byte(`{"id":"cus_123","name":"someone","email":"a@b.c"},`), 1<<14)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		io.Copy(io.Discard, r.Reader(bytes.NewReader(body)))
	}
}

// BenchmarkEchoReader_Small: the usual answer, a short JSON body.
func BenchmarkEchoReader_Small(b *testing.B) {
	r := vault.NewSecret([]byte("sk_live_51HxYqz9kT2abcdef")).EchoRedactor(echoReplacement)
	body := []byte(`{"data":[{"id":"c_1","name":"someone"}],"more":false}`)
	b.ReportAllocs()
	for b.Loop() {
		io.Copy(io.Discard, r.Reader(bytes.NewReader(body)))
	}
}
