package chat

import (
	"context"
	"fmt"
)

// ForVisitor is the message as a visitor may see it: an agent's internal
// id (its identity provider's subject) appears nowhere, neither as the
// author nor in an event; an event loses what only agents need to know
// (the address and subject of an emailed transcript, which may be a third
// party's); an emailed message loses how its text was extracted. Chat
// messages of visitors are returned as they are, so they cost nothing
// extra. Internal messages (notes) are never shown to a visitor at all:
// see Internal.
func (m Message) ForVisitor() Message {
	m.Extraction = ""
	if m.Author.Type == RoleAgent {
		m.Author = m.Author.ForVisitor()
	}
	if m.Event == nil || (m.Event.Email == "" && m.Event.Subject == "" && m.Event.AgentID == "") {
		return m
	}
	ev := *m.Event
	ev.Email, ev.Subject, ev.AgentID = "", "", ""
	m.Event = &ev
	return m
}

// Internal reports whether the message is for agents only: a note. An
// internal message never reaches a visitor (socket, resume, history), an
// email or a transcript, and its domain event says so (visibility
// "internal", docs/events.md).
func (m Message) Internal() bool { return m.Kind == KindNote }

// ForVisitor is the author as a visitor may see it: an agent by name and
// avatar, without its id.
func (a Author) ForVisitor() Author {
	if a.Type == RoleAgent {
		a.ID = ""
	}
	return a
}

// forVisitor is a page as a visitor sees it: internal entries left out,
// the others through ForVisitor. The page is copied only when an entry
// changes.
func forVisitor(msgs []Message) []Message {
	var out []Message
	for i, m := range msgs {
		v := m.ForVisitor()
		if !m.Internal() && v.Event == m.Event && v.Author == m.Author && v.Extraction == m.Extraction {
			if out != nil {
				out = append(out, v)
			}
			continue
		}
		if out == nil {
			out = make([]Message, i, len(msgs))
			copy(out, msgs[:i])
		}
		if !m.Internal() {
			out = append(out, v)
		}
	}
	if out == nil {
		return msgs
	}
	return out
}

// publicPage reads a page of the messages a visitor may see, in the
// direction q asks (after q.After ascending, or the last ones below
// q.Before), as the visitor sees them. Notes leave holes in the visitor's
// seqs: a page of the store that holds notes is followed by the next one
// until the page has q.Limit messages or the stream ends, so a page never
// comes back empty while visible messages remain, and the messages it
// holds are every visible one between its first and last seq. hasMore is
// the store's: more entries exist beyond the page (they may all be notes).
func (s *Service) publicPage(ctx context.Context, q MessageQuery) ([]Message, bool, error) {
	limit := q.Limit
	var out []Message
	for {
		msgs, more, err := s.store.Messages(ctx, q)
		if err != nil {
			return nil, false, fmt.Errorf("messages of %s: %w", q.ConversationID, err)
		}
		shown := forVisitor(msgs)
		if q.Before > 0 {
			out = append(shown, out...)
		} else {
			out = append(out, shown...)
		}
		if !more || len(msgs) == 0 || len(out) >= limit {
			if out == nil {
				out = []Message{}
			}
			return out, more, nil
		}
		if q.Before > 0 {
			q.Before = msgs[0].Seq
		} else {
			q.After = msgs[len(msgs)-1].Seq
		}
		q.Limit = limit - len(out)
	}
}
