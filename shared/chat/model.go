// Package chat is the live-chat domain: conversations, messages, assignment
// and who gets told about what. It owns the Storer and Notifier interfaces
// its adapters implement and imports no AWS package.
package chat

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Role says which side of the chat a principal is on.
type Role string

const (
	RoleVisitor Role = "visitor"
	RoleAgent   Role = "agent"
	// RoleSystem authors what the system does by itself (timers).
	RoleSystem Role = "system"
	// RoleBot authors what a channel's chatflow says (bot.go).
	RoleBot Role = "bot"
)

// Principal is the authenticated caller.
type Principal struct {
	Role      Role
	ID        string
	Name      string
	AvatarURL string
	// Inboxes an agent is a member of (see Service.Member); it reaches
	// their conversations only. Empty for visitors.
	Inboxes []string
	// ChannelID is a visitor's chat channel: the one its widget runs on,
	// where its new conversations start. Empty for agents.
	ChannelID string
}

// Status of a conversation.
type Status string

const (
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// Kind of a message: written text or a system event.
type Kind string

const (
	KindText  Kind = "text"
	KindEvent Kind = "event"
	// KindNote is an agents' internal note: it never reaches a visitor
	// (notes.go).
	KindNote Kind = "note"
)

// EventType names a system event stored in the message stream.
type EventType string

const (
	EventAssigned   EventType = "assigned"
	EventTakenOver  EventType = "taken_over"
	EventUnassigned EventType = "unassigned"
	EventClosed     EventType = "closed"
	EventReopened   EventType = "reopened"
	// EventTranscriptSent records that a transcript was emailed.
	EventTranscriptSent EventType = "transcript_sent"
	// EventWarning tells the visitor the conversation is about to close
	// for inactivity; the message body is the text shown.
	EventWarning EventType = "warning"
	// EventRated records the visitor's answer to the satisfaction survey
	// (rating.go); a later answer is another EventRated that replaces it.
	EventRated EventType = "rated"
	// EventHandedOver records that the bot handed the conversation to the
	// inbox's routing.
	EventHandedOver EventType = "handed_over"
)

// Channels a message travels on.
const (
	ChannelChat  = "chat"
	ChannelEmail = "email"
)

// MaxBodyRunes is the longest message body accepted, in characters.
const MaxBodyRunes = 5000

const previewRunes = 140

// Author of a message as clients see it.
type Author struct {
	Type Role `json:"type"`
	// ID is absent from what visitors receive when an agent wrote
	// (ForVisitor).
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	AvatarURL string `json:"avatarUrl,omitempty"`
}

// Event describes a system event message.
type Event struct {
	Type EventType `json:"type"`
	// AgentID and AgentName name the agent the event is about (the new
	// assignee, or the one unassigned).
	AgentID   string `json:"agentId,omitempty"`
	AgentName string `json:"agentName,omitempty"`
	// Email and Subject describe an emailed transcript.
	Email   string `json:"email,omitempty"`
	Subject string `json:"subject,omitempty"`
	// Reason says why a conversation closed: CloseReasonAgent or
	// CloseReasonInactivity.
	Reason string `json:"reason,omitempty"`
	// Survey is set on a close that asked the visitor for a rating (the
	// channel's satisfaction survey was on).
	Survey bool `json:"survey,omitempty"`
	// Rating is the visitor's answer (EventRated).
	Rating *Rating `json:"rating,omitempty"`
}

// Message is one immutable entry of a conversation's seq stream.
type Message struct {
	ConversationID string    `json:"conversationId"`
	Seq            int64     `json:"seq"`
	Kind           Kind      `json:"kind"`
	ClientID       string    `json:"clientId,omitempty"`
	Author         Author    `json:"author"`
	Body           string    `json:"body,omitempty"`
	Event          *Event    `json:"event,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	// Channel is "email" for messages sent or received by email; empty
	// means chat.
	Channel string `json:"channel,omitempty"`
	// MailID is the Message-ID of the email that carried the message.
	MailID string `json:"mailId,omitempty"`
	// RawMail is the object key of a received email as it arrived; it
	// never leaves the backend.
	RawMail string `json:"-"`
	// Mentions are the agents a note names (notes.go).
	Mentions []Mention `json:"mentions,omitempty"`
	// Extraction is ExtractionFull for an emailed message whose new text
	// could not be separated from the quoted history: the body is the
	// whole mail. Agents only (ForVisitor strips it).
	Extraction string `json:"extraction,omitempty"`
	// Attachments are the files the message carries (files.go).
	Attachments []Attachment `json:"attachments,omitempty"`
	// Ask is set on a bot's question: how the visitor may answer (bot.go).
	Ask *Ask `json:"ask,omitempty"`
}

// ExtractionFull marks a message stored with the whole text of its email.
const ExtractionFull = "full"

// Conversation is the state of one thread.
type Conversation struct {
	ID           string
	ChannelID    string
	InboxID      string
	VisitorID    string
	Status       Status
	AssigneeID   string
	AssigneeName string
	// AssigneeAvatarURL is the assignee's profile picture, copied from the
	// profile when the assignment changes (rare), so no message pays for it.
	AssigneeAvatarURL string
	// VisitorOnline is true while the visitor has a live connection; it
	// changes on the visitor's connect and disconnect, never per message.
	// PresenceTurn is the visitor's turn that set it (presence.go): of two
	// states with the same LastSeq, the one with the higher turn says
	// whether the visitor is online.
	VisitorOnline bool
	PresenceTurn  int64
	// VisitorName is how agents call the visitor: the contact's name, or
	// its email address; copied when the contact changes (visitors.go).
	VisitorName string
	// FirstLine is the preview of the conversation's first message.
	FirstLine string
	LastSeq   int64
	// VisitorReadSeq is the visitor's read marker. It is stored apart
	// from the conversation (Storer.MarkVisitorRead) and read with the
	// visitor's conversations and the agent's thread; other reads return
	// only the marker that conversations stored before the move carry on
	// themselves (0 for later ones).
	VisitorReadSeq int64
	AgentReadSeq   int64
	Preview        string
	CreatedAt      time.Time
	LastActivityAt time.Time
	// TimerAt is when the inactivity timer fires next and TimerStage what it
	// does then; zero when no timer runs (closed, or no timeout configured).
	TimerAt    time.Time
	TimerStage TimerStage
	// Survey is true once a close asked the visitor for a rating;
	// Rating is the current answer (Score 0: none yet) and Ratings how
	// many answers were given (rating.go).
	Survey  bool
	Rating  Rating
	Ratings int
	// TimerListedAt is the deadline under which the timer index lists the
	// conversation, at or before TimerAt (the store's: it moves the entry
	// only when TimerAt runs ahead of it by more than a little, and the
	// sweeper decides on TimerAt). Zero when not listed.
	TimerListedAt time.Time
	// Bot is the state of the chatflow's bot in the conversation; zero
	// when no bot took part (bot.go).
	Bot BotState
	// ListChange is set by the change a message makes to the conversation
	// when the message changes what every agent's list shows (see
	// stampListed); it is not stored.
	ListChange bool
}

// Summary is the agent's view of a conversation.
type Summary struct {
	ID           string `json:"id"`
	ChannelID    string `json:"channelId"`
	InboxID      string `json:"inboxId"`
	VisitorID    string `json:"visitorId"`
	Status       Status `json:"status"`
	AssigneeID   string `json:"assigneeId,omitempty"`
	AssigneeName string `json:"assigneeName,omitempty"`
	LastSeq      int64  `json:"lastSeq"`
	AgentReadSeq int64  `json:"agentReadSeq"`
	// VisitorReadSeq is how far the visitor has read (the "Seen" under an
	// agent's reply), where it is known: the visitor's read pushed to the
	// agents who have the thread open (an agent's resume answer carries
	// it too, MessagesFrame). Other reads and pushes carry 0 (or the
	// marker of a conversation stored before it moved off the
	// conversation item), so the inbox keeps the higher.
	VisitorReadSeq int64     `json:"visitorReadSeq,omitempty"`
	Preview        string    `json:"preview"`
	CreatedAt      time.Time `json:"createdAt"`
	LastActivityAt time.Time `json:"lastActivityAt"`
	// Email facts for the reply editor, filled where a single conversation
	// is read: the contact's address, the channel a reply should take
	// (chat while the visitor is online, email when offline and an address
	// is known) and why email is unavailable, if it is. ContactVerified is
	// true when the address is known to be the contact's (confirmed by its
	// owner, set by an agent, or written from); an address a visitor typed
	// and nobody confirmed is not. ContactName is the contact's name, where
	// one is known.
	ContactEmail      string `json:"contactEmail,omitempty"`
	ContactName       string `json:"contactName,omitempty"`
	ContactVerified   bool   `json:"contactVerified,omitempty"`
	SuggestedChannel  string `json:"suggestedChannel,omitempty"`
	EmailBlocked      string `json:"emailBlocked,omitempty"`
	AssigneeAvatarURL string `json:"assigneeAvatarUrl,omitempty"`
	VisitorOnline     bool   `json:"visitorOnline"`
	// PresenceTurn orders visitorOnline between states of the same
	// lastSeq, which pushes may deliver in any order (Conversation).
	PresenceTurn int64 `json:"presenceTurn,omitempty"`
	// VisitorName is the contact's name or email address, when known.
	VisitorName string `json:"visitorName,omitempty"`
	// Rating is the visitor's answer to the satisfaction survey, once
	// given.
	Rating *Rating `json:"rating,omitempty"`
	// Bot is the bot's part in the conversation, when one took part.
	Bot *BotSummary `json:"bot,omitempty"`
}

// VisitorConversation is the visitor's view of a conversation: no internal
// ids beyond what the widget needs.
type VisitorConversation struct {
	ID       string `json:"id"`
	Status   Status `json:"status"`
	Assignee *Badge `json:"assignee,omitempty"`
	// Bot is the bot's name and picture while no person owns the
	// conversation and a bot took part.
	Bot          *Badge `json:"bot,omitempty"`
	LastSeq      int64  `json:"lastSeq"`
	AgentReadSeq int64  `json:"agentReadSeq"`
	// VisitorReadSeq is the visitor's read marker as the session reads
	// it; a pushed conversation may carry a lower one (see
	// Conversation.VisitorReadSeq), so the widget keeps the higher.
	VisitorReadSeq int64     `json:"visitorReadSeq"`
	Preview        string    `json:"preview"`
	CreatedAt      time.Time `json:"createdAt"`
	LastActivityAt time.Time `json:"lastActivityAt"`
}

// AgentSummary converts a conversation to the agent's view.
func (c Conversation) AgentSummary() Summary {
	// The agent's view is its own type so that stored fields (timers) never leak into it by accident.
	return Summary{
		ID: c.ID, ChannelID: c.ChannelID, InboxID: c.InboxID, VisitorID: c.VisitorID,
		Status: c.Status, AssigneeID: c.AssigneeID, AssigneeName: c.AssigneeName,
		AssigneeAvatarURL: c.AssigneeAvatarURL, VisitorOnline: c.VisitorOnline, PresenceTurn: c.PresenceTurn, VisitorName: c.VisitorName,
		LastSeq: c.LastSeq, AgentReadSeq: c.AgentReadSeq, VisitorReadSeq: c.VisitorReadSeq,
		Preview: c.Preview, CreatedAt: c.CreatedAt, LastActivityAt: c.LastActivityAt,
		Rating: c.rating(), Bot: c.Bot.summary(),
	}
}

// VisitorSummary converts a conversation to the visitor's view.
func (c Conversation) VisitorSummary() VisitorConversation {
	return VisitorConversation{
		ID: c.ID, Status: c.Status, Assignee: c.badge(), Bot: c.Bot.badge(c), LastSeq: c.LastSeq,
		AgentReadSeq: c.AgentReadSeq, VisitorReadSeq: c.VisitorReadSeq, Preview: c.Preview,
		CreatedAt: c.CreatedAt, LastActivityAt: c.LastActivityAt,
	}
}

// Badge is what a visitor sees of the agent who owns the conversation: a
// name and a picture from the agent's profile, never the agent's id.
type Badge struct {
	Name      string `json:"name"`
	AvatarURL string `json:"avatarUrl,omitempty"`
}

func (c Conversation) badge() *Badge {
	if c.AssigneeID == "" {
		return nil
	}
	return &Badge{Name: c.AssigneeName, AvatarURL: c.AssigneeAvatarURL}
}

// Visitor is an anonymous (for now) person using the widget.
type Visitor struct {
	ID        string
	ChannelID string
	CreatedAt time.Time
}

// Agent is an agent's profile with its memberships.
type Agent struct {
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	Email       string   `json:"email,omitempty"`
	AvatarURL   string   `json:"avatarUrl,omitempty"`
	MeetingsURL string   `json:"meetingsUrl,omitempty"`
	Inboxes     []string `json:"inboxes"`
	// Role is what the agent may do (RoleOf): admin when an admin granted
	// it in the product or the identity provider's admin group lists it.
	Role TeamRole `json:"role"`
	// Granted is the role given in the product (stored).
	Granted TeamRole `json:"-"`
	// AdminGroup records that the agent's token carried the admin group
	// at its last request (stored; the claim itself decides per request).
	AdminGroup bool `json:"-"`
	// Invited is set while an invited agent has not signed in yet.
	Invited bool `json:"-"`
	// Status is what the agent chose, Presence what it is in effect (away
	// too after AwayAfter without an inbox socket); filled when read, not
	// stored with the profile.
	Status   AgentStatus `json:"status"`
	Presence AgentStatus `json:"presence"`
}

// Connection is a live WebSocket connection and who opened it.
type Connection struct {
	ID        string
	Principal Principal
	// Inboxes an agent's connection listens to; empty for visitors, who
	// listen to their own visitor id instead.
	Inboxes     []string
	ConnectedAt time.Time
	// Device is what a visitor's socket said of its browser.
	Device Device
}

// Listener is a connection subscribed to a conversation.
type Listener struct {
	ConnectionID string
	Principal    Principal
	// Subscription names the resume that subscribed an agent's socket
	// (the inbox picks one each time it opens a thread); Leave ends only
	// that one. Empty for visitors' tabs.
	Subscription string
}

// Ticket is a verified, not yet consumed WebSocket ticket.
type Ticket struct {
	ID        string
	Principal Principal
	ExpiresAt time.Time
	// ChannelID is the chat channel a visitor's ticket was issued for.
	ChannelID string
	// IssuedAt is when the ticket was issued (agents' sign-out refuses
	// what was issued before it).
	IssuedAt time.Time
	// Device is what the socket's upgrade request said of the browser
	// ($connect fills it in; the ticket does not carry it).
	Device Device
}

// ValidID reports whether id is a UUID in canonical form.
func ValidID(id string) bool {
	if len(id) != 36 {
		return false
	}
	_, err := uuid.Parse(id)
	return err == nil
}

func checkID(name, id string) error {
	if !ValidID(id) {
		return invalid("%s must be a UUID", name)
	}
	return nil
}

func checkBody(body string) error {
	if strings.TrimSpace(body) == "" {
		return invalid("body must not be empty")
	}
	if !utf8.ValidString(body) {
		return invalid("body must be UTF-8")
	}
	if utf8.RuneCountInString(body) > MaxBodyRunes {
		return &Error{Kind: ErrTooLarge, Message: "body is longer than 5000 characters"}
	}
	return nil
}

func preview(body string) string {
	body = strings.Join(strings.Fields(body), " ")
	if utf8.RuneCountInString(body) <= previewRunes {
		return body
	}
	r := []rune(body)
	return string(r[:previewRunes]) + "…"
}
