package mcp

import (
	"net/http"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// noSecret is the credential of an upstream that needs none.
const noSecret = "none"

// credential is a sealed credential opened: environment variables for a
// stdio upstream, header fields for an HTTP one.
type credential struct {
	env    []string // KEY=VALUE
	header http.Header
}

// inheritedEnv are the server's own environment variables a stdio
// upstream also gets: where to find programs, a home and a locale. Nothing
// else of the server's environment (which may hold its own keys) passes.
var inheritedEnv = []string{"PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT"}

// parseCredential reads a secret for a stdio upstream (stdio true) or an
// HTTP one. Errors are EBadRequest and never quote the secret.
func parseCredential(secret vault.Secret, stdio bool) (*credential, error) {
	var cred credential
	err := func(b []byte) error {
		s := strings.TrimSpace(strings.ReplaceAll(string(b), "\r\n", "\n"))
		if s == noSecret {
			return nil
		}
		lines := strings.Split(s, "\n")
		if stdio {
			for i, l := range lines {
				name, _, ok := strings.Cut(l, "=")
				if !ok || !envName(name) {
					return connector.BadRequest("line %d of the credential is not KEY=VALUE (a stdio upstream's credential is its environment variables, or %q)", i+1, noSecret)
				}
				cred.env = append(cred.env, l)
			}
			return nil
		}
		cred.header = http.Header{}
		if len(lines) == 1 && !strings.Contains(lines[0], ":") {
			if strings.ContainsAny(lines[0], " \t") {
				return connector.BadRequest("the credential is neither a token nor header lines (Name: value)")
			}
			cred.header.Set("Authorization", "Bearer "+lines[0])
			return nil
		}
		for i, l := range lines {
			name, value, ok := strings.Cut(l, ":")
			name, value = strings.TrimSpace(name), strings.TrimSpace(value)
			if !ok || !headerName(name) || value == "" || strings.ContainsAny(value, "\x00\n\r") {
				return connector.BadRequest("line %d of the credential is not a header line (Name: value)", i+1)
			}
			switch http.CanonicalHeaderKey(name) {
			case "Host", "Content-Length", "Content-Type", "Accept", "Mcp-Session-Id", "Mcp-Protocol-Version", "Mcp-Method", "Mcp-Name", "Last-Event-Id":
				return connector.BadRequest("line %d of the credential sets %s, which the MCP transport owns", i+1, name)
			}
			cred.header.Add(name, value)
		}
		return nil
	}(secret.Reveal())
	if err != nil {
		return nil, err
	}
	return &cred, nil
}

func envName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

func headerName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return true
}

// CheckCredential refuses, before it is sealed, a credential that is not
// environment lines (stdio), header lines or a token (HTTP), or "none".
func (k *Connector) CheckCredential(c *aos.Connection, secret vault.Secret) error {
	cfg, err := parseConfig(c.Config)
	if err != nil {
		return err
	}
	_, err = parseCredential(secret, cfg.stdio())
	return err
}
