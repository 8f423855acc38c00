// Package settings keeps what admins set in the inbox: inboxes and their
// chat channels (allowed origins, the widget's look, availability, away
// behaviour, email and inactivity). It validates every change with errors
// named by field, seeds the first inbox and channel from the deployment's
// parameters on first use, and answers the hot paths (the chat domain's
// channels, the origin allowlist, the email channel, the widget's public
// config) from a short in-memory cache, so no visitor message reads a
// setting. docs/architecture.md, "Settings".
package settings

import (
	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chatflow"
)

// Channel is a chat channel as admins edit it and the API sends it.
type Channel struct {
	ID      string `json:"id"`
	InboxID string `json:"inboxId"`
	Name    string `json:"name"`
	// AllowedOrigins are the sites that may embed the widget: exact
	// origins (scheme, host, port) as browsers send them.
	AllowedOrigins   []string              `json:"allowedOrigins"`
	Look             Look                  `json:"look"`
	Availability     availability.Settings `json:"availability"`
	Away             Away                  `json:"away"`
	TypicalReplyTime string                `json:"typicalReplyTime"`
	Email            Email                 `json:"email"`
	Inactivity       Inactivity            `json:"inactivity"`
	Files            Files                 `json:"files"`
	Retention        Retention             `json:"retention"`
	// CSAT turns the satisfaction survey on: a close asks the visitor to
	// rate the conversation, in the widget and in the transcript email
	// (docs/reports.md, "Satisfaction"). Off by default.
	CSAT bool `json:"csat"`
	// Chatflows are what the widget does when a visitor opens the chat;
	// Targeting says which pages get which (none: live chat with the
	// greeting everywhere). docs/chatflows.md.
	Chatflows []chatflow.Flow    `json:"chatflows"`
	Targeting chatflow.Targeting `json:"targeting"`
}

// Look is how the widget looks on the host page.
type Look struct {
	// Color is the launcher's and the header's colour, "#rrggbb"; white
	// icons and text sit on it.
	Color string `json:"color"`
	// LauncherText is shown beside the launcher's icon; "" shows the icon
	// only.
	LauncherText  string `json:"launcherText"`
	Position      string `json:"position"`
	TeamName      string `json:"teamName"`
	TeamAvatarURL string `json:"teamAvatarUrl,omitempty"`
	// Greeting is shown at the top of an empty chat (as text).
	Greeting  string `json:"greeting"`
	PoweredBy bool   `json:"poweredBy"`
	// Language is the default language of the widget's own strings (the
	// visitor's browser may choose another the widget knows).
	Language string `json:"language"`
}

// Away is what the widget does while nobody is available.
type Away struct {
	// Mode is AwayMessage (the away message with email capture) or
	// AwayHide (no launcher at all).
	Mode    string `json:"mode"`
	Message string `json:"message"`
}

// Email is the channel's email settings.
type Email struct {
	TranscriptOnClose bool   `json:"transcriptOnClose"`
	SenderName        string `json:"senderName"`
	// SenderAddress must be at the domain the deployment sends from.
	SenderAddress string `json:"senderAddress"`
}

// Inactivity closes a quiet chat: TimeoutMinutes after the visitor's last
// message (0: never), with a warning WarningMinutes before (0: none), in
// WarningText or the built-in text of the channel's language.
type Inactivity struct {
	TimeoutMinutes int    `json:"timeoutMinutes"`
	WarningMinutes int    `json:"warningMinutes"`
	WarningText    string `json:"warningText"`
}

// Files bounds the files sent in the channel's conversations: the largest
// file and the most files one message carries. 0 keeps the deployment's
// limit (the MaxFileMegabytes and MaxFilesPerMessage parameters).
type Files struct {
	MaxMegabytes int `json:"maxMegabytes"`
	PerMessage   int `json:"perMessage"`
}

// Retention is how long the channel's closed conversations are kept:
// ClosedDays days after they closed (their last activity), then they are
// deleted with their messages, notes, files and raw mails; 0 keeps them
// forever (docs/data-rights.md).
type Retention struct {
	ClosedDays int `json:"closedDays"`
}

// MaxRetentionDays is the longest retention a channel sets (10 years);
// longer is forever, 0.
const MaxRetentionDays = 3650

// Inbox is a team's inbox: its members and channels, and how new
// conversations are routed.
type Inbox struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// MemberIDs are the agents whose profiles list the inbox.
	MemberIDs []string `json:"memberIds"`
	// ChannelIDs are the chat channels whose conversations land here.
	ChannelIDs []string `json:"channelIds"`
	Routing    Routing  `json:"routing"`
}

// Routing is how an inbox hands new conversations to its members.
type Routing struct {
	// Mode is RoutingManual or RoutingRoundRobin.
	Mode string `json:"mode"`
	// Capacity is the most open conversations round robin gives one agent.
	Capacity int `json:"capacity"`
}

// InboxRef names an inbox (the inbox switcher's list).
type InboxRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Values of the enumerated fields.
const (
	PositionRight = "right"
	PositionLeft  = "left"

	AwayMessage = "message"
	AwayHide    = "hide"

	ReplyMinutes = "minutes"
	ReplyHours   = "hours"
	ReplyDay     = "day"

	RoutingManual     = "manual"
	RoutingRoundRobin = "round_robin"
)

// Languages are those the widget has strings for.
var Languages = []string{"en", "de", "it", "fr", "pl"}
