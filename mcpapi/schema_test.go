package mcpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/github"
	"github.com/aos-dev/aos/connector/hubspot"
	"github.com/aos-dev/aos/connector/postgres"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/connector/stripe"
)

// TestSchemas_EveryOperation: every operation of the connectors that
// describe their args has an object schema whose required members are
// among its properties, and an args object built from the schema alone is
// one FromCall accepts (no unknown member, no missing one).
func TestSchemas_EveryOperation(t *testing.T) {
	for _, c := range []struct {
		k       connector.Connector
		baseURL string
		sample  string // an operation whose schema-built args FromCall must accept
		args    map[string]any
	}{
		{github.New(), "https://api.github.com", "pulls.get", nil},
		{stripe.New(), "https://api.stripe.com", "refunds.retrieve", nil},
		{hubspot.New(), "https://api.hubapi.com", "objects.get", map[string]any{"path": "/crm/v3/objects/contacts/42"}},
		{postgres.New(), "postgres://db.example:5432/app", "query", map[string]any{"sql": "SELECT 1"}},
		{rest.New(), "https://api.example.com", "GET", map[string]any{"path": "/v1/x"}},
	} {
		t.Run(c.k.Type(), func(t *testing.T) {
			conn := &aos.Connection{Name: "x", Type: c.k.Type(), BaseURL: c.baseURL}
			if err := c.k.Configure(conn); err != nil {
				t.Fatal(err)
			}
			sc := c.k.(connector.Schemer)
			sampled := false
			for _, op := range c.k.Describe().Operations {
				s, ok := sc.OperationSchema(conn, op.Name)
				if !ok {
					t.Errorf("%s: no schema", op.Name)
					continue
				}
				var schema struct {
					Type       string                     `json:"type"`
					Properties map[string]json.RawMessage `json:"properties"`
					Required   []string                   `json:"required"`
				}
				if err := json.Unmarshal(s.Input, &schema); err != nil || schema.Type != "object" {
					t.Fatalf("%s: schema %s is not an object schema (%v)", op.Name, s.Input, err)
				}
				for _, r := range schema.Required {
					if _, ok := schema.Properties[r]; !ok {
						t.Errorf("%s: %s is required but not a property", op.Name, r)
					}
				}
				if op.Name != c.sample {
					continue
				}
				sampled = true
				args := c.args
				if args == nil { // path parameters filled from the schema
					args = map[string]any{}
					for _, r := range schema.Required {
						var p struct {
							Required []string `json:"required"`
						}
						json.Unmarshal(schema.Properties[r], &p)
						if len(p.Required) == 0 {
							args[r] = "x1"
							continue
						}
						inner := map[string]any{}
						for _, n := range p.Required {
							inner[n] = "x1"
						}
						args[r] = inner
					}
				}
				raw, _ := json.Marshal(args)
				if _, err := c.k.FromCall(conn, op.Name, raw); err != nil {
					t.Errorf("%s with %s, built from its schema %s: %v", op.Name, raw, s.Input, err)
				}
			}
			if !sampled {
				t.Errorf("no operation %s", c.sample)
			}
		})
	}
}
