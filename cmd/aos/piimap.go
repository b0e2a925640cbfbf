package main

import (
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/secinfra"
	"github.com/spf13/cobra"
)

// cmdPIIMap prints where customer data went: as a table, JSON or a
// Graphviz graph. With --subject it follows one customer's data by keyed
// fingerprint; the subject goes to the server in a request body and is
// never printed.
func init() { register(newPIIMapCmd) }

func newPIIMapCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pii-map",
		Short: "Where customer data went: source to destination, categories, counts, approvals",
		Example: `  aos pii-map
  aos pii-map --subject alice@example.com
  aos pii-map --format dot | dot -Tsvg > map.svg
  aos pii-map --json`,
		Args: noArgs,
	}
	fs := cmd.Flags()
	format := fs.String("format", "text", "text, json or dot")
	asJSON := fs.Bool("json", false, "print JSON (as --format json)")
	subject := fs.String("subject", "", "an email address, phone number or record id to follow")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		if *asJSON {
			*format = "json"
		}
		switch *format {
		case "text", "json", "dot":
		default:
			return usagef("--format must be text, json or dot, not %q", *format)
		}
		// An empty --subject (an unset variable in a script) would otherwise
		// answer with every flow, as if they were that customer's.
		if fs.Changed("subject") && *subject == "" {
			return usagef("--subject is empty")
		}
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var m secinfra.FlowMap
		if *subject != "" {
			err = c.do(ctx, "POST", "/v1/owner/pii-map", httpapi.PIIMapRequest{Subject: *subject}, &m)
		} else {
			err = c.do(ctx, "GET", "/v1/owner/pii-map", nil, &m)
		}
		if err != nil {
			return err
		}
		switch *format {
		case "json":
			return printJSON(e.stdout, m)
		case "dot":
			return secinfra.WriteDOT(e.stdout, &m)
		}
		return secinfra.WriteText(e.stdout, &m)
	}
	return cmd
}
