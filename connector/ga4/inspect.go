package ga4

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// maxSummaryPages bounds how many pages of account summaries Inspect reads.
const maxSummaryPages = 10

// Inspect asks the Admin API (read-only: accountSummaries) which
// properties the service account can read, and reports them as
// resources, with the OAuth scope the connector uses and, as scopes too,
// the Measurement Protocol streams the key carries. CanWrite is set when
// the key carries any stream: it can send events. It never returns the
// key, a token or an API secret.
func (k *Connector) Inspect(ctx context.Context, c *aos.Connection, secret vault.Secret) (*connector.CredentialInfo, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	key, err := parseKey(secret, aos.EUpstream)
	if err != nil {
		return nil, err
	}
	ck := keyOf(c, secret)
	token, err := k.tokens.token(ctx, ck, key, secret, k.httpClient())
	if err != nil {
		return nil, err
	}
	info := &connector.CredentialInfo{Kind: "service account key (" + key.ClientEmail + ")", Scopes: []string{OAuthScope}}
	for _, s := range key.MeasurementProtocol {
		info.Scopes = append(info.Scopes, "measurement protocol "+s.MeasurementID+" ("+Resource(s.Property)+")")
		info.CanWrite = true
	}
	page := ""
	for range maxSummaryPages {
		q := url.Values{"pageSize": {"200"}}
		if page != "" {
			q.Set("pageToken", page)
		}
		req, err := newRequest(ctx, http.MethodGet, ep.admin+"/v1beta/accountSummaries?"+q.Encode(), nil)
		if err != nil {
			return nil, err
		}
		resp, err := connector.SendBearer(k.httpClient(), req, token)
		if err != nil {
			return nil, err
		}
		if resp.Status != http.StatusOK {
			if resp.Status == http.StatusUnauthorized {
				k.tokens.forget(ck)
			}
			return nil, aos.Errorf(aos.EUpstream, "the Admin API answered %d to accountSummaries", resp.Status)
		}
		var sums struct {
			AccountSummaries []struct {
				PropertySummaries []struct {
					Property string `json:"property"`
				} `json:"propertySummaries"`
			} `json:"accountSummaries"`
			NextPageToken string `json:"nextPageToken"`
		}
		if err := json.Unmarshal(resp.Body, &sums); err != nil {
			return nil, aos.Errorf(aos.EUpstream, "the Admin API's accountSummaries answer does not parse")
		}
		for _, a := range sums.AccountSummaries {
			for _, p := range a.PropertySummaries {
				if id := strings.TrimPrefix(p.Property, "properties/"); isPropertyID(id) {
					info.Resources = append(info.Resources, Resource(id))
				}
			}
		}
		if page = sums.NextPageToken; page == "" {
			break
		}
	}
	return info, nil
}
