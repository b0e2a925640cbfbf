package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Do sends call upstream as it was decided on, byte for byte, with the
// token as a bearer token, and returns Slack's answer (HTTP 200 with
// {"ok": false, "error"} for Slack's own errors, passed on as they are).
//
// It does not map the request again: FromHTTP and FromCall built
// call.Upstream and what Do needs of it (call.Parsed), and a call sealed
// for an approval is read again by connector.Recheck before it is sent.
// It still never sends outside the connection's base URL (EOutOfScope).
// Before a post it makes sure the decision accounted for its channels
// (see checkPost): otherwise it returns a connector.Redecide, or
// EUpstream when a channel cannot be looked up, and sends nothing. It
// learns from the answers that describe conversations.
//
// Errors: the above; EInternal for a call the connector did not map.
// Errors never contain the credential.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no upstream request")
	}
	p, ok := call.Parsed.(*parsed)
	if !ok {
		return nil, aos.Errorf(aos.EInternal, "the call was not mapped by the slack connector")
	}
	ep, cfg, err := settings(c)
	if err != nil {
		return nil, err
	}
	out := call.Upstream
	if _, _, err := ep.Relative(out.URL); err != nil {
		return nil, err
	}
	token, err := connector.BearerToken(secret)
	if err != nil {
		return nil, err
	}
	if p.posts() {
		if err := k.checkPost(ctx, c, ep, cfg, token, p.channels, call.Facts); err != nil {
			return nil, err
		}
	}
	resp, err := k.send(ctx, ep, token, out.Method, out.URL, out.Header, out.Body)
	if err == nil && resp.Status == http.StatusOK && learnsFrom[p.name] {
		k.learn(c, resp.Body)
	}
	return resp, err
}

// SendsDecided marks the connector as a connector.DecidedSender.
func (k *Connector) SendsDecided() {}

// checkPost makes sure a post not decided as public (a public post was
// held, and the owner said yes) holds no fact the decision did not account
// for. What the connector knows of a channel is used when it has a member
// count and is younger than recheckAfter; otherwise Slack is asked. It
// returns EConflict when a channel is external, or when channels the
// connector knew nothing about bring more than one recipient (a lone DM
// recipient is under any limit) that the decision could not count;
// EUpstream when a channel cannot be looked up. Either way nothing is
// sent. Member counts that grew since they were learnt are accepted.
func (k *Connector) checkPost(ctx context.Context, c *aos.Connection, ep *connector.Endpoint, cfg *config, token string,
	channels []string, decided aos.Facts) error {
	if decided.Public {
		return nil
	}
	var fresh []string
	uncountedMembers := 0
	for _, ch := range channels {
		if cfg.external(ch) {
			return externalSince(ch)
		}
		ci, ok := k.channels.get(c, ch)
		known := ok && ci.membersKnown
		if !known || k.now().Sub(ci.at) > recheckAfter {
			var err error
			if ci, err = k.lookup(ctx, c, ep, token, ch); err != nil {
				return err
			}
		}
		if ci.external {
			return externalSince(ch)
		}
		if !known {
			fresh = append(fresh, ch)
			uncountedMembers += ci.members
		}
	}
	if uncountedMembers > 1 {
		return uncounted(fresh, uncountedMembers)
	}
	return nil
}

// lookup asks conversations.info about ch, with its member count, and
// remembers the answer.
func (k *Connector) lookup(ctx context.Context, c *aos.Connection, ep *connector.Endpoint, token, ch string) (channelInfo, error) {
	q := url.Values{"channel": {ch}, "include_num_members": {"true"}}
	h := http.Header{"Accept": {"application/json"}}
	resp, err := k.send(ctx, ep, token, http.MethodGet, ep.URL("/conversations.info", q.Encode()), h, nil)
	if err != nil {
		return channelInfo{}, lookupError(ch, aos.ErrorMessage(err))
	}
	var a struct {
		OK      bool           `json:"ok"`
		Error   string         `json:"error"`
		Channel *channelObject `json:"channel"`
	}
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &a) != nil {
		return channelInfo{}, lookupError(ch, "conversations.info answered HTTP "+http.StatusText(resp.Status))
	}
	if !a.OK || a.Channel == nil {
		why := a.Error
		if len(why) > 64 {
			why = why[:64]
		}
		return channelInfo{}, lookupError(ch, "conversations.info answered "+why)
	}
	ci, ok := a.Channel.info(k.now())
	if !ok || a.Channel.ID != ch {
		return channelInfo{}, lookupError(ch, "conversations.info did not say")
	}
	k.channels.put(c, ch, ci)
	return ci, nil
}

// send sends one request to Slack with the token.
func (k *Connector) send(ctx context.Context, ep *connector.Endpoint, token, verb, target string, h http.Header, body []byte) (*connector.Response, error) {
	req, err := ep.NewRequest(ctx, verb, target, h, body)
	if err != nil {
		return nil, err
	}
	return connector.SendBearer(k.httpClient(), req, token)
}
