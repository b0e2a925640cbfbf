package aos

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"strings"
)

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewToken returns a fresh bearer token with the given prefix and 160 bits
// of randomness.
func NewToken(prefix string) string {
	b := make([]byte, 20)
	rand.Read(b)
	return prefix + tokenEncoding.EncodeToString(b)
}

// NewID returns a short random identifier with the given prefix, such as a
// grant ID "g_k3x9q2m4tz".
func NewID(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return prefix + tokenEncoding.EncodeToString(b)[:12]
}

// HashToken returns the hash under which a token is stored. Tokens carry
// 160 random bits, so a fast hash is enough.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// TokenHashEqual compares two token hashes in constant time.
func TokenHashEqual(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// LooksLikeToken reports whether s has one of the token prefixes.
func LooksLikeToken(s string) bool {
	return strings.HasPrefix(s, OwnerTokenPrefix) || strings.HasPrefix(s, AgentTokenPrefix) ||
		strings.HasPrefix(s, AuditorTokenPrefix)
}
