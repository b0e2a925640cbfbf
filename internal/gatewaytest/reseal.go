package gatewaytest

import (
	"encoding/json"
	"testing"

	"github.com/aos-dev/aos/connector"
)

// Resealed is call as the gateway holds it for an approval: its request
// sealed (as JSON) and opened again, without what the mapping read.
func Resealed(t testing.TB, call *connector.Call) *connector.Call {
	t.Helper()
	raw, _ := json.Marshal(call.Upstream)
	var out connector.Outbound
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return &connector.Call{Operation: call.Operation, Resource: call.Resource, Facts: call.Facts, Upstream: &out}
}
