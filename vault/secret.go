// Package vault seals upstream credentials (and other sensitive blobs) with
// envelope encryption under the instance's master key, and defines Secret,
// a type for secret bytes that never prints.
package vault

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
)

// Secret holds secret bytes. It prints, logs and marshals as "[redacted]",
// cannot be compared with == (use Equal, which is constant time), and gives
// up its bytes only through Reveal.
type Secret struct {
	_ [0]func() // not comparable
	b []byte
}

const redacted = "[redacted]"

// NewSecret returns a Secret holding a copy of b.
func NewSecret(b []byte) Secret { return Secret{b: append([]byte(nil), b...)} }

// Reveal returns the secret bytes. Callers send them upstream and nowhere else.
func (s Secret) Reveal() []byte { return s.b }

// IsZero reports whether s holds no bytes.
func (s Secret) IsZero() bool { return len(s.b) == 0 }

// Equal compares two secrets in constant time (for equal lengths).
func (s Secret) Equal(o Secret) bool { return subtle.ConstantTimeCompare(s.b, o.b) == 1 }

func (s Secret) String() string               { return redacted }
func (s Secret) GoString() string             { return redacted }
func (s Secret) Format(f fmt.State, _ rune)   { f.Write([]byte(redacted)) }
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (s Secret) LogValue() slog.Value         { return slog.StringValue(redacted) }
