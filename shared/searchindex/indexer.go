// Package searchindex keeps the inbox search's index and answers agents'
// searches (docs/search.md): the Indexer writes the search table off the
// hot path from the chat table's stream (messages and notes, the contact
// card of every conversation) and deletes what a conversation had when it
// goes; the Finder reads it for an agent, in the agent's inboxes only, and
// turns what it finds into rows with snippets. The pure core (terms, keys,
// the intersection of posting lists, snippets) is shared/search.
package searchindex

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/search"
	"github.com/parleychat/parley/shared/store"
)

// Index is the search table as the Indexer writes it (store.SearchIndex).
type Index interface {
	PutDocument(ctx context.Context, inboxID string, e search.Entries) error
	Document(ctx context.Context, pk, sk string) (store.SearchDoc, error)
	Documents(ctx context.Context, docPK string) ([]store.SearchDoc, error)
	DeleteDocument(ctx context.Context, d store.SearchDoc) error
	LeaseDocument(ctx context.Context, pk, sk, owner string, now, until time.Time) (store.SearchDoc, error)
	SetPending(ctx context.Context, d store.SearchDoc, owner string) error
	Settle(ctx context.Context, d store.SearchDoc, owner string) error
	PutPostings(ctx context.Context, entries ...search.Entries) error
	DeletePostings(ctx context.Context, k search.Key, lists []string) error
}

// Chat is what the Indexer reads of the chat table (store.Store), always
// consistently: a contact card is computed from the state as it is, not
// from a stream record that may be older.
type Chat interface {
	Conversation(ctx context.Context, id string) (chat.Conversation, error)
	Contact(ctx context.Context, visitorID string) (email.Contact, error)
	VisitorConversationIDs(ctx context.Context, visitorID string) ([]string, error)
}

// Lease is how long a contact card's writer holds it: longer than the
// indexer's timeout (30 s), so a lease runs out only once its writer is
// dead.
const Lease = time.Minute

// leaseWait bounds the wait for a card another writer is changing (a few
// writes); past it the record fails and the stream delivers it again.
const leaseWait = 3 * time.Second

// Indexer writes the search index.
type Indexer struct {
	index Index
	chat  Chat
	now   func() time.Time
}

// NewIndexer returns an Indexer; now may be nil (time.Now).
func NewIndexer(index Index, c Chat, now func() time.Time) *Indexer {
	if now == nil {
		now = time.Now
	}
	return &Indexer{index: index, chat: c, now: now}
}

func docPK(conversationID string) string { return "DOC#" + conversationID }

const cardSK = "CONTACT"

// Message indexes a new entry of a seq stream: a text message or an
// internal note (any kind but system events), whatever side wrote it. The
// first message of a conversation also gives it its contact card. Indexing
// the same message again writes the same items.
func (x *Indexer) Message(ctx context.Context, sm store.StreamMessage) error {
	m := sm.Message
	if m.Kind == chat.KindEvent {
		return nil
	}
	e, err := search.MessageEntries(search.Message{InboxID: sm.InboxID, ConversationID: m.ConversationID, Seq: m.Seq, At: m.CreatedAt, Body: m.Body})
	if errors.Is(err, search.ErrInvalid) {
		// Nothing to find it by (no inbox on the item): indexing it again
		// would not change that.
		slog.WarnContext(ctx, "message not indexed", "conversationId", m.ConversationID, "seq", m.Seq, "error", err)
		return nil
	}
	if err != nil {
		return err
	}
	if len(e.Lists) > 0 {
		if err := x.index.PutDocument(ctx, sm.InboxID, e); err != nil {
			return err
		}
	}
	if m.Seq != 1 || sm.VisitorID == "" {
		return nil
	}
	// A new conversation of a visitor whose contact is known: its card.
	// A contact saved after this read finds the conversation itself
	// (ContactChanged lists the visitor's conversations, this one among them).
	if _, err := x.chat.Contact(ctx, sm.VisitorID); errors.Is(err, chat.ErrNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("contact of %s: %w", sm.VisitorID, err)
	}
	return x.SyncCard(ctx, m.ConversationID)
}

