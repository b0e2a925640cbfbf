package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// legacyAPIKey is the shape of HubSpot's retired API keys (hapikey).
var legacyAPIKey = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// CheckCredential refuses, before it is sealed, a credential that cannot
// be a HubSpot access token: empty, with spaces or control characters, or
// a retired API key. The error never contains the secret.
func (k *Connector) CheckCredential(_ *aos.Connection, secret vault.Secret) error {
	v, err := connector.BearerToken(secret)
	if err != nil {
		return connector.BadRequest("%s", aos.ErrorMessage(err))
	}
	if legacyAPIKey.MatchString(v) {
		return connector.BadRequest("this looks like a HubSpot API key, which HubSpot retired; create a private app and use its access token")
	}
	return nil
}

// tokenInfo is what HubSpot's token-info endpoints answer: the private app
// endpoint in camelCase, the OAuth one in snake_case.
type tokenInfo struct {
	HubID    json.Number `json:"hubId"`
	AppID    json.Number `json:"appId"`
	HubID2   json.Number `json:"hub_id"`
	AppID2   json.Number `json:"app_id"`
	HubSlug  string      `json:"hub_domain"`
	Scopes   []string    `json:"scopes"`
	Category string      `json:"category"`
}

// Inspect asks HubSpot what the token allows: a private app token
// (pat-...) through POST /oauth/v2/private-apps/get/access-token-info,
// any other through GET /oauth/v1/access-tokens/{token}. It reports the
// scopes; the object types that crm.objects.TYPE.* and crm.schemas.TYPE.*
// scopes reach as resources; AccountWide when a scope reaches beyond
// object types (exports, imports, custom objects, lists, settings, ...);
// CanWrite when a scope writes. Errors are EUpstream and never contain
// the token.
func (k *Connector) Inspect(ctx context.Context, c *aos.Connection, secret vault.Secret) (*connector.CredentialInfo, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	token, err := connector.BearerToken(secret)
	if err != nil {
		return nil, err
	}
	kind := "OAuth access token"
	method, target := http.MethodGet, ep.URL("/oauth/v1/access-tokens/"+url.PathEscape(token), "")
	header := http.Header{"Accept": {"application/json"}}
	var body []byte
	if strings.HasPrefix(token, "pat-") {
		kind = "private app token"
		method, target = http.MethodPost, ep.URL("/oauth/v2/private-apps/get/access-token-info", "")
		body, _ = json.Marshal(map[string]string{"tokenKey": token})
		header.Set("Content-Type", "application/json")
	}
	req, err := ep.NewRequest(ctx, method, target, header, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := connector.Send(k.httpClient(), req, token, url.PathEscape(token))
	if err != nil {
		return nil, err
	}
	var info tokenInfo
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.UseNumber()
	decodeErr := dec.Decode(&info)
	if resp.Status != http.StatusOK || decodeErr != nil {
		return nil, aos.Errorf(aos.EUpstream, "HubSpot answered %d to the token-info request%s", resp.Status, category(info.Category))
	}
	return describeToken(kind, info), nil
}

func category(c string) string {
	if c == "" || len(c) > 64 {
		return ""
	}
	return " (" + c + ")"
}

// describeToken turns token info into a CredentialInfo.
func describeToken(kind string, info tokenInfo) *connector.CredentialInfo {
	hub, app := info.HubID, info.AppID
	if hub == "" {
		hub, app = info.HubID2, info.AppID2
	}
	if hub != "" {
		kind += fmt.Sprintf(" (hub %s, app %s)", hub, app)
	}
	ci := &connector.CredentialInfo{Kind: kind, Scopes: slices.Sorted(slices.Values(info.Scopes))}
	var types []string
	for _, s := range info.Scopes {
		parts := strings.Split(s, ".")
		if slices.Contains(parts, "write") || s == "crm.import" || s == "tickets" || s == "e-commerce" {
			ci.CanWrite = true
		}
		switch {
		case s == "oauth":
			// Every token has it; it reaches nothing.
		case s == "tickets":
			types = append(types, "tickets") // the legacy tickets scope
		case len(parts) >= 4 && parts[0] == "crm" && (parts[1] == "objects" || parts[1] == "schemas") && parts[2] != "custom":
			if t, ok := canonicalType(parts[2]); ok {
				types = append(types, t)
				continue
			}
			ci.AccountWide = true
		default:
			ci.AccountWide = true
		}
	}
	slices.Sort(types)
	for _, t := range slices.Compact(types) {
		ci.Resources = append(ci.Resources, objectPrefix+t)
	}
	return ci
}
