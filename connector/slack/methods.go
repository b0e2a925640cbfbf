package slack

import (
	"slices"

	"github.com/aos-dev/aos"
)

// kind says what a method acts on and which facts it carries.
type kind uint8

const (
	onChannel  kind = iota // acts on the channels its arguments name (at least one)
	post                   // onChannel, and publishes into them: public-claim facts
	postOrKeep             // post when it names channels, else a private upload (Upload)
	uploadSlot             // an upload URL whose bytes bypass the gateway: always Share
	shareOut               // onChannel, and shares it with another organisation: Share
	workspace              // the whole workspace (AccountWide)
	publicLink             // workspace, and publishes a public link: Public
	self                   // the token's own identity (Self)
)

// method is one Web API method the connector forwards.
type method struct {
	access aos.Access
	kind   kind
	// args name the arguments that hold its channels, in Slack's terms:
	// "channel", "channel_id", or "channels" (a comma-separated list).
	args []string
}

var (
	channelArg = []string{"channel"}
	idArg      = []string{"channel_id"}
)

// methods are the Web API methods the connector knows; any other is an
// unknown operation. A method's access is its own, never the HTTP verb's.
var methods = map[string]method{
	"auth.test": {aos.Read, self, nil},

	"conversations.info":           {aos.Read, onChannel, channelArg},
	"conversations.history":        {aos.Read, onChannel, channelArg},
	"conversations.replies":        {aos.Read, onChannel, channelArg},
	"conversations.members":        {aos.Read, onChannel, channelArg},
	"pins.list":                    {aos.Read, onChannel, channelArg},
	"reactions.get":                {aos.Read, onChannel, channelArg},
	"chat.getPermalink":            {aos.Read, onChannel, channelArg},
	"bookmarks.list":               {aos.Read, onChannel, idArg},
	"conversations.list":           {aos.Read, workspace, nil},
	"users.conversations":          {aos.Read, workspace, nil},
	"users.info":                   {aos.Read, workspace, nil},
	"users.list":                   {aos.Read, workspace, nil},
	"users.lookupByEmail":          {aos.Read, workspace, nil},
	"team.info":                    {aos.Read, workspace, nil},
	"files.info":                   {aos.Read, workspace, nil},
	"files.list":                   {aos.Read, workspace, nil},
	"chat.postMessage":             {aos.Write, post, channelArg},
	"chat.scheduleMessage":         {aos.Write, post, channelArg},
	"chat.meMessage":               {aos.Write, post, channelArg},
	"chat.update":                  {aos.Write, post, channelArg},
	"chat.unfurl":                  {aos.Write, post, channelArg},
	"chat.postEphemeral":           {aos.Write, onChannel, channelArg},
	"chat.delete":                  {aos.Write, onChannel, channelArg},
	"chat.deleteScheduledMessage":  {aos.Write, onChannel, channelArg},
	"reactions.add":                {aos.Write, onChannel, channelArg},
	"reactions.remove":             {aos.Write, onChannel, channelArg},
	"pins.add":                     {aos.Write, onChannel, channelArg},
	"pins.remove":                  {aos.Write, onChannel, channelArg},
	"bookmarks.add":                {aos.Write, onChannel, idArg},
	"bookmarks.edit":               {aos.Write, onChannel, idArg},
	"bookmarks.remove":             {aos.Write, onChannel, idArg},
	"conversations.join":           {aos.Write, onChannel, channelArg},
	"conversations.leave":          {aos.Write, onChannel, channelArg},
	"conversations.invite":         {aos.Write, onChannel, channelArg},
	"conversations.kick":           {aos.Write, onChannel, channelArg},
	"conversations.mark":           {aos.Write, onChannel, channelArg},
	"conversations.setTopic":       {aos.Write, onChannel, channelArg},
	"conversations.setPurpose":     {aos.Write, onChannel, channelArg},
	"conversations.rename":         {aos.Write, onChannel, channelArg},
	"conversations.archive":        {aos.Write, onChannel, channelArg},
	"conversations.unarchive":      {aos.Write, onChannel, channelArg},
	"conversations.close":          {aos.Write, onChannel, channelArg},
	"conversations.inviteShared":   {aos.Write, shareOut, channelArg},
	"conversations.create":         {aos.Write, workspace, nil},
	"conversations.open":           {aos.Write, workspace, nil},
	"files.delete":                 {aos.Write, workspace, nil},
	"files.sharedPublicURL":        {aos.Write, publicLink, nil},
	"files.getUploadURLExternal":   {aos.Write, uploadSlot, nil},
	"files.completeUploadExternal": {aos.Write, postOrKeep, []string{"channel_id", "channels"}},
	"files.upload":                 {aos.Write, postOrKeep, []string{"channels"}},
}

// points are the approval points a method can raise.
func (m method) points() []aos.ApprovalPoint {
	switch m.kind {
	case post, postOrKeep:
		return []aos.ApprovalPoint{aos.PointPublicClaim, aos.PointCustomerData}
	case uploadSlot, shareOut:
		return []aos.ApprovalPoint{aos.PointCustomerData}
	case publicLink:
		return []aos.ApprovalPoint{aos.PointPublicClaim}
	}
	return nil
}

// operations lists the methods for `aos connectors`, by name.
func operations() []aos.Operation {
	names := make([]string, 0, len(methods))
	for n := range methods {
		names = append(names, n)
	}
	slices.Sort(names)
	ops := make([]aos.Operation, len(names))
	for i, n := range names {
		m := methods[n]
		ops[i] = aos.Operation{Name: n, Access: m.access, Points: m.points()}
	}
	return ops
}