// MessageRemoved deletes what a removed message put in the index.
func (x *Indexer) MessageRemoved(ctx context.Context, conversationID string, seq int64) error {
	d, err := x.index.Document(ctx, docPK(conversationID), fmt.Sprintf("MSG#%012d", seq))
	if errors.Is(err, chat.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return x.index.DeleteDocument(ctx, d)
}

// ContactChanged brings the contact cards of every conversation of the
// visitor in line with its contact (saved, changed or erased).
func (x *Indexer) ContactChanged(ctx context.Context, visitorID string) error {
	ids, err := x.chat.VisitorConversationIDs(ctx, visitorID)
	if err != nil {
		return err
	}
	return each(ctx, ids, x.SyncCard)
}

// SyncCard brings a conversation's contact card in line with the contact
// as it is now: the prefixes of its name and address in the
// conversation's inbox, or nothing when the conversation or the contact
// is gone. One writer at a time changes a card (a lease on its document
// item); the postings it is about to write are listed before they are
// written and those it drops are deleted before they are unlisted, so the
// document item always lists every posting of the card, even after a
// writer died half way.
func (x *Indexer) SyncCard(ctx context.Context, conversationID string) error {
	if settled, err := x.cardSettled(ctx, conversationID); err != nil || settled {
		return err
	}
	owner := uuid.NewString()
	have, err := x.lease(ctx, conversationID, owner)
	if err != nil {
		return err
	}
	want, inbox, err := x.card(ctx, conversationID)
	if err != nil {
		return err
	}
	if len(have.PendingLists) == 0 && have.Key == want.Key && have.InboxID == inbox && sameSet(have.Lists, want.Lists) {
		if len(want.Lists) == 0 {
			return x.index.DeleteDocument(ctx, have) // the lease made it: nothing to list
		}
		return x.index.Settle(ctx, have, owner)
	}
	// A card's key never changes (the conversation's start and id), so
	// this only runs for an item written otherwise: its pending postings
	// go before the pending list is reused.
	if have.PendingKey != "" && have.PendingKey != want.Key {
		if err := x.index.DeletePostings(ctx, have.PendingKey, have.PendingLists); err != nil {
			return err
		}
		have.PendingKey, have.PendingLists = "", nil
	}
	if len(want.Lists) > 0 {
		have.PendingKey, have.PendingLists = want.Key, union(have.PendingLists, want.Lists)
		if err := x.index.SetPending(ctx, have, owner); err != nil {
			return err
		}
		// All of them: a writer that died after listing them may have
		// written only some.
		if err := x.index.PutPostings(ctx, want); err != nil {
			return err
		}
	}
	for _, p := range []struct {
		key   search.Key
		lists []string
	}{{have.Key, have.Lists}, {have.PendingKey, have.PendingLists}} {
		drop := slices.DeleteFunc(slices.Clone(p.lists), func(l string) bool { return p.key == want.Key && slices.Contains(want.Lists, l) })
		if len(drop) > 0 {
			if err := x.index.DeletePostings(ctx, p.key, drop); err != nil {
				return err
			}
		}
	}
	if len(want.Lists) == 0 {
		// Nothing to find the conversation by: no document item either.
		return x.index.DeleteDocument(ctx, store.SearchDoc{PK: have.PK, SK: have.SK})
	}
	return x.index.Settle(ctx, store.SearchDoc{PK: have.PK, SK: have.SK, InboxID: inbox, Key: want.Key, Lists: want.Lists}, owner)
}

// cardSettled tells whether the conversation's card is already what the
// contact makes it, with no writer at it: most contact changes (the
// address confirmed, a change of another field) change no card, and a
// read of the document item costs less than its lease and release. The
// card is read first and computed after, so a card that matches reflects
// the contact at least as new as the change being synced.
func (x *Indexer) cardSettled(ctx context.Context, conversationID string) (bool, error) {
	have, err := x.index.Document(ctx, docPK(conversationID), cardSK)
	if err != nil && !errors.Is(err, chat.ErrNotFound) {
		return false, err
	}
	if have.Leased || len(have.PendingLists) > 0 {
		return false, nil
	}
	want, inbox, err := x.card(ctx, conversationID)
	if err != nil {
		return false, err
	}
	if !have.Exists() {
		return len(want.Lists) == 0, nil
	}
	return have.Key == want.Key && have.InboxID == inbox && sameSet(have.Lists, want.Lists), nil
}

// card computes the contact card a conversation should have now, and the
// conversation's inbox.
func (x *Indexer) card(ctx context.Context, conversationID string) (search.Entries, string, error) {
	conv, err := x.chat.Conversation(ctx, conversationID)
	if errors.Is(err, chat.ErrNotFound) {
		return search.Entries{}, "", nil
	}
	if err != nil {
		return search.Entries{}, "", err
	}
	contact, err := x.chat.Contact(ctx, conv.VisitorID)
	if errors.Is(err, chat.ErrNotFound) {
		return search.Entries{}, conv.InboxID, nil
	}
	if err != nil {
		return search.Entries{}, "", err
	}
	e, err := search.ContactEntries(search.Contact{InboxID: conv.InboxID, ConversationID: conv.ID, CreatedAt: conv.CreatedAt, Name: contact.Name, Email: contact.Email})
	if errors.Is(err, search.ErrInvalid) {
		slog.WarnContext(ctx, "contact card not indexed", "conversationId", conversationID, "error", err)
		return search.Entries{}, conv.InboxID, nil
	}
	return e, conv.InboxID, err
}

// lease takes the lease of a conversation's card, waiting a little for
// another writer to finish.
func (x *Indexer) lease(ctx context.Context, conversationID, owner string) (store.SearchDoc, error) {
	deadline := x.now().Add(leaseWait)
	for wait := 20 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		now := x.now()
		d, err := x.index.LeaseDocument(ctx, docPK(conversationID), cardSK, owner, now, now.Add(Lease))
		if !errors.Is(err, store.ErrLeased) || now.After(deadline) {
			return d, err
		}
		select {
		case <-ctx.Done():
			return store.SearchDoc{}, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// EraseConversation deletes everything the index holds of a conversation,
// through its document items: the postings of its messages and notes and
// its contact card. The indexer calls it when the conversation's META item
// leaves the chat table (the last item a deletion removes); erasure and
// retention may call it directly once the conversation's items are gone
// from the chat table (a contact change still listing the conversation
// would otherwise give it a card again). Calling it twice is harmless.
func (x *Indexer) EraseConversation(ctx context.Context, conversationID string) error {
	docs, err := x.index.Documents(ctx, docPK(conversationID))
	if err != nil {
		return err
	}
	for _, d := range docs {
		if d.SK == cardSK {
			// Under the card's lease, so no writer changes it meanwhile.
			if d, err = x.lease(ctx, conversationID, uuid.NewString()); err != nil {
				return err
			}
		}
		if err := x.index.DeleteDocument(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// each runs f for every id, a few at a time, and returns the first error.
func each(ctx context.Context, ids []string, f func(context.Context, string) error) error {
	const width = 4
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		slots = make(chan struct{}, width)
	)
	for _, id := range ids {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := f(ctx, id); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// union is a followed by the members of b it lacks.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	in := make(map[string]bool, len(a))
	for _, s := range a {
		in[s] = true
	}
	for _, s := range b {
		if !in[s] {
			return false
		}
	}
	return true
}
