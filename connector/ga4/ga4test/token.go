package ga4test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"
)

// OAuth scopes the fake's APIs accept.
const (
	scopeReadonly  = "https://www.googleapis.com/auth/analytics.readonly"
	scopeAnalytics = "https://www.googleapis.com/auth/analytics"
)

const (
	jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	tokenLifetime  = 3599 * time.Second
	// maxAssertionLife is how far apart iat and exp may be (Google: 1 hour).
	maxAssertionLife = time.Hour
	clockSkew        = 5 * time.Minute
)

type serviceKey struct {
	email string
	kid   string
	pub   *rsa.PublicKey
}

// Key is a service account key file as the Cloud console downloads it.
type Key struct {
	Type                    string `json:"type"`
	ProjectID               string `json:"project_id"`
	PrivateKeyID            string `json:"private_key_id"`
	PrivateKey              string `json:"private_key"`
	ClientEmail             string `json:"client_email"`
	ClientID                string `json:"client_id"`
	AuthURI                 string `json:"auth_uri"`
	TokenURI                string `json:"token_uri"`
	AuthProviderX509CertURL string `json:"auth_provider_x509_cert_url"`
	ClientX509CertURL       string `json:"client_x509_cert_url"`
	UniverseDomain          string `json:"universe_domain"`
}

// NewKey creates a service account "NAME@aos-test.iam.gserviceaccount.com"
// with a fresh RSA key whose public half the token endpoint trusts, and
// returns its key file with token_uri pointing at the fake.
func (s *Server) NewKey(t testing.TB, name string) Key {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	email := name + "@aos-test.iam.gserviceaccount.com"
	kid := randomToken()[len("ya29.fake-"):][:40]
	s.mu.Lock()
	s.keys[email] = &serviceKey{email: email, kid: kid, pub: &priv.PublicKey}
	s.mu.Unlock()
	return Key{
		Type: "service_account", ProjectID: "aos-test", PrivateKeyID: kid,
		PrivateKey:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		ClientEmail: email, ClientID: "100000000000000000001",
		AuthURI: "https://accounts.google.com/o/oauth2/auth", TokenURI: s.TokenURL(),
		AuthProviderX509CertURL: "https://www.googleapis.com/oauth2/v1/certs",
		ClientX509CertURL:       "https://www.googleapis.com/robot/v1/metadata/x509/" + email,
		UniverseDomain:          "googleapis.com",
	}
}

// claims are the JWT claims of a service account's assertion.
type claims struct {
	Iss   string `json:"iss"`
	Scope string `json:"scope"`
	Aud   string `json:"aud"`
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
	Sub   string `json:"sub,omitempty"`
}

// handleToken is the JWT bearer grant (RFC 7523) as Google serves it.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", "Malformed request.")
		return
	}
	if g := r.PostForm.Get("grant_type"); g != jwtBearerGrant {
		tokenError(w, "unsupported_grant_type", "Invalid grant_type: "+g)
		return
	}
	c, msg := s.verify(r.PostForm.Get("assertion"))
	if msg != "" {
		tokenError(w, "invalid_grant", msg)
		return
	}
	token := randomToken()
	s.mu.Lock()
	s.tokens[token] = issued{email: c.Iss, scopes: strings.Fields(c.Scope), expires: s.now().Add(tokenLifetime)}
	s.minted++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": token, "expires_in": int(tokenLifetime / time.Second), "token_type": "Bearer",
	})
}

// verify checks an assertion's signature and claims, and returns its
// claims or Google's error description.
func (s *Server) verify(assertion string) (*claims, string) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return nil, "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe."
	}
	var hdr struct{ Alg, Typ, Kid string }
	var c claims
	if !decodeSegment(parts[0], &hdr) || !decodeSegment(parts[1], &c) {
		return nil, "Invalid JWT."
	}
	s.mu.Lock()
	key := s.keys[c.Iss]
	s.mu.Unlock()
	if key == nil {
		return nil, "Invalid grant: account not found"
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err != nil || hdr.Alg != "RS256" || rsa.VerifyPKCS1v15(key.pub, crypto.SHA256, sum[:], sig) != nil {
		return nil, "Invalid JWT Signature."
	}
	if hdr.Kid != "" && hdr.Kid != key.kid {
		return nil, "Invalid JWT Signature."
	}
	now := s.now()
	iat, exp := time.Unix(c.Iat, 0), time.Unix(c.Exp, 0)
	switch {
	case c.Aud != s.TokenURL():
		return nil, "Invalid JWT: Failed audience check."
	case iat.After(now.Add(clockSkew)) || !exp.After(now) || exp.Sub(iat) > maxAssertionLife:
		return nil, "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
	case c.Scope == "":
		return nil, "Invalid OAuth scope or ID token audience provided."
	}
	return &c, ""
}

func decodeSegment(seg string, into any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	return err == nil && json.Unmarshal(b, into) == nil
}

func tokenError(w http.ResponseWriter, code, description string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": description})
}
