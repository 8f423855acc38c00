package chat

// Notifications: each agent's list of what was addressed to it (today the
// notes that mention it), with an unread count, and the store's part for
// notes' notifications, viewers and preferences.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Workspace is what the store keeps for agents working together: their
// notifications, who views which conversation, their preferences. The
// DynamoDB store implements it; Storer includes it.
type Workspace interface {
	// AgentConnections returns an agent's sockets among an inbox's.
	AgentConnections(ctx context.Context, inboxID, agentID string) ([]string, error)

	// PutNotification adds n to an agent's notifications; created is
	// false when an entry with its id was there already.
	PutNotification(ctx context.Context, agentID string, n Notification) (created bool, err error)
	// Notifications returns a page of an agent's notifications of the
	// given inboxes, newest first, and (on the first page) how many of
	// them are unread.
	Notifications(ctx context.Context, q NotificationQuery) (NotificationPage, error)
	// ReadNotifications marks the entries with ids read, or with all set
	// every entry there is now; it returns how many unread entries of
	// the inboxes are left.
	ReadNotifications(ctx context.Context, q NotificationQuery, ids []string, all bool) (int, error)

	// PutViewer records that a connection views a conversation until
	// v.Until; fresh is false when it already did (a refresh).
	PutViewer(ctx context.Context, conversationID string, v Viewing, now time.Time) (fresh bool, err error)
	// LeaveViewer ends a connection's viewing; was is false when it
	// viewed nothing (any more).
	LeaveViewer(ctx context.Context, conversationID, connectionID string, now time.Time) (was bool, err error)
	// Viewers returns the connections viewing a conversation at now.
	Viewers(ctx context.Context, conversationID string, now time.Time) ([]Viewing, error)

	// Preferences returns an agent's preferences; ErrNotFound when it
	// never set any.
	Preferences(ctx context.Context, agentID string) (Preferences, error)
	PutPreferences(ctx context.Context, agentID string, p Preferences) error
}

// NotificationMention is the type of a notification about a note that
// mentions the agent.
const NotificationMention = "mention"

// notificationTTL is how long a notification is kept.
const notificationTTL = 90 * 24 * time.Hour

// Notification is an entry of an agent's notifications.
type Notification struct {
	// ID is opaque to clients; it sorts by time.
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	ConversationID string    `json:"conversationId"`
	InboxID        string    `json:"inboxId"`
	Seq            int64     `json:"seq"`
	Author         Author    `json:"author"`
	Preview        string    `json:"preview"`
	CreatedAt      time.Time `json:"createdAt"`
	Read           bool      `json:"read"`
	// ExpiresAt is when the store forgets the entry.
	ExpiresAt time.Time `json:"-"`
}

// NotificationQuery selects a page of an agent's notifications.
type NotificationQuery struct {
	AgentID string
	// Inboxes are the agent's: entries about conversations of other
	// inboxes (the agent left one since) are not shown.
	Inboxes []string
	Limit   int
	Cursor  string
}

// NotificationPage is a page of an agent's notifications, newest first.
type NotificationPage struct {
	Notifications []Notification `json:"notifications"`
	// Unread counts the unread entries, up to MaxUnread.
	Unread     int    `json:"unread"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// MaxUnread is the highest unread count told; more shows as that many.
const MaxUnread = 99

// maxReadIDs bounds the ids one request marks read.
const maxReadIDs = 25

const notificationTime = "2006-01-02T15:04:05.000Z"

// mentionOf is the notification of a note for an agent it mentions; its
// id depends only on the note, so the same note makes the same entry.
func mentionOf(conv Conversation, note Message) Notification {
	return Notification{
		ID:   MentionID(note),
		Type: NotificationMention, ConversationID: note.ConversationID, InboxID: conv.InboxID, Seq: note.Seq,
		Author: note.Author, Preview: preview(note.Body), CreatedAt: note.CreatedAt,
		ExpiresAt: note.CreatedAt.Add(notificationTTL),
	}
}

// MentionID is the id of the notifications a note's mentions make, the
// same for every agent it names (erasure finds them by it).
func MentionID(note Message) string {
	return note.CreatedAt.UTC().Format(notificationTime) + "#" + note.ConversationID + "#" + strconv.FormatInt(note.Seq, 10)
}

// ValidNotificationID reports whether id has the shape of a notification's.
func ValidNotificationID(id string) bool {
	at, rest, ok := strings.Cut(id, "#")
	if !ok {
		return false
	}
	cid, seq, ok := strings.Cut(rest, "#")
	if !ok || !ValidID(cid) {
		return false
	}
	if _, err := time.Parse(notificationTime, at); err != nil {
		return false
	}
	n, err := strconv.ParseInt(seq, 10, 64)
	return err == nil && n > 0 && strconv.FormatInt(n, 10) == seq
}

// NotificationFrame tells an agent's sockets of a new notification.
type NotificationFrame struct {
	Type         string       `json:"type"`
	Notification Notification `json:"notification"`
}

// Notifications returns a page of the agent's notifications, newest first.
func (s *Service) Notifications(ctx context.Context, agent Principal, limit int, cursor string) (NotificationPage, error) {
	limit, err := checkLimit(limit, DefaultPageSize)
	if err != nil {
		return NotificationPage{}, err
	}
	page, err := s.store.Notifications(ctx, NotificationQuery{AgentID: agent.ID, Inboxes: agent.Inboxes, Limit: limit, Cursor: cursor})
	if err != nil {
		return NotificationPage{}, fmt.Errorf("notifications of %s: %w", agent.ID, err)
	}
	return page, nil
}

// ReadNotifications marks some of the agent's notifications read, or all of
// them, and returns how many unread ones are left.
func (s *Service) ReadNotifications(ctx context.Context, agent Principal, ids []string, all bool) (int, error) {
	if all == (len(ids) > 0) {
		return 0, invalid("give either ids or all")
	}
	if len(ids) > maxReadIDs {
		return 0, invalid("at most %d ids at once", maxReadIDs)
	}
	for _, id := range ids {
		if !ValidNotificationID(id) {
			return 0, invalid("ids must be notification ids")
		}
	}
	n, err := s.store.ReadNotifications(ctx, NotificationQuery{AgentID: agent.ID, Inboxes: agent.Inboxes}, ids, all)
	if err != nil {
		return 0, fmt.Errorf("read notifications of %s: %w", agent.ID, err)
	}
	return n, nil
}
