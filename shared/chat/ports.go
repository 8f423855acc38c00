package chat

import (
	"context"
	"time"
)

// Storer is what the domain needs from persistence. Implementations return
// the sentinel errors of this package (ErrNotFound, ErrConflict, ErrInvalid).
type Storer interface {
	// Conversation returns the conversation's state.
	Conversation(ctx context.Context, id string) (Conversation, error)
	// ConversationListeners returns the conversation together with the
	// visitor connections subscribed to it, in one read.
	ConversationListeners(ctx context.Context, id string) (Conversation, []Listener, error)
	// CreateConversation stores a new conversation with its first message.
	CreateConversation(ctx context.Context, in NewConversation) (Appended, error)
	// Append adds a message to the seq stream, applying in.Change to the
	// conversation in the same write; it retries when another writer took
	// the seq first, calling Change again with the fresh state.
	Append(ctx context.Context, in Append) (Appended, error)
	// MarkAgentRead raises the agents' read marker to seq (never lowers
	// it) and returns the conversation.
	MarkAgentRead(ctx context.Context, conversationID string, seq int64) (Conversation, error)
	// MarkVisitorRead raises the visitor's read marker of c to seq (never
	// lowers it) and says whether it did. VisitorConversations and
	// VisitorRead read it back: other reads of a conversation may return
	// a lower VisitorReadSeq.
	MarkVisitorRead(ctx context.Context, c Conversation, seq int64) (bool, error)
	// VisitorRead returns the visitor's read marker of c as
	// MarkVisitorRead stores it (0 when none).
	VisitorRead(ctx context.Context, c Conversation) (int64, error)
	// Messages returns a page of messages in ascending seq and whether more
	// exist in the direction asked.
	Messages(ctx context.Context, q MessageQuery) ([]Message, bool, error)
	// Conversations lists inboxes, newest activity first; the cursor is
	// opaque and "" when there is no further page.
	Conversations(ctx context.Context, q ListQuery) ([]Conversation, string, error)
	// VisitorConversations lists a visitor's conversations, newest first.
	VisitorConversations(ctx context.Context, visitorID string, limit int) ([]Conversation, error)

	CreateVisitor(ctx context.Context, v Visitor) error
	Visitor(ctx context.Context, id string) (Visitor, error)

	// ConsumeTicket records a ticket as used; ErrConflict when it already was.
	ConsumeTicket(ctx context.Context, id string, expiresAt time.Time) error
	SaveConnection(ctx context.Context, c Connection) error
	Connection(ctx context.Context, id string) (Connection, error)
	// DeleteConnection removes a connection and every subscription it
	// holds, and answers the connection as it was (the zero Connection when
	// there was none, or it had expired).
	DeleteConnection(ctx context.Context, id string) (Connection, error)
	// DeleteConnectionVia is DeleteConnection for a connection a push
	// found gone through the listener set via: that listener item goes
	// even when the connection item is gone already. A connection still
	// in its $connect is kept (API Gateway answers 410 until $connect has
	// returned).
	DeleteConnectionVia(ctx context.Context, id string, via Via) error
	// Subscribe adds a connection to a conversation's listeners (again,
	// with another subscription, when it is one already).
	Subscribe(ctx context.Context, connectionID, conversationID string, p Principal, subscription string) error
	// Unsubscribe takes a connection out of a conversation's listeners
	// when its listener item is still the one subscription made; without
	// such an item it changes nothing.
	Unsubscribe(ctx context.Context, connectionID, conversationID, subscription string) error
	InboxListeners(ctx context.Context, inboxID string) ([]string, error)
	VisitorListeners(ctx context.Context, visitorID string) ([]string, error)

	// Agent returns an agent's profile with its memberships.
	Agent(ctx context.Context, id string) (Agent, error)
	// EnsureAgent stores a (with memberships a.Inboxes) if no profile with
	// its id exists and returns the stored profile either way; the first
	// call for an invited agent clears its Invited mark.
	EnsureAgent(ctx context.Context, a Agent) (Agent, error)
	// UpdateProfile changes the fields an agent edits about itself (display
	// name, avatar, meetings link); ErrNotFound without a profile.
	UpdateProfile(ctx context.Context, a Agent) error
	// SetAdminGroup records whether the agent's token carries the admin
	// group (RoleOf shows it in lists).
	SetAdminGroup(ctx context.Context, agentID string, in bool) error
	// Agents returns every agent's profile with its memberships.
	Agents(ctx context.Context) ([]Agent, error)
	// InboxMembers returns the ids of an inbox's members.
	InboxMembers(ctx context.Context, inboxID string) ([]string, error)
	// RenameAgent sets an agent's display name to to, provided it is still
	// from (ErrConflict otherwise).
	RenameAgent(ctx context.Context, id, from, to string) error

	// AgentPresence reads an agent's status and sockets (zero when none
	// was stored); AgentPresences several agents', by id.
	AgentPresence(ctx context.Context, agentID string) (Presence, error)
	AgentPresences(ctx context.Context, agentIDs []string) (map[string]Presence, error)
	// SetAgentStatus stores the status an agent chose.
	SetAgentStatus(ctx context.Context, agentID string, status AgentStatus) (Presence, error)
	// AgentSocketClosed forgets an agent's inbox socket and stamps when it
	// closed (SaveConnection records an agent's socket as it opens).
	AgentSocketClosed(ctx context.Context, c Connection, at time.Time) error
	// SetAgentLeft stamps when the agent signed out or was disabled.
	SetAgentLeft(ctx context.Context, agentID string, at time.Time) error

	// PresenceTurn returns the visitor's next presence turn: a number that
	// grows with every call (a counter on the visitor), taken by a connect
	// or a disconnect before it decides whether the visitor is online.
	PresenceTurn(ctx context.Context, visitorID string) (int64, error)
	// SetVisitorOnline sets the online flag of the visitor's recent
	// conversations as decided at turn; a conversation whose flag a later
	// turn set already keeps it. It returns those whose flag changed.
	SetVisitorOnline(ctx context.Context, visitorID string, online bool, turn int64) ([]Conversation, error)
	// SetAssigneeProfile copies an agent's display name and avatar into the
	// open conversations assigned to it and returns them.
	SetAssigneeProfile(ctx context.Context, inboxID string, a Agent) ([]Conversation, error)

	// VisitorName returns the name agents call a visitor by: its contact's
	// name, or address; "" when it has none.
	VisitorName(ctx context.Context, visitorID string) (string, error)
	// SetVisitorName writes name into the visitor's recent conversations
	// and returns those whose name changed.
	SetVisitorName(ctx context.Context, visitorID, name string) ([]Conversation, error)
	// RecordPage adds a report to a conversation's visit: the first one
	// sets where it started; each sets the language and the device and
	// adds its page, keeping the newest MaxPages. It returns the visit.
	RecordPage(ctx context.Context, conversationID string, report Visit) (Visit, error)
	// Visit returns a conversation's visit; ErrNotFound before any report.
	Visit(ctx context.Context, conversationID string) (Visit, error)

	Workspace
}

