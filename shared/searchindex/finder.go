package searchindex

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/search"
	"github.com/parleychat/parley/shared/store"
)

// Rows is what the Finder reads of the chat table to show what it found
// (store.Store).
type Rows interface {
	ConversationsAndMessages(ctx context.Context, ids []string, msgs []store.MessageRef) (map[string]chat.Conversation, map[store.MessageRef]chat.Message, error)
	Contacts(ctx context.Context, visitorIDs []string) (map[string]email.Contact, error)
}

// Finder answers agents' searches.
type Finder struct {
	index search.Source
	rows  Rows
}

// NewFinder returns a Finder reading the index and the chat table.
func NewFinder(index search.Source, rows Rows) *Finder { return &Finder{index: index, rows: rows} }

// Pages of results: DefaultLimit unless the agent asks for up to
// search.MaxLimit.
const DefaultLimit = 20

// What a result matched.
const (
	MatchContact = "contact"
	MatchMessage = "message"
	MatchNote    = "note"
)

// Result is one conversation found: its summary, what matched (its
// contact card, a message, a note), and the matching text with the query's
// words marked (UTF-16 ranges: the inbox renders every piece as text).
type Result struct {
	Conversation chat.Summary   `json:"conversation"`
	Match        string         `json:"match"`
	Seq          int64          `json:"seq,omitempty"`
	At           time.Time      `json:"at"`
	Snippet      search.Snippet `json:"snippet"`
}

// Page is a page of results, newest first, one per conversation. With
// NextCursor an older page follows; a page may hold fewer results than
// asked and still have one when the search stopped at its read budget.
type Page struct {
	Results    []Result `json:"results"`
	NextCursor string   `json:"nextCursor,omitempty"`
}

// Search runs one page of agent's search for q, below cursor (empty for
// the first page). It reads the index of the agent's inboxes only, and
// shows a conversation only if it is still in one of them.
func (f *Finder) Search(ctx context.Context, agent chat.Principal, q, cursor string, limit int) (Page, error) {
	if agent.Role != chat.RoleAgent {
		return Page{}, &chat.Error{Kind: chat.ErrNotFound, Message: "no such route"}
	}
	query, err := search.ParseQuery(q)
	if err != nil {
		return Page{}, refusal(err)
	}
	req := search.Request{Query: query, Inboxes: agent.Inboxes, Limit: DefaultLimit}
	if limit != 0 {
		req.Limit = limit
	}
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil {
			return Page{}, &chat.Error{Kind: chat.ErrInvalid, Message: "the cursor is not one this search returned"}
		}
		if req.Before, err = search.ParseKey(string(raw)); err != nil {
			return Page{}, refusal(err)
		}
	}
	if len(agent.Inboxes) == 0 {
		return Page{Results: []Result{}}, nil
	}
	found, err := search.Find(ctx, f.index, req)
	if err != nil {
		if errors.Is(err, search.ErrInvalid) {
			return Page{}, refusal(err)
		}
		return Page{}, fmt.Errorf("search: %w", err)
	}
	page := Page{Results: []Result{}}
	if found.Next != "" {
		page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(found.Next))
	}
	if len(found.Hits) == 0 {
		return page, nil
	}
	page.Results, err = f.results(ctx, agent, query, found.Hits)
	return page, err
}

// results reads the conversations and messages of hits and makes their
// rows; what is gone or no longer in the agent's inboxes is left out.
func (f *Finder) results(ctx context.Context, agent chat.Principal, q search.Query, hits []search.Hit) ([]Result, error) {
	ids := make([]string, 0, len(hits))
	var msgs []store.MessageRef
	for _, h := range hits {
		ids = append(ids, h.ConversationID)
		if h.Seq > 0 {
			msgs = append(msgs, store.MessageRef{ConversationID: h.ConversationID, Seq: h.Seq})
		}
	}
	convs, messages, err := f.rows.ConversationsAndMessages(ctx, ids, msgs)
	if err != nil {
		return nil, fmt.Errorf("search rows: %w", err)
	}
	var visitors []string
	for _, h := range hits {
		if c, ok := convs[h.ConversationID]; ok && h.Seq == 0 {
			visitors = append(visitors, c.VisitorID)
		}
	}
	contacts := map[string]email.Contact{}
	if len(visitors) > 0 {
		if contacts, err = f.rows.Contacts(ctx, visitors); err != nil {
			return nil, fmt.Errorf("search rows: %w", err)
		}
	}
	out := make([]Result, 0, len(hits))
	for _, h := range hits {
		c, ok := convs[h.ConversationID]
		if !ok || !slices.Contains(agent.Inboxes, c.InboxID) {
			continue
		}
		r := Result{Conversation: c.AgentSummary(), Seq: h.Seq, At: h.At}
		if h.Seq == 0 {
			contact, ok := contacts[c.VisitorID]
			if !ok {
				continue
			}
			r.Match, r.Snippet = MatchContact, cardSnippet(q, contact)
		} else {
			m, ok := messages[store.MessageRef{ConversationID: h.ConversationID, Seq: h.Seq}]
			if !ok || m.Kind == chat.KindEvent {
				continue
			}
			r.Match, r.Snippet = MatchMessage, q.Snippet(m.Body)
			if m.Kind != chat.KindText {
				r.Match = MatchNote
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// cardSnippet shows a contact as "Name <address>" with the typed prefixes
// marked.
func cardSnippet(q search.Query, c email.Contact) search.Snippet {
	text := c.Name
	switch {
	case c.Name == "":
		text = c.Email
	case c.Email != "":
		text = c.Name + " <" + c.Email + ">"
	}
	return search.Snippet{Text: text, Highlights: q.Mark(text)}
}

// refusal turns the search package's refusals into the domain's: their
// text is written for the agent.
func refusal(err error) error {
	return &chat.Error{Kind: chat.ErrInvalid, Message: err.Error()}
}
