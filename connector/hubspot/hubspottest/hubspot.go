// Package hubspot is a fake of the parts of HubSpot's CRM API that aos's
// tests use, faithful to HubSpot's published shapes: records with id,
// properties, createdAt, updatedAt and archived; list and search pages
// with results and paging.next.after; batch/read; exports that start with
// 202 and a task id; the private app and OAuth token-info endpoints; and
// errors as {status: "error", message, correlationId, category}. It
// records every request, so tests can assert what reached "HubSpot" and
// with which credential.
package hubspottest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is one request the fake received.
type Request struct {
	Method, Path, RawQuery string
	Authorization          string
	Header                 http.Header
	Body                   []byte
}

// Object is one CRM record.
type Object struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
	CreatedAt  time.Time         `json:"createdAt"`
	UpdatedAt  time.Time         `json:"updatedAt"`
	Archived   bool              `json:"archived"`
}

// Server is a running fake. Its fields are set before use.
type Server struct {
	URL string
	// Token is the access token the fake accepts as a bearer token.
	Token string
	// Scopes are what the token-info endpoints report.
	Scopes []string

	mu       sync.Mutex
	objects  map[string][]*Object // by canonical type
	exports  map[string]json.RawMessage
	nextID   int
	requests []Request
}

// New starts a fake that accepts token, until the test ends.
func New(t testing.TB, token string) *Server {
	s := &Server{Token: token, objects: map[string][]*Object{}, exports: map[string]json.RawMessage{}, nextID: 100,
		Scopes: []string{"crm.objects.contacts.read", "crm.objects.contacts.write", "crm.export", "oauth"}}
	srv := httptest.NewServer(s.handler())
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// aliases are the spellings of the types the fake knows.
var aliases = map[string]string{
	"contact": "contacts", "0-1": "contacts", "company": "companies", "0-2": "companies",
	"deal": "deals", "0-3": "deals", "ticket": "tickets", "0-5": "tickets", "note": "notes", "0-46": "notes",
}

func canonical(t string) string {
	t = strings.ToLower(t)
	if c, ok := aliases[t]; ok {
		return c
	}
	return t
}

// Add stores a record of objectType and returns its id.
func (s *Server) Add(objectType string, props map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.add(canonical(objectType), props).ID
}

func (s *Server) add(typ string, props map[string]string) *Object {
	s.nextID++
	id := strconv.Itoa(s.nextID)
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(s.nextID) * time.Second)
	p := map[string]string{"hs_object_id": id, "createdate": now.Format(time.RFC3339Nano), "lastmodifieddate": now.Format(time.RFC3339Nano)}
	for k, v := range props {
		p[k] = v
	}
	o := &Object{ID: id, Properties: p, CreatedAt: now, UpdatedAt: now}
	s.objects[typ] = append(s.objects[typ], o)
	return o
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Objects returns the live records of objectType.
func (s *Server) Objects(objectType string) []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Object
	for _, o := range s.objects[canonical(objectType)] {
		if !o.Archived {
			out = append(out, *o)
		}
	}
	return out
}

// Error writes HubSpot's error body.
func Error(w http.ResponseWriter, status int, category, format string, args ...any) {
	writeJSON(w, status, map[string]any{
		"status": "error", "message": fmt.Sprintf(format, args...), "category": category,
		"correlationId": fmt.Sprintf("0e8b2a1c-7d3f-4c1e-9a55-%012d", time.Now().UnixNano()%1e12),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /crm/v3/objects/{type}", s.list)
	mux.HandleFunc("POST /crm/v3/objects/{type}", s.create)
	mux.HandleFunc("GET /crm/v3/objects/{type}/{id}", s.get)
	mux.HandleFunc("PATCH /crm/v3/objects/{type}/{id}", s.update)
	mux.HandleFunc("DELETE /crm/v3/objects/{type}/{id}", s.archive)
	mux.HandleFunc("POST /crm/v3/objects/{type}/search", s.search)
	mux.HandleFunc("POST /crm/v3/objects/{type}/batch/read", s.batchRead)
	mux.HandleFunc("PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}", s.associate)
	mux.HandleFunc("POST /crm/v3/exports/export/async", s.startExport)
	mux.HandleFunc("GET /crm/v3/exports/export/async/tasks/{id}/status", s.exportStatus)
	mux.HandleFunc("POST /oauth/v2/private-apps/get/access-token-info", s.privateAppInfo)
	mux.HandleFunc("GET /oauth/v1/access-tokens/{token}", s.oauthInfo)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		Error(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "Unable to route %s %s", r.Method, r.URL.Path)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := readAll(r)
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
			Authorization: r.Header.Get("Authorization"), Header: r.Header.Clone(), Body: body})
		s.mu.Unlock()
		tokenInfo := strings.HasPrefix(r.URL.Path, "/oauth/")
		if !tokenInfo && r.Header.Get("Authorization") != "Bearer "+s.Token {
			Error(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION",
				"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
			return
		}
		mux.ServeHTTP(w, r)
	})
}
