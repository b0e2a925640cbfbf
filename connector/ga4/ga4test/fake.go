// Package ga4 is a faithful fake of the Google endpoints the ga4
// connector talks to, on one loopback server:
//
//   - POST /token: Google's OAuth 2.0 token endpoint for service accounts
//     (RFC 7523 JWT bearer grant). It verifies the assertion's RS256
//     signature with the public half of a key it issued (NewKey), and its
//     iss, aud, iat, exp and scope claims, and answers
//     {access_token, expires_in, token_type} or {error, error_description}.
//   - the Analytics Data API v1beta: POST /v1beta/properties/{id}:runReport,
//     :runRealtimeReport and :batchRunReports, GET
//     /v1beta/properties/{id}/metadata, with Google's request and response
//     shapes (dimensionHeaders, metricHeaders, rows of dimensionValues and
//     metricValues, rowCount, metadata, kind) and error envelope
//     ({"error": {"code", "message", "status"}}), over a small generated
//     data set. Each call requires a bearer token minted by /token for a
//     service account that was allowed the property.
//   - the Analytics Admin API v1beta: GET /v1beta/accountSummaries.
//   - the Measurement Protocol: POST /mp/collect?measurement_id=&api_secret=,
//     which, like Google's, answers 204 whatever it is sent and keeps only
//     events whose api_secret matches the stream's.
package ga4test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	URL string
	// Now is the fake's clock for token lifetimes; it defaults to time.Now.
	Now func() time.Time

	mu         sync.Mutex
	keys       map[string]*serviceKey // by client_email
	tokens     map[string]issued      // by access token
	properties map[string]*property   // by numeric ID
	streams    map[string]stream      // by measurement ID
	events     []Event
	requests   []Request
	minted     int
}

type issued struct {
	email   string
	scopes  []string
	expires time.Time
}

type property struct {
	id, name, account string
	allowed           map[string]bool // service account emails
}

type stream struct{ property, secret string }

// Event is one Measurement Protocol request as the fake received it.
type Event struct {
	MeasurementID string
	// Accepted is set when the api_secret was the stream's; Google drops
	// the others silently, and so does the fake.
	Accepted bool
	Body     json.RawMessage
}

// Request is one call to the Data or Admin API as the fake received it.
type Request struct {
	Method, Path  string
	Authorization string
	Body          []byte
}

// New starts a fake that stops when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		keys: map[string]*serviceKey{}, tokens: map[string]issued{},
		properties: map[string]*property{}, streams: map[string]stream{},
	}
	ts := httptest.NewServer(s.handler())
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// TokenURL is the fake's token endpoint, as a key's token_uri.
func (s *Server) TokenURL() string { return s.URL + "/token" }

// AddProperty adds a GA4 property in an account, readable by the service
// accounts named by allowed (client emails).
func (s *Server) AddProperty(id, displayName, account string, allowed ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &property{id: id, name: displayName, account: account, allowed: map[string]bool{}}
	for _, e := range allowed {
		p.allowed[e] = true
	}
	s.properties[id] = p
}

// AddStream adds a web data stream with a Measurement Protocol API secret.
func (s *Server) AddStream(propertyID, measurementID, apiSecret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streams[measurementID] = stream{property: propertyID, secret: apiSecret}
}

// Events returns the Measurement Protocol requests received so far.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// Requests returns the Data and Admin API calls received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Minted is how many access tokens /token has issued.
func (s *Server) Minted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.minted
}

// RevokeTokens makes every access token issued so far invalid, as when a
// key is deleted in the Cloud console.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.handleToken)
	mux.HandleFunc("POST /mp/collect", s.handleCollect)
	mux.HandleFunc("GET /v1beta/accountSummaries", s.api(s.handleAccountSummaries))
	mux.HandleFunc("GET /v1beta/properties/{name}/metadata", s.api(s.handleMetadata))
	mux.HandleFunc("POST /v1beta/properties/{name}", s.api(s.handleMethod))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "NOT_FOUND", "The requested URL "+r.URL.Path+" was not found on this server.")
	})
	return mux
}

// apiHandler serves a Data or Admin API call by a service account.
type apiHandler func(w http.ResponseWriter, r *http.Request, email string, body []byte)

// api records the call and checks its bearer token.
func (s *Server) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			apiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "request body too large")
			return
		}
		auth := r.Header.Get("Authorization")
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Authorization: auth, Body: body})
		tok, ok := s.tokens[strings.TrimPrefix(auth, "Bearer ")]
		s.mu.Unlock()
		if !ok || !strings.HasPrefix(auth, "Bearer ") || !s.now().Before(tok.expires) {
			apiError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials. "+
				"Expected OAuth 2 access token, login cookie or other valid authentication credential.")
			return
		}
		if !slices.Contains(tok.scopes, scopeReadonly) && !slices.Contains(tok.scopes, scopeAnalytics) {
			apiError(w, http.StatusForbidden, "PERMISSION_DENIED", "Request had insufficient authentication scopes.")
			return
		}
		h(w, r, tok.email, body)
	}
}

// allowed returns the property named by a path segment "ID" if email may
// read it, else writes Google's error.
func (s *Server) allowed(w http.ResponseWriter, id, email string) *property {
	s.mu.Lock()
	p := s.properties[id]
	s.mu.Unlock()
	if p == nil || !p.allowed[email] {
		apiError(w, http.StatusForbidden, "PERMISSION_DENIED", "User does not have sufficient permissions for this property. "+
			"To learn more about Property ID, see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.")
		return nil
	}
	return p
}

func (s *Server) handleAccountSummaries(w http.ResponseWriter, r *http.Request, email string, _ []byte) {
	type propertySummary struct {
		Property     string `json:"property"`
		DisplayName  string `json:"displayName"`
		PropertyType string `json:"propertyType"`
		Parent       string `json:"parent"`
	}
	type accountSummary struct {
		Name              string            `json:"name"`
		Account           string            `json:"account"`
		DisplayName       string            `json:"displayName"`
		PropertySummaries []propertySummary `json:"propertySummaries,omitempty"`
	}
	byAccount := map[string]*accountSummary{}
	var out []*accountSummary
	s.mu.Lock()
	ids := make([]string, 0, len(s.properties))
	for id := range s.properties {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p := s.properties[id]
		if !p.allowed[email] {
			continue
		}
		a := byAccount[p.account]
		if a == nil {
			a = &accountSummary{Name: "accountSummaries/" + p.account, Account: "accounts/" + p.account, DisplayName: "Account " + p.account}
			byAccount[p.account] = a
			out = append(out, a)
		}
		a.PropertySummaries = append(a.PropertySummaries, propertySummary{
			Property: "properties/" + p.id, DisplayName: p.name, PropertyType: "PROPERTY_TYPE_ORDINARY", Parent: "accounts/" + p.account})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"accountSummaries": out})
}

// handleCollect is the Measurement Protocol: 204 whatever happens.
func (s *Server) handleCollect(w http.ResponseWriter, r *http.Request) {
	body, _ := readBody(r)
	q := r.URL.Query()
	id := q.Get("measurement_id")
	s.mu.Lock()
	st, ok := s.streams[id]
	s.events = append(s.events, Event{MeasurementID: id, Accepted: ok && q.Get("api_secret") == st.secret && json.Valid(body), Body: body})
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// readBody reads at most 1 MiB of a request body.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err == nil && len(b) > 1<<20 {
		err = errors.New("body too large")
	}
	return b, err
}

// apiError writes Google's JSON error envelope.
func apiError(w http.ResponseWriter, code int, status, message string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": code, "message": message, "status": status}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return "ya29.fake-" + hex.EncodeToString(b)
}
