package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// KeySize is the size of the master key and of each data key.
const KeySize = 32

const keyPrefix = "aos-master-key-v1:"

// GenerateKey returns a new random master key.
func GenerateKey() Secret {
	b := make([]byte, KeySize)
	rand.Read(b)
	return Secret{b: b}
}

// FormatKey encodes a master key for the key file or $AOS_MASTER_KEY.
func FormatKey(k Secret) string {
	return keyPrefix + base64.StdEncoding.EncodeToString(k.b)
}

// ParseKey decodes a master key written by FormatKey (surrounding space is ignored).
func ParseKey(s string) (Secret, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, keyPrefix) {
		return Secret{}, errors.New("master key: missing " + strings.TrimSuffix(keyPrefix, ":") + " prefix")
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, keyPrefix))
	if err != nil || len(b) != KeySize {
		return Secret{}, errors.New("master key: not 32 bytes of base64")
	}
	return Secret{b: b}, nil
}

// Vault seals and opens blobs under a master key. Each sealed blob has its own
// random data key (AES-256-GCM), wrapped by a key derived from the master
// key. Both layers bind the additional data, so a blob sealed for one
// connection cannot be opened as another's.
type Vault struct {
	wrap   cipher.AEAD
	macKey []byte
	// macs are HMAC states keyed with macKey, reset before each use: a
	// scan MACs every value it reads, and keying costs two hash blocks.
	macs sync.Pool
}

// New returns a Vault for a master key.
func New(master Secret) (*Vault, error) {
	if len(master.b) != KeySize {
		return nil, errors.New("vault: master key must be 32 bytes")
	}
	wrapKey, err := hkdf.Key(sha256.New, master.b, nil, "aos vault wrap v1", KeySize)
	if err != nil {
		return nil, err
	}
	macKey, err := hkdf.Key(sha256.New, master.b, nil, "aos vault mac v1", KeySize)
	if err != nil {
		return nil, err
	}
	wrap, err := newGCM(wrapKey)
	if err != nil {
		return nil, err
	}
	v := &Vault{wrap: wrap, macKey: macKey}
	v.macs.New = func() any { return hmac.New(sha256.New, v.macKey) }
	return v, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

const sealVersion = 1

// The additional data of the two layers of a sealed blob: the caller's aad,
// prefixed by the layer so that neither can stand in for the other.
const (
	dekAADPrefix  = "aos/dek\x00"
	dataAADPrefix = "aos/data\x00"
)

// Seal encrypts plain, bound to aad. The result holds a version byte, the
// wrapped data key and the ciphertext.
func (v *Vault) Seal(plain Secret, aad string) ([]byte, error) {
	dek := make([]byte, KeySize)
	rand.Read(dek)
	data, err := newGCM(dek)
	if err != nil {
		return nil, err
	}
	out := []byte{sealVersion}
	n1 := make([]byte, v.wrap.NonceSize())
	rand.Read(n1)
	out = append(out, n1...)
	out = v.wrap.Seal(out, n1, dek, []byte(dekAADPrefix+aad))
	n2 := make([]byte, data.NonceSize())
	rand.Read(n2)
	out = append(out, n2...)
	out = data.Seal(out, n2, plain.b, []byte(dataAADPrefix+aad))
	clear(dek)
	return out, nil
}

// ErrOpen is returned when a sealed blob is corrupt, was sealed under
// another master key, or for other additional data.
var ErrOpen = errors.New("vault: cannot open sealed data (wrong key, wrong binding or corrupt)")

// Open decrypts a blob sealed by Seal with the same aad.
func (v *Vault) Open(sealed []byte, aad string) (Secret, error) {
	ns := v.wrap.NonceSize()
	wrappedLen := KeySize + v.wrap.Overhead()
	if len(sealed) < 1+ns+wrappedLen+ns || sealed[0] != sealVersion {
		return Secret{}, ErrOpen
	}
	p := sealed[1:]
	dek, err := v.wrap.Open(nil, p[:ns], p[ns:ns+wrappedLen], []byte(dekAADPrefix+aad))
	if err != nil {
		return Secret{}, ErrOpen
	}
	defer clear(dek)
	p = p[ns+wrappedLen:]
	data, err := newGCM(dek)
	if err != nil {
		return Secret{}, ErrOpen
	}
	plain, err := data.Open(nil, p[:ns], p[ns:], []byte(dataAADPrefix+aad))
	if err != nil {
		return Secret{}, ErrOpen
	}
	return Secret{b: plain}, nil
}

// MAC returns a keyed hash of data under a key derived from the master key
// for the given purpose. Fingerprints of secrets and of customer data are
// MACs, so they reveal nothing without the master key.
func (v *Vault) MAC(purpose string, data []byte) []byte {
	m := v.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(data)
	sum := m.Sum(make([]byte, 0, sha256.Size))
	v.macs.Put(m)
	return sum
}

// Fingerprint identifies a secret without revealing it: 12 hex digits of
// its MAC, enough to tell versions apart in an inventory.
func (v *Vault) Fingerprint(s Secret) string {
	return hex.EncodeToString(v.MAC("credential fingerprint", s.b)[:6])
}

// CredentialAAD binds a sealed credential to its connection and version.
func CredentialAAD(connectionID int64, version int) string {
	return fmt.Sprintf("aos/credential/v1 connection=%d version=%d", connectionID, version)
}

// checkAAD binds the instance's key check; checkText is what it seals.
const (
	checkAAD  = "aos/vault/key-check/v1"
	checkText = "aos master key check"
)

// KeyCheck returns a blob sealed under the master key that KeyMatches can
// later open: stored with an instance, it tells at start-up whether the
// master key given is the one the instance's credentials were sealed with.
func (v *Vault) KeyCheck() ([]byte, error) {
	return v.Seal(NewSecret([]byte(checkText)), checkAAD)
}

// KeyMatches reports whether check was made by KeyCheck under this master key.
func (v *Vault) KeyMatches(check []byte) bool {
	s, err := v.Open(check, checkAAD)
	return err == nil && string(s.Reveal()) == checkText
}
