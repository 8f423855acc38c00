package privacy

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// Erasure is what an erasure removed, in numbers.
type Erasure struct {
	VisitorID     string `json:"visitorId"`
	Conversations int    `json:"conversations"`
	Items         int    `json:"items"`
	Objects       int    `json:"objects"`
}

// Audit is an event of the audit trail: who did what to which id, when,
// and how much; never the content it concerned.
type Audit struct {
	ID        string
	Action    string
	AgentID   string
	VisitorID string
	At        time.Time
	Erasure   Erasure
}

// AuditContactErased is the action of an erasure.
const AuditContactErased = "contact.erased"

// Erase removes everything about the contact visitorID (Resolve): each of
// its conversations with their messages, notes, files, raw mails and the
// mail quarantined for them (and so their search entries), then its
// profile, contact, address, its status, the mail quarantined from it,
// its identity link, its connections and counters; then records who
// erased whom. Running it again after a failure finishes what the first run left.
func (s *Service) Erase(ctx context.Context, by chat.Principal, visitorID string) (Erasure, error) {
	res := Erasure{VisitorID: visitorID}
	ids, err := s.store.VisitorConversationIDs(ctx, visitorID)
	if err != nil {
		return res, fmt.Errorf("erase: %w", err)
	}
	for _, id := range ids {
		items, objects, err := s.deleteConversation(ctx, id)
		res.Items += items
		res.Objects += objects
		if err != nil {
			return res, fmt.Errorf("erase: %w", err)
		}
		res.Conversations++
	}
	rec, err := s.store.VisitorRecords(ctx, visitorID)
	if err != nil {
		return res, fmt.Errorf("erase: %w", err)
	}
	n, err := s.files.DeleteInbound(ctx, rec.RawMail)
	res.Objects += n
	if err != nil {
		return res, fmt.Errorf("erase quarantined mail: %w", err)
	}
	if err := s.store.DeleteRecords(ctx, rec); err != nil {
		return res, fmt.Errorf("erase visitor: %w", err)
	}
	res.Items += rec.Count()
	audit := Audit{ID: uuid.NewString(), Action: AuditContactErased, AgentID: by.ID, VisitorID: visitorID, At: s.now().UTC(), Erasure: res}
	if err := s.store.RecordAudit(ctx, audit); err != nil {
		return res, fmt.Errorf("erase: %w", err)
	}
	slog.InfoContext(ctx, "contact erased", "agentId", by.ID, "visitorId", visitorID, "conversations", res.Conversations,
		"items", res.Items, "objects", res.Objects)
	return res, nil
}

// deleteConversation removes a conversation's objects, then its items
// (META last). A conversation already gone removes nothing.
func (s *Service) deleteConversation(ctx context.Context, id string) (items, objects int, err error) {
	rec, err := s.store.ConversationRecords(ctx, id)
	if err != nil {
		return 0, 0, err
	}
	// Objects first: the items are what names the raw mails.
	n, err := s.files.DeleteConversation(ctx, id)
	objects += n
	if err != nil {
		return 0, objects, fmt.Errorf("files of %s: %w", id, err)
	}
	n, err = s.files.DeleteInbound(ctx, rec.RawMail)
	objects += n
	if err != nil {
		return 0, objects, fmt.Errorf("raw mail of %s: %w", id, err)
	}
	if err := s.store.DeleteRecords(ctx, rec); err != nil {
		return 0, objects, fmt.Errorf("items of %s: %w", id, err)
	}
	return rec.Count(), objects, nil
}