// Notifier pushes frames to live connections. A failed push is its own
// business (logged): it is never a lost message, because clients resume
// from their last seq. It returns the connections it found gone, which
// the domain forgets (gone.go).
type Notifier interface {
	Push(ctx context.Context, connectionIDs []string, frame any) (gone []string)
}

// ViaKind names a kind of listener set.
type ViaKind string

const (
	// ViaConversation: the visitor tabs subscribed to a conversation.
	ViaConversation ViaKind = "conversation"
	// ViaVisitor: every open tab of a visitor.
	ViaVisitor ViaKind = "visitor"
	// ViaInbox: the sockets of the agents of an inbox.
	ViaInbox ViaKind = "inbox"
)

// Via is the listener set a connection to push to was found in.
type Via struct {
	Kind ViaKind
	ID   string
}

// NewConversation is a conversation with its first message.
type NewConversation struct {
	Conversation Conversation
	Message      Message
	// ClientKey makes the write idempotent; see Append.ClientKey.
	ClientKey string
	// Request is the digest of the request; see Append.Request.
	Request string
	// Quota, when set, counts the write; see Append.Quota.
	Quota *Quota
	// Follow are entries stored after Message in the same write (the
	// bot's), with the seqs after it.
	Follow []Message
}

// Append is one message added to an existing conversation.
type Append struct {
	// Current is the state the caller read; its LastSeq is the first guess
	// for the seq to take.
	Current Conversation
	// Message to store; the store fills Seq and ConversationID.
	Message Message
	// ClientKey, when set, is stored with the message so a retry with the
	// same key returns the first result instead of storing twice.
	ClientKey string
	// Request, when set, is the digest of the request ClientKey names,
	// stored with it: a used key whose stored digest differs is refused
	// with ErrClientIDReused instead of answered.
	Request string
	// Quota, when set, is a rate limit counter raised in the same write;
	// a full quota refuses the write with a *RateLimitError.
	Quota *Quota
	// Change updates the conversation for this message. It may return an
	// error (for example a ConflictError) to abandon the write.
	Change func(c *Conversation) error
	// Claim, set by an automatic assignment, is what the assignment takes
	// in the same write (see Claim).
	Claim *Claim
	// Follow, when set, is called after each Change: the entries it
	// returns are stored after Message in the same write (the bot's
	// answer), with the seqs after it.
	Follow func() []Message
}

// Appended is the result of a write to the seq stream.
type Appended struct {
	Conversation Conversation
	Message      Message
	// Duplicate is true when the client key had been used: Message is the
	// one stored the first time and nothing new was written.
	Duplicate bool
	// Follow are the entries stored after Message in the same write
	// (none on a duplicate: Service.botFollowing reads them).
	Follow []Message
}

// MessageQuery selects a page of a conversation's messages: those after
// After (ascending), or with Before set the last ones below Before.
type MessageQuery struct {
	ConversationID string
	After          int64
	Before         int64
	Limit          int
}

// View of an inbox list.
type View string

const (
	ViewAll        View = "all"
	ViewMine       View = "mine"
	ViewUnassigned View = "unassigned"
)

// ListQuery selects a page of the conversations of some inboxes, merged.
type ListQuery struct {
	InboxIDs []string
	Status   Status
	View     View
	AgentID  string
	Limit    int
	Cursor   string
}
