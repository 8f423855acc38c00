package chat

// Notes: what agents write to each other in a conversation, and the agents
// a note mentions. A note is an entry of the conversation's seq stream
// (kind note) that only agents see: fanout never pushes it to a visitor's
// tab, the visitor's pages skip it (publicPage), emails and transcripts
// leave it out, and its domain event is marked internal.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mention is an agent a note names.
type Mention struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// NoteInput is a note an agent writes.
type NoteInput struct {
	ClientID string
	Body     string
}

// maxMentions bounds the agents one note notifies.
const maxMentions = 20

// MailMention emails an agent a note mentions when no inbox of theirs
// heard it live. It is called again when the same note is sent again
// (same client id) while the agent is still away, so it must send at most
// one email per agent and note.
type MailMention func(ctx context.Context, to Agent, conv Conversation, note Message) error

// Note stores an agent's note in a conversation and notifies the agents it
// mentions. A note changes nothing the visitor or the list sees: not the
// status (a closed conversation stays closed), not the preview, not the
// time of last activity, not the inactivity timer. Writing it marks the
// thread read for agents, as replying does, so it never lights the unread
// dot. created is false when the client id had been used: the note is the
// one stored then, and its mentions are notified again where that is still
// due (an agent notified once is not notified twice).
func (s *Service) Note(ctx context.Context, agent Principal, conversationID string, in NoteInput, mail MailMention) (msg Message, created bool, err error) {
	if err := checkID("clientId", in.ClientID); err != nil {
		return Message{}, false, err
	}
	if err := checkID("conversation id", conversationID); err != nil {
		return Message{}, false, err
	}
	if err := checkBody(in.Body); err != nil {
		return Message{}, false, err
	}
	if mail == nil {
		return Message{}, false, errors.New("note: no way to email mentioned agents")
	}
	if agent.Role != RoleAgent {
		return Message{}, false, notFound()
	}
	conv, listeners, err := s.reach(ctx, agent, conversationID)
	if err != nil {
		return Message{}, false, err
	}
	var team []Agent
	if strings.Contains(in.Body, "@") {
		if team, err = s.inboxTeam(ctx, conv.InboxID); err != nil {
			return Message{}, false, err
		}
	}
	now := s.now().UTC()
	res, err := s.store.Append(ctx, Append{
		Current: conv,
		Message: Message{
			Kind: KindNote, ClientID: in.ClientID, Author: author(agent), Body: in.Body, CreatedAt: now,
			Mentions: ParseMentions(in.Body, team),
		},
		ClientKey: clientKey(agent, in.ClientID),
		// The client id is bound to this note: the same id on a reply, or
		// on another note, is refused (the "note" channel tells them apart).
		Request: SendInput{ConversationID: conversationID, Channel: string(KindNote), Body: in.Body}.requestDigest(),
		Change: func(c *Conversation) error {
			defer stampListed(c, unread(*c), RoleAgent)
			c.AgentReadSeq = c.LastSeq + 1
			return nil
		},
	})
	if err != nil {
		return Message{}, false, fmt.Errorf("note in %s: %w", conversationID, err)
	}
	if res.Duplicate {
		// As for replies: the first attempt may have stopped before its
		// pushes, and whether it changed the list is not known any more.
		res.Conversation.ListChange = true
	}
	s.fanout(ctx, res.Conversation, res.Message, listeners, false)
	if err := s.notifyMentions(ctx, res.Conversation, res.Message, team, mail); err != nil {
		// The note is stored; sending it again (same client id) notifies
		// whoever was missed, once.
		return Message{}, false, err
	}
	return res.Message, !res.Duplicate, nil
}

