// Package github is a fake of GitHub's REST API for tests, faithful to the
// published shapes of what the tests use: the authenticated user (with the
// X-OAuth-Scopes header of a classic token), installation repositories,
// repositories, issues (listed with Link pagination, created), pull
// requests (read, merged), git refs, releases, branch protection and
// Actions secrets. Every answer carries GitHub's headers (media type,
// rate limit, request id) and errors carry GitHub's body,
// {"message", "documentation_url", "status"}; a request without the right
// token gets 401 "Bad credentials".
//
// The fake records every request it receives, with the Authorization
// header exactly as sent, so tests can check that the upstream only ever
// sees the sealed credential.
package githubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is one request the fake received.
type Request struct {
	Method        string
	Path          string // escaped, as sent
	Query         string
	Authorization string
	Header        http.Header
	Body          []byte
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	URL string
	// Token is the only token the fake accepts, as "Bearer TOKEN" or
	// "token TOKEN".
	Token string
	// Scopes is sent as X-OAuth-Scopes to classic and OAuth tokens
	// (ghp_, gho_); fine-grained and app tokens get no such header.
	Scopes string

	mu       sync.Mutex
	repos    map[string]*repo // by lower-case full name
	requests []Request
	nextID   int64
	now      time.Time
}

// Start runs a fake that accepts token until the test ends.
func Start(t testing.TB, token string) *Server {
	t.Helper()
	s := New(token)
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// New returns a fake that is not listening; serve it with any server.
func New(token string) *Server {
	return &Server{Token: token, Scopes: "repo, read:org", repos: map[string]*repo{}, nextID: 1000,
		now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// Requests returns what the fake has received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := readAll(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization"), Header: r.Header.Clone(), Body: body})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	h.Set("X-GitHub-Request-Id", fmt.Sprintf("FAKE:%d", len(s.requests)))
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", strconv.Itoa(5000-len(s.requests)))
	h.Set("X-RateLimit-Used", strconv.Itoa(len(s.requests)))
	h.Set("X-RateLimit-Resource", "core")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.now.Add(time.Hour).Unix(), 10))
	if !s.authorized(r.Header.Get("Authorization")) {
		writeError(w, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
		return
	}
	if strings.HasPrefix(s.Token, "ghp_") || strings.HasPrefix(s.Token, "gho_") {
		h.Set("X-OAuth-Scopes", s.Scopes)
		h.Set("X-Accepted-OAuth-Scopes", "")
	}
	segs, ok := segments(r.URL.EscapedPath())
	if !ok {
		notFound(w)
		return
	}
	s.route(w, r, segs, body)
}

// authorized reports whether the Authorization header carries the token,
// in either of the forms GitHub accepts.
func (s *Server) authorized(auth string) bool {
	scheme, tok, ok := strings.Cut(auth, " ")
	return ok && s.Token != "" && tok == s.Token && (strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "token"))
}

// segments splits an escaped path and decodes each segment: GitHub reads
// "heads%2Fmain" as one segment holding a slash.
func segments(escaped string) ([]string, bool) {
	parts := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	for i, p := range parts {
		d, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		parts[i] = d
	}
	return parts, true
}

func readAll(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	return io.ReadAll(io.LimitReader(r.Body, 8<<20))
}

// writeJSON answers with a status and a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers with GitHub's error body.
func writeError(w http.ResponseWriter, status int, message, doc string) {
	writeJSON(w, status, map[string]any{"message": message, "documentation_url": doc, "status": strconv.Itoa(status)})
}

func notFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
}

// validationFailed is GitHub's 422 for a missing or invalid field.
func validationFailed(w http.ResponseWriter, resource, field, code, doc string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message": "Validation Failed", "documentation_url": doc, "status": "422",
		"errors": []map[string]string{{"resource": resource, "field": field, "code": code}},
	})
}

// apiURL is the fake's own URL for a path, as GitHub writes "url" fields
// and Link headers: absolute, on the host that was asked.
func apiURL(r *http.Request, path string) string {
	return "http://" + r.Host + path
}

// decode reads a JSON request body into v; an empty body leaves v alone.
func decode(body []byte, v any) bool {
	if len(strings.TrimSpace(string(body))) == 0 {
		return true
	}
	return json.Unmarshal(body, v) == nil
}

func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

func (s *Server) timestamp() string { return s.now.Format(time.RFC3339) }

// RevokeToken makes the fake refuse its token from now on with 401 Bad
// credentials, as GitHub does once a token is revoked.
func (s *Server) RevokeToken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Token = ""
}
