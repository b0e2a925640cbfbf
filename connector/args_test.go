package connector_test

import (
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

func TestDecodeArgs(t *testing.T) {
	type args struct {
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
	}
	form := connector.ArgsForm{Example: `{"path": "/x"}`, Fields: "path and headers",
		Want: func(field string) string { return "a string" }}
	var a args
	if err := connector.DecodeArgs([]byte(` {"path": "/v1", "headers": {"A": "b"}} `), &a, form); err != nil || a.Path != "/v1" || a.Headers["A"] != "b" {
		t.Fatalf("DecodeArgs = %+v, %v", a, err)
	}
	for _, tt := range []struct {
		name, args, msg string
		optional        bool
	}{
		{"empty", "", "args are required", false},
		{"two objects", `{"path": "/a"} {}`, "a single JSON object", false},
		{"unknown field", `{"path": "/a", "url": "http://evil/"}`, `unknown field "url"; the fields are path and headers`, false},
		{"wrong type", `{"path": 7}`, "args.path must be a string", false},
		{"not JSON", `{"path": `, "not valid JSON", false},
		{"not an object", `[1]`, "must be a JSON object", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var a args
			err := connector.DecodeArgs([]byte(tt.args), &a, form)
			if aos.ErrorCode(err) != aos.EBadRequest || !strings.Contains(aos.ErrorMessage(err), tt.msg) {
				t.Fatalf("DecodeArgs(%q) = %v; want bad_request saying %q", tt.args, err, tt.msg)
			}
		})
	}
	if err := connector.DecodeArgs(nil, &a, connector.ArgsForm{Optional: true}); err != nil {
		t.Fatalf("optional args: %v", err)
	}
}

func TestCheckDecided(t *testing.T) {
	decided := &connector.Call{Operation: aos.Operation{Name: "refunds.create", Access: aos.Write}, Resource: "refunds",
		Facts: aos.Facts{Amount: 500, Currency: "usd", CustomerData: []string{"email"}}}
	same := *decided
	same.Facts.CustomerData = nil // what the gateway adds is not compared
	if err := connector.CheckDecided(decided, &same); err != nil {
		t.Fatalf("the same call: %v", err)
	}
	for _, tt := range []struct {
		name   string
		change func(*connector.Call)
		code   string
	}{
		{"other operation", func(c *connector.Call) { c.Operation.Name = "refunds.cancel" }, aos.EUnknownOperation},
		{"lower access", func(c *connector.Call) { c.Operation.Access = aos.Read }, aos.EUnknownOperation},
		{"other resource", func(c *connector.Call) { c.Resource = "charges" }, aos.EOutOfScope},
		{"other amount", func(c *connector.Call) { c.Facts.Amount = 50000 }, aos.EUnknownOperation},
		{"amount now unknown", func(c *connector.Call) { c.Facts.AmountUnknown = true }, aos.EUnknownOperation},
		{"now public", func(c *connector.Call) { c.Facts.Public = true }, aos.EUnknownOperation},
	} {
		t.Run(tt.name, func(t *testing.T) {
			again := *decided
			tt.change(&again)
			if err := connector.CheckDecided(decided, &again); aos.ErrorCode(err) != tt.code {
				t.Fatalf("CheckDecided = %v; want %s", err, tt.code)
			}
		})
	}
}