// notifyMentions tells each agent a note mentions, but its author: a new
// entry of their notifications (once per note), pushed to their inbox
// sockets, and an email when none of them heard it.
func (s *Service) notifyMentions(ctx context.Context, conv Conversation, note Message, team []Agent, mail MailMention) error {
	var errs []error
	for _, m := range note.Mentions {
		if m.ID == note.Author.ID {
			continue
		}
		n := mentionOf(conv, note)
		created, err := s.store.PutNotification(ctx, m.ID, n)
		if err != nil {
			errs = append(errs, fmt.Errorf("notify %s: %w", m.ID, err))
			continue
		}
		conns, err := s.store.AgentConnections(ctx, conv.InboxID, m.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("sockets of %s: %w", m.ID, err))
			continue
		}
		heard := len(conns)
		if created && heard > 0 {
			gone := s.notify.Push(ctx, conns, NotificationFrame{Type: "notification", Notification: n})
			for _, id := range gone {
				s.forget(ctx, id, Via{Kind: ViaInbox, ID: conv.InboxID})
			}
			heard -= len(gone)
		}
		if heard > 0 {
			continue
		}
		to, err := s.teammate(ctx, team, m.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := mail(ctx, to, conv, note); err != nil {
			// The entry is in the agent's notifications; the email is a
			// courtesy that the next attempt may still send.
			slog.ErrorContext(ctx, "email a mention", "conversationId", conv.ID, "agentId", m.ID, "error", err)
		}
	}
	return errors.Join(errs...)
}

// inboxTeam is the profiles of an inbox's members: the agents a note in
// one of its conversations may mention.
func (s *Service) inboxTeam(ctx context.Context, inboxID string) ([]Agent, error) {
	all, err := s.store.Agents(ctx)
	if err != nil {
		return nil, fmt.Errorf("agents of %s: %w", inboxID, err)
	}
	return slices.DeleteFunc(all, func(a Agent) bool { return !slices.Contains(a.Inboxes, inboxID) }), nil
}

// teammate is the profile of an agent of team, read when team lacks it (a
// note sent again without the "@" that made it read the team).
func (s *Service) teammate(ctx context.Context, team []Agent, id string) (Agent, error) {
	for _, a := range team {
		if a.ID == id {
			return a, nil
		}
	}
	a, err := s.store.Agent(ctx, id)
	if err != nil {
		return Agent{}, fmt.Errorf("profile of %s: %w", id, err)
	}
	return a, nil
}

// ParseMentions returns the agents of team that text names with "@": an
// "@" at the start of a word followed by an agent's display name (in any
// case), or by its first name when no other agent of the team has that
// first name, and then by the end of a word. The longest name wins ("@Ben
// Okafor" over "@Ben"); each agent is named once, in the order of the
// text, and at most maxMentions. Whatever a client believes it mentioned,
// only this decides who is notified.
func ParseMentions(text string, team []Agent) []Mention {
	if len(team) == 0 {
		return nil
	}
	type name struct {
		text  string
		agent Agent
	}
	firsts := map[string]int{}
	for _, a := range team {
		if f, _, _ := strings.Cut(strings.TrimSpace(a.DisplayName), " "); f != "" {
			firsts[strings.ToLower(f)]++
		}
	}
	var names []name
	for _, a := range team {
		full := strings.Join(strings.Fields(a.DisplayName), " ")
		if full == "" {
			continue
		}
		names = append(names, name{full, a})
		if f, _, more := strings.Cut(full, " "); more && firsts[strings.ToLower(f)] == 1 {
			names = append(names, name{f, a})
		}
	}
	var out []Mention
	seen := map[string]bool{}
	for i := 0; i < len(text) && len(out) < maxMentions; i++ {
		if text[i] != '@' || (i > 0 && wordRune(lastRune(text[:i]))) {
			continue
		}
		rest := text[i+1:]
		var best *name
		for j := range names {
			n := &names[j]
			if len(n.text) > len(rest) || !strings.EqualFold(rest[:len(n.text)], n.text) {
				continue
			}
			if after := rest[len(n.text):]; after != "" && wordRune(firstRune(after)) {
				continue
			}
			if best == nil || len(n.text) > len(best.text) {
				best = n
			}
		}
		if best != nil && !seen[best.agent.ID] {
			seen[best.agent.ID] = true
			out = append(out, Mention{ID: best.agent.ID, Name: best.agent.DisplayName})
		}
	}
	return out
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}
