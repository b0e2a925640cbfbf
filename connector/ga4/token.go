package ga4

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// tokenTimeout bounds one request to the token endpoint.
const tokenTimeout = 30 * time.Second

// maxCachedKeys bounds the token cache: past it, the cache starts afresh.
const maxCachedKeys = 1024

// tokenCache keeps one OAuth token source per connection and key. A
// source reuses its access token until shortly before it expires (ten
// seconds, oauth2's margin), then mints another. Tokens live in memory
// only. A rotated key has another digest, so its tokens are never those
// of the key before; adding it drops the connection's older entries.
type tokenCache struct {
	mu      sync.Mutex
	sources map[cacheKey]oauth2.TokenSource
}

type cacheKey struct {
	conn   int64
	digest [sha256.Size]byte // of the key file
}

func keyOf(c *aos.Connection, secret vault.Secret) cacheKey {
	return cacheKey{conn: c.ID, digest: sha256.Sum256(secret.Reveal())}
}

// source returns the token source of a connection's key, making it if
// needed. Tokens are fetched with client under a context of their own,
// since a source outlives the call that made it.
func (tc *tokenCache) source(ck cacheKey, secret vault.Secret, client *http.Client) (oauth2.TokenSource, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if ts, ok := tc.sources[ck]; ok {
		return ts, nil
	}
	cfg, err := google.JWTConfigFromJSON(secret.Reveal(), OAuthScope)
	if err != nil {
		return nil, aos.Errorf(aos.EUpstream, "the connection's service account key cannot be used; rotate it with `aos keys rotate`")
	}
	if tc.sources == nil || len(tc.sources) >= maxCachedKeys {
		tc.sources = map[cacheKey]oauth2.TokenSource{}
	}
	for old := range tc.sources {
		if old.conn == ck.conn {
			delete(tc.sources, old)
		}
	}
	tokenClient := *client
	tokenClient.Timeout = tokenTimeout
	ts := cfg.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, &tokenClient))
	tc.sources[ck] = ts
	return ts, nil
}

// forget drops a key's source, after the API refused its token.
func (tc *tokenCache) forget(ck cacheKey) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	delete(tc.sources, ck)
}

// token returns an access token for the key, from the cache or freshly
// minted. It returns when ctx ends even if the token endpoint has not
// answered; a token that arrives later is still cached.
func (tc *tokenCache) token(ctx context.Context, ck cacheKey, key *serviceKey, secret vault.Secret, client *http.Client) (string, error) {
	ts, err := tc.source(ck, secret, client)
	if err != nil {
		return "", err
	}
	type result struct {
		tok *oauth2.Token
		err error
	}
	ch := make(chan result, 1)
	go func() {
		tok, err := ts.Token()
		ch <- result{tok, err}
	}()
	select {
	case <-ctx.Done():
		return "", aos.Errorf(aos.EUpstream, "cannot get an access token from %s: %s", hostOf(key.TokenURI), reasonOf(ctx.Err()))
	case r := <-ch:
		if r.err != nil {
			tc.forget(ck)
			return "", tokenError(key.TokenURI, r.err)
		}
		if r.tok.AccessToken == "" || r.tok.TokenType != "" && !strings.EqualFold(r.tok.TokenType, "bearer") {
			tc.forget(ck)
			return "", aos.Errorf(aos.EUpstream, "%s answered without a bearer access token", hostOf(key.TokenURI))
		}
		return r.tok.AccessToken, nil
	}
}

// tokenError describes a failure to mint a token, from the endpoint's
// OAuth error code and description when it gave them; never the
// assertion, the key or a token.
func tokenError(tokenURI string, err error) error {
	host := hostOf(tokenURI)
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		json.Unmarshal(re.Body, &body)
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		msg := fmt.Sprintf("%s refused the service account key (HTTP %d", host, status)
		if body.Error != "" {
			msg += ", " + clip(printable(body.Error))
			if body.Description != "" {
				msg += ": " + clip(printable(body.Description))
			}
		}
		return aos.Errorf(aos.EUpstream, "%s); check the key or rotate it with `aos keys rotate`", msg)
	}
	return aos.Errorf(aos.EUpstream, "cannot get an access token from %s: %s", host, reasonOf(err))
}

// reasonOf names a transport failure without repeating a URL.
func reasonOf(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return "the call was canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	// oauth2 flattens the cause into its message, after the URL: keep the
	// last clause only ("connection refused").
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return clip(printable(msg))
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "the token endpoint"
}

// printable keeps printable ASCII of s, for quoting a remote message.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r >= 0x7f {
			return -1
		}
		return r
	}, s)
}
