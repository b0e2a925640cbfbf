package mcp

import (
	"encoding/json"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

var (
	_ connector.OperationDeclarer = (*Connector)(nil)
	_ connector.Schemer           = (*Connector)(nil)
	_ connector.OperationScoper   = (*Connector)(nil)
	_ connector.UpstreamNamer     = (*Connector)(nil)
)

// UpstreamNames reports whether the owner asked for c's tools, prompts
// and resources to be served under the upstream's own names
// (--upstream-names), and the tools it claims those names for: every
// pinned tool, served now or not, so that what a name stands for does not
// follow the upstream's state.
func (k *Connector) UpstreamNames(c *aos.Connection) ([]string, bool) {
	cfg, err := settings(c)
	if err != nil || !cfg.UpstreamNames {
		return nil, false
	}
	names := make([]string, len(cfg.Tools))
	for i, p := range cfg.Tools {
		names[i] = p.Name
	}
	return names, true
}

// WithUpstreamNames returns c's settings with upstream_names set to on.
// The error is EInternal: the stored settings were altered.
func (k *Connector) WithUpstreamNames(c *aos.Connection, on bool) ([]byte, error) {
	if _, err := settings(c); err != nil {
		return nil, err
	}
	cfg, err := parseConfig(c.Config) // a copy of its own: it is changed below
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "connection %s has invalid mcp settings", c.Name)
	}
	cfg.UpstreamNames = on
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "cannot encode the mcp settings")
	}
	return b, nil
}

// DeclaredOperations are the connection's pinned tools, read or write as
// the owner decided, with their points; a tool the running upstream now
// defines differently is left out until the owner accepts it. The error
// is EInternal: the stored settings were altered.
func (k *Connector) DeclaredOperations(c *aos.Connection) ([]aos.Operation, error) {
	cfg, err := settings(c)
	if err != nil {
		return nil, err
	}
	ops := make([]aos.Operation, 0, len(cfg.Tools))
	for _, p := range cfg.Tools {
		if !k.servable(c, p) {
			continue
		}
		ops = append(ops, aos.Operation{Name: p.Name, Access: p.Access, Points: p.Points})
	}
	return ops, nil
}

// servable reports whether a pinned tool may be served: the running
// upstream, if any, still defines it as pinned.
func (k *Connector) servable(c *aos.Connection, p *pin) bool {
	t, known := k.liveTool(c.ID, p.Name)
	if !known {
		return true // Do asks the upstream before sending
	}
	if t == nil {
		return false
	}
	digest, err := digestOf(t)
	return err == nil && digest == p.Digest
}

// OperationSchema describes a pinned tool from its pinned definition:
// title, description, input and output schemas as the owner accepted
// them.
func (k *Connector) OperationSchema(c *aos.Connection, op string) (connector.OperationSchema, bool) {
	cfg, err := settings(c)
	if err != nil {
		return connector.OperationSchema{}, false
	}
	p := cfg.pin(op)
	if p == nil {
		return connector.OperationSchema{}, false
	}
	var d struct {
		Title        string          `json:"title"`
		Description  string          `json:"description"`
		InputSchema  json.RawMessage `json:"inputSchema"`
		OutputSchema json.RawMessage `json:"outputSchema"`
		Annotations  *struct {
			Title string `json:"title"`
		} `json:"annotations"`
	}
	if json.Unmarshal(p.Definition, &d) != nil {
		return connector.OperationSchema{}, false
	}
	if d.Title == "" && d.Annotations != nil {
		d.Title = d.Annotations.Title
	}
	return connector.OperationSchema{Title: d.Title, Description: d.Description, Input: d.InputSchema, Output: d.OutputSchema}, true
}

// Pinned lists the pins with what the running upstream, if any, last said
// of each, and the tools it offers unpinned.
func (k *Connector) Pinned(c *aos.Connection) ([]connector.PinnedItem, error) {
	cfg, err := settings(c)
	if err != nil {
		return nil, err
	}
	var items []connector.PinnedItem
	pinned := map[string]bool{}
	for _, p := range cfg.Tools {
		pinned[p.Name] = true
		it := connector.PinnedItem{Name: p.Name, Access: p.Access, Points: p.Points, Digest: p.Digest, State: "pinned"}
		if t, known := k.liveTool(c.ID, p.Name); known {
			var digest string
			if t != nil {
				digest, _ = digestOf(t)
			}
			switch {
			case t == nil:
				it.State = "gone"
			case digest == p.Digest:
				it.State = "served"
			default:
				it.State = "changed"
			}
		}
		items = append(items, it)
	}
	for _, t := range k.liveTools(c.ID) {
		if !pinned[t.Name] {
			items = append(items, connector.PinnedItem{Name: t.Name, State: "new"})
		}
	}
	return items, nil
}
