package slack

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// recheckAfter is how old what the connector knows of a channel may be
// before Do asks Slack again whether it is shared outside the workspace.
const recheckAfter = 10 * time.Minute

// maxChannelsKnown bounds what is remembered per connection.
const maxChannelsKnown = 50000

// channelInfo is what the connector knows of one conversation.
type channelInfo struct {
	external     bool // shared outside the workspace, or about to be
	members      int
	membersKnown bool
	at           time.Time // when Slack last said whether it is external
}

// channelCache remembers what Slack said of each conversation, per
// connection (ID and base URL: a reconnected workspace learns again).
type channelCache struct {
	mu    sync.Mutex
	conns map[string]map[string]channelInfo
}

func newChannelCache() *channelCache {
	return &channelCache{conns: map[string]map[string]channelInfo{}}
}

func connKey(c *aos.Connection) string { return strconv.FormatInt(c.ID, 10) + "\x00" + c.BaseURL }

func (cc *channelCache) get(c *aos.Connection, id string) (channelInfo, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	ci, ok := cc.conns[connKey(c)][id]
	return ci, ok
}

// put records what Slack said of a conversation. A member count already
// known is kept when the new answer has none.
func (cc *channelCache) put(c *aos.Connection, id string, ci channelInfo) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	m := cc.conns[connKey(c)]
	if m == nil || len(m) >= maxChannelsKnown {
		m = map[string]channelInfo{} // forgetting only makes the connector ask again
		cc.conns[connKey(c)] = m
	}
	if old, ok := m[id]; ok && !ci.membersKnown && old.membersKnown {
		ci.members, ci.membersKnown = old.members, true
	}
	m[id] = ci
}

// channelObject is a conversation as Slack's answers describe it.
type channelObject struct {
	ID                 string `json:"id"`
	IsIM               *bool  `json:"is_im"`
	IsShared           *bool  `json:"is_shared"`
	IsExtShared        *bool  `json:"is_ext_shared"`
	IsPendingExtShared *bool  `json:"is_pending_ext_shared"`
	IsOrgShared        *bool  `json:"is_org_shared"`
	NumMembers         *int   `json:"num_members"`
}

func is(b *bool) bool { return b != nil && *b }

// info reads what a channel object says. It reports false when it does
// not say whether the conversation is shared outside the workspace: a
// channel's answer always carries is_ext_shared; a DM's may not, and a
// DM has one other member.
func (o *channelObject) info(now time.Time) (channelInfo, bool) {
	if checkChannelID(o.ID) != nil || o.IsExtShared == nil && !is(o.IsIM) {
		return channelInfo{}, false
	}
	ci := channelInfo{
		external: is(o.IsExtShared) || is(o.IsPendingExtShared) || is(o.IsShared) && !is(o.IsOrgShared),
		at:       now,
	}
	switch {
	case is(o.IsIM):
		ci.members, ci.membersKnown = 1, true
	case o.NumMembers != nil && *o.NumMembers >= 0:
		ci.members, ci.membersKnown = *o.NumMembers, true
	}
	return ci, true
}

// learnsFrom are the methods whose answers describe conversations.
var learnsFrom = map[string]bool{
	"conversations.info": true, "conversations.list": true, "conversations.create": true,
	"conversations.join": true, "conversations.open": true, "users.conversations": true,
}

// learn records the conversations an ok answer describes ("channel" or
// "channels").
func (k *Connector) learn(c *aos.Connection, body []byte) {
	var a struct {
		OK       bool            `json:"ok"`
		Channel  *channelObject  `json:"channel"`
		Channels []channelObject `json:"channels"`
	}
	if json.Unmarshal(body, &a) != nil || !a.OK {
		return
	}
	if a.Channel != nil {
		a.Channels = append(a.Channels, *a.Channel)
	}
	now := k.now()
	for _, o := range a.Channels {
		if ci, ok := o.info(now); ok {
			k.channels.put(c, o.ID, ci)
		}
	}
}

// postFacts returns the facts of a post into channels, from what the
// connector knows: public when one is external (by the owner's settings
// or as learnt), and the known member counts as recipients. Channels it
// knows nothing about add nothing here; Do learns them before sending
// (see checkPost).
func (k *Connector) postFacts(c *aos.Connection, cfg *config, channels []string) aos.Facts {
	var f aos.Facts
	for _, ch := range channels {
		ci, ok := k.channels.get(c, ch)
		if cfg.external(ch) || ok && ci.external {
			f.Public = true
		}
		if ok && ci.membersKnown {
			f.Recipients += ci.members
		}
	}
	return f
}

// lookupError says why a channel could not be looked up.
func lookupError(ch, why string) error {
	return aos.Errorf(aos.EUpstream, "nothing was sent: aos could not check whether %s is shared outside the workspace (%s)", ch, why)
}

// externalSince asks the gateway to decide again a post whose channel
// turned out to be external after the call was decided: mapped again, it
// is held at public-claim.
func externalSince(ch string) error {
	return &connector.Redecide{Reason: ch + " is shared outside the workspace, which aos had not learnt when the call was decided"}
}

// uncounted asks the gateway to decide again a post whose channels'
// members the decision did not count.
func uncounted(channels []string, members int) error {
	return &connector.Redecide{Reason: fmt.Sprintf("aos had not learnt how many members %s has (%d) when the call was decided",
		strings.Join(channels, ", "), members)}
}
