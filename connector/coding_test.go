package connector

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"testing"

	"github.com/aos-dev/aos"
)

func compress(t testing.TB, coding string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "flate":
		w, _ = flate.NewWriter(&buf, flate.BestSpeed)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeBody(t *testing.T) {
	plain := []byte(`{"card": "4242 4242 4242 4242"}`)
	gz := compress(t, "gzip", plain)
	tests := []struct {
		name     string
		encoding []string
		body     []byte
		code     string // "" when it decodes to plain
	}{
		{"none", nil, plain, ""},
		{"identity", []string{"identity"}, plain, ""},
		{"gzip", []string{"gzip"}, gz, ""},
		{"gzip in upper case, with spaces", []string{" GZIP "}, gz, ""},
		{"x-gzip", []string{"x-gzip"}, gz, ""},
		{"deflate as zlib", []string{"deflate"}, compress(t, "zlib", plain), ""},
		{"deflate as raw deflate", []string{"deflate"}, compress(t, "flate", plain), ""},
		{"stacked in one field", []string{"gzip, gzip"}, compress(t, "gzip", gz), ""},
		{"stacked over two fields", []string{"deflate", "gzip"}, compress(t, "gzip", compress(t, "zlib", plain)), ""},
		{"identity beside gzip", []string{"identity, gzip"}, gz, ""},
		{"empty body", []string{"gzip"}, nil, ""},
		{"empty body in a coding it cannot read", []string{"br"}, nil, ""},
		{"br", []string{"br"}, plain, aos.EUnsupportedEncoding},
		{"zstd", []string{"zstd"}, plain, aos.EUnsupportedEncoding},
		{"compress", []string{"compress"}, plain, aos.EUnsupportedEncoding},
		{"unknown", []string{"rot13"}, plain, aos.EUnsupportedEncoding},
		{"br after gzip", []string{"gzip, br"}, gz, aos.EUnsupportedEncoding},
		{"too deep", []string{"gzip, gzip, gzip, gzip"}, gz, aos.EUnsupportedEncoding},
		{"not gzip", []string{"gzip"}, plain, aos.EBadRequest},
		{"truncated gzip", []string{"gzip"}, gz[:len(gz)-4], aos.EBadRequest},
		{"gzip with a bad checksum", []string{"gzip"}, append(append([]byte{}, gz[:len(gz)-8]...), 0, 0, 0, 0, 0, 0, 0, 0), aos.EBadRequest},
		{"gzip then garbage", []string{"gzip"}, append(append([]byte{}, gz...), "junk"...), aos.EBadRequest},
		{"one layer too few", []string{"gzip"}, compress(t, "gzip", gz), ""}, // decodes to gz, checked below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBody(tt.encoding, tt.body)
			if tt.code != "" {
				if aos.ErrorCode(err) != tt.code {
					t.Fatalf("DecodeBody = %q, %v; want code %s", got, err, tt.code)
				}
				return
			}
			want := plain
			switch tt.name {
			case "empty body", "empty body in a coding it cannot read":
				want = nil
			case "one layer too few":
				want = gz // what the upstream would act on is what is scanned
			}
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("DecodeBody = %q, %v; want %q", got, err, want)
			}
		})
	}
}

// TestDecodeBody_bomb checks that a small body that expands past MaxBody,
// in one layer or two, is too_large, and that exactly MaxBody decodes.
func TestDecodeBody_bomb(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 64 MiB")
	}
	exact := compress(t, "gzip", make([]byte, MaxBody))
	over := compress(t, "gzip", make([]byte, MaxBody+1))
	t.Run("exactly MaxBody", func(t *testing.T) {
		got, err := DecodeBody([]string{"gzip"}, exact)
		if err != nil || len(got) != MaxBody {
			t.Fatalf("DecodeBody: %d bytes, %v", len(got), err)
		}
	})
	t.Run("one byte more", func(t *testing.T) {
		if _, err := DecodeBody([]string{"gzip"}, over); aos.ErrorCode(err) != aos.ETooLarge {
			t.Fatalf("DecodeBody(%d bytes) = %v; want too_large", len(over), err)
		}
	})
	t.Run("stacked", func(t *testing.T) {
		twice := compress(t, "gzip", over)
		if _, err := DecodeBody([]string{"gzip, gzip"}, twice); aos.ErrorCode(err) != aos.ETooLarge {
			t.Fatalf("DecodeBody(%d bytes) = %v; want too_large", len(twice), err)
		}
	})
}
