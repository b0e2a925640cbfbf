package httpapi

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"sync"

	"gopkg.in/yaml.v3"
)

// openapiYAML is the OpenAPI 3.1 description of the HTTP API, kept as YAML
// (easier to read and review) and served as JSON. Tests hold it to the
// routes table, the error statuses and the request bodies.
//
//go:embed openapi.yaml
var openapiYAML []byte

var openapiJSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
})

// OpenAPI returns the OpenAPI 3.1 description of the HTTP API, as JSON.
func OpenAPI() ([]byte, error) { return openapiJSON() }

// handleOpenAPI serves the description to anyone: it describes the API,
// as the README does, and holds nothing of the instance's state.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	b, err := openapiJSON()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(b)
	return nil
}
