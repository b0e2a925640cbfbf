package hubspottest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Exports returns the bodies of the exports started so far, by task id.
func (s *Server) Exports() map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]json.RawMessage{}
	for k, v := range s.exports {
		out[k] = v
	}
	return out
}

func (s *Server) startExport(w http.ResponseWriter, r *http.Request) {
	var in map[string]json.RawMessage
	if !decode(w, r, &in) {
		return
	}
	if _, ok := in["objectType"]; !ok {
		Error(w, http.StatusBadRequest, "VALIDATION_ERROR", "Some required fields were not set: [objectType]")
		return
	}
	raw, _ := json.Marshal(in)
	s.mu.Lock()
	s.nextID++
	id := strconv.Itoa(s.nextID)
	s.exports[id] = raw
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, map[string]any{
		"id":    id,
		"links": map[string]string{"status": "https://api.hubapi.com/crm/v3/exports/export/async/tasks/" + id + "/status"},
	})
}

func (s *Server) exportStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	_, ok := s.exports[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		Error(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "Export task %s not found", r.PathValue("id"))
		return
	}
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC).Format(time.RFC3339Nano)
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "COMPLETE", "result": "https://api-na1.hubspot.com/exports/download/" + r.PathValue("id") + ".csv",
		"numErrors": 0, "requestedAt": at, "startedAt": at, "completedAt": at, "links": map[string]string{},
	})
}

// privateAppInfo answers POST /oauth/v2/private-apps/get/access-token-info
// for the fake's token.
func (s *Server) privateAppInfo(w http.ResponseWriter, r *http.Request) {
	var in struct {
		TokenKey string `json:"tokenKey"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.TokenKey != s.Token {
		Error(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION", "The access token is invalid or expired")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"userId": 4321, "hubId": 8765, "appId": 1234, "scopes": s.Scopes})
}

// oauthInfo answers GET /oauth/v1/access-tokens/{token}.
func (s *Server) oauthInfo(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("token") != s.Token {
		Error(w, http.StatusNotFound, "EXPIRED_AUTHENTICATION", "The OAuth token used to make this call expired")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token": s.Token, "user": "owner@example.com", "hub_domain": "example.hubspot.com", "scopes": s.Scopes,
		"hub_id": 8765, "app_id": 1234, "expires_in": 1800, "user_id": 4321, "token_type": "access",
	})
}
