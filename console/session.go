package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// cookieName is the session cookie. The __Host- prefix (which requires
// Secure and Path=/) cannot be used: the console also runs on plain HTTP on
// loopback, and its cookie is scoped to Prefix.
const cookieName = "aos_console"

// maxSessions bounds the sessions held at once; signing in beyond it ends
// the oldest.
const maxSessions = 64

// session is a signed-in owner. Only the hash of its ID is kept, as the
// map key; the ID itself lives in the browser's cookie alone.
type session struct {
	// tokenHash is the owner token's hash: every request looks the owner
	// up by it again, so a session ends with the token it was opened with.
	tokenHash []byte
	csrf      string // the synchronizer token every POST must carry
	created   time.Time
	expires   time.Time
	flash     string // a one-shot message for the next page
}

type sessionStore struct {
	mu       sync.Mutex
	sessions map[[32]byte]*session
}

// random returns 32 random bytes in hex.
func random() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

func sessionKey(id string) [32]byte { return sha256.Sum256([]byte(id)) }

// open starts a session for the holder of tokenHash and returns its ID.
func (s *sessionStore) open(tokenHash []byte, now time.Time, ttl time.Duration) (string, *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var oldest [32]byte
	var oldestAt time.Time
	for k, v := range s.sessions {
		if !now.Before(v.expires) {
			delete(s.sessions, k)
			continue
		}
		if oldestAt.IsZero() || v.created.Before(oldestAt) {
			oldest, oldestAt = k, v.created
		}
	}
	if len(s.sessions) >= maxSessions {
		delete(s.sessions, oldest)
	}
	id := random()
	ss := &session{tokenHash: tokenHash, csrf: random(), created: now, expires: now.Add(ttl)}
	s.sessions[sessionKey(id)] = ss
	return id, ss
}

// get returns the live session with ID id, or nil.
func (s *sessionStore) get(id string, now time.Time) *session {
	if len(id) != 64 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := sessionKey(id)
	ss := s.sessions[k]
	if ss != nil && !now.Before(ss.expires) {
		delete(s.sessions, k)
		return nil
	}
	return ss
}

// live reports whether ss is still a session of the store, unexpired.
func (s *sessionStore) live(ss *session, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.sessions {
		if v == ss {
			return now.Before(ss.expires)
		}
	}
	return false
}

func (s *sessionStore) close(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, sessionKey(id))
}

// takeFlash returns and clears the session's message.
func (s *sessionStore) takeFlash(ss *session) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := ss.flash
	ss.flash = ""
	return f
}

func (s *sessionStore) setFlash(ss *session, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss.flash = msg
}

func setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
}

// validCSRF reports whether the form's token is the session's, in
// constant time.
func validCSRF(ss *session, token string) bool {
	return len(token) == len(ss.csrf) && subtle.ConstantTimeCompare([]byte(token), []byte(ss.csrf)) == 1
}

// crossOrigin refuses state changes that a browser marks as coming from
// another site (Sec-Fetch-Site, else Origin against Host). Requests
// without either header (not from a browser) still need the CSRF token.
var crossOrigin = http.NewCrossOriginProtection()
