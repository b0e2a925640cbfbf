package hubspottest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func readAll(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}

// decode reads a JSON body into v, answering HubSpot's validation error
// when it does not parse.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		Error(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON on line 1, column 1: %v", err)
		return false
	}
	return true
}

// view is a record as HubSpot answers it: only the requested properties
// (and the ones HubSpot always returns) when any are requested.
func view(o *Object, props []string) Object {
	v := *o
	if len(props) == 0 {
		return v
	}
	v.Properties = map[string]string{}
	for _, p := range append(props, "hs_object_id", "createdate", "lastmodifieddate") {
		if val, ok := o.Properties[p]; ok {
			v.Properties[p] = val
		}
	}
	return v
}

// queryList reads a list parameter given as repeated values or commas.
func queryList(q []string) []string {
	var out []string
	for _, v := range q {
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// page answers results from offset after, limit at a time, with
// paging.next.after when more remain.
func page(objs []*Object, after string, limit int, props []string) map[string]any {
	start, _ := strconv.Atoi(after)
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	results := []Object{}
	for i := start; i < len(objs) && i < start+limit; i++ {
		results = append(results, view(objs[i], props))
	}
	out := map[string]any{"results": results}
	if next := start + limit; next < len(objs) {
		a := strconv.Itoa(next)
		out["paging"] = map[string]any{"next": map[string]any{"after": a, "link": "?after=" + a}}
	}
	return out
}

func (s *Server) live(typ string) []*Object {
	var out []*Object
	for _, o := range s.objects[canonical(typ)] {
		if !o.Archived {
			out = append(out, o)
		}
	}
	return out
}

func (s *Server) find(typ, id string) *Object {
	for _, o := range s.live(typ) {
		if o.ID == id {
			return o
		}
	}
	return nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, page(s.live(r.PathValue("type")), q.Get("after"), limit, queryList(q["properties"])))
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.find(r.PathValue("type"), r.PathValue("id"))
	if o == nil {
		Error(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
		return
	}
	writeJSON(w, http.StatusOK, view(o, queryList(r.URL.Query()["properties"])))
}

type objectInput struct {
	Properties map[string]string `json:"properties"`
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in objectInput
	if !decode(w, r, &in) {
		return
	}
	if in.Properties == nil {
		Error(w, http.StatusBadRequest, "VALIDATION_ERROR",
			"Invalid input JSON on line 1, column 2: Cannot build SimplePublicObjectInputForCreate, some of required attributes are not set [properties]")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusCreated, s.add(canonical(r.PathValue("type")), in.Properties))
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	var in objectInput
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.find(r.PathValue("type"), r.PathValue("id"))
	if o == nil {
		Error(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
		return
	}
	for k, v := range in.Properties {
		o.Properties[k] = v
	}
	o.UpdatedAt = o.UpdatedAt.Add(time.Minute)
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) archive(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.find(r.PathValue("type"), r.PathValue("id")); o != nil {
		o.Archived = true
	}
	w.WriteHeader(http.StatusNoContent)
}

// searchInput is HubSpot's search request; the fake supports EQ, NEQ and
// CONTAINS_TOKEN filters, ANDed within a group and ORed across groups.
type searchInput struct {
	FilterGroups []struct {
		Filters []struct {
			PropertyName string `json:"propertyName"`
			Operator     string `json:"operator"`
			Value        string `json:"value"`
		} `json:"filters"`
	} `json:"filterGroups"`
	Properties []string `json:"properties"`
	Limit      int      `json:"limit"`
	After      string   `json:"after"`
}

func (in *searchInput) matches(o *Object) bool {
	if len(in.FilterGroups) == 0 {
		return true
	}
	for _, g := range in.FilterGroups {
		all := true
		for _, f := range g.Filters {
			v := o.Properties[f.PropertyName]
			switch f.Operator {
			case "EQ":
				all = all && strings.EqualFold(v, f.Value)
			case "NEQ":
				all = all && !strings.EqualFold(v, f.Value)
			case "CONTAINS_TOKEN":
				all = all && strings.Contains(strings.ToLower(v), strings.ToLower(strings.Trim(f.Value, "*")))
			default:
				all = false
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	var in searchInput
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []*Object
	for _, o := range s.live(r.PathValue("type")) {
		if in.matches(o) {
			hits = append(hits, o)
		}
	}
	out := page(hits, in.After, in.Limit, in.Properties)
	out["total"] = len(hits)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) batchRead(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Inputs []struct {
			ID string `json:"id"`
		} `json:"inputs"`
		Properties []string `json:"properties"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	results := []Object{}
	var errs []map[string]any
	for _, id := range in.Inputs {
		if o := s.find(r.PathValue("type"), id.ID); o != nil {
			results = append(results, view(o, in.Properties))
		} else {
			errs = append(errs, map[string]any{"status": "error", "category": "OBJECT_NOT_FOUND",
				"message": "Could not get some " + r.PathValue("type") + " objects, they may be deleted or not exist.",
				"context": map[string][]string{"ids": {id.ID}}})
		}
	}
	out := map[string]any{"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
	status := http.StatusOK
	if len(errs) > 0 {
		out["numErrors"], out["errors"], status = len(errs), errs, http.StatusMultiStatus
	}
	writeJSON(w, status, out)
}

func (s *Server) associate(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "COMPLETE", "startedAt": time.Now().UTC(), "completedAt": time.Now().UTC(),
		"results": []map[string]any{{
			"from": map[string]string{"id": r.PathValue("id")}, "to": map[string]string{"id": r.PathValue("toId")},
			"associationSpec": map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1},
		}},
	})
}
