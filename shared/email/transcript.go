package email

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// TranscriptInput asks for a transcript of a closed conversation.
type TranscriptInput struct {
	// To is one of the contact's addresses or another address; empty means
	// the contact's address.
	To      string `json:"to"`
	Subject string `json:"subject"`
}

// DefaultTranscriptSubject is the subject an agent starts from.
const DefaultTranscriptSubject = "Transcript of your conversation"

// transcriptBudget bounds what a transcript's messages add to the email.
// A body byte costs at most 8 bytes on the wire (quoted-printable in the
// text part; escaped, then quoted-printable, in the HTML part) and an
// entry's own lines a few hundred (entryCost); a file it lists (name,
// size, link, in both parts) a few hundred more. A transcript attaches no
// files, so it stays far under mail.MaxRawBytes (sized for a reply's
// attachments): 1.5 MB of text is already more than anyone reads.
const transcriptBudget = 3 << 19

func entryCost(m chat.Message) int { return 8*len(m.Body) + 600 + 1200*len(m.Attachments) }

// transcriptView is what a transcript shows of a conversation.
type transcriptView struct {
	conv chat.Conversation
	// msgs are the text messages shown, ascending: all of them, or the
	// newest that fit in transcriptBudget, the omitted ones before them.
	msgs    []chat.Message
	omitted int
	// humans tells whether an agent wrote in it.
	humans bool
}

// readTranscript reads a conversation's whole stream, from the newest page
// back, keeping the messages a transcript shows.
func (s *Service) readTranscript(ctx context.Context, conversationID string) (transcriptView, error) {
	var (
		v     transcriptView
		used  int
		pages [][]chat.Message // kept, newest page first
	)
	conv, err := s.chat.ThreadBack(ctx, conversationID, func(page []chat.Message) {
		var keep []chat.Message
		for _, m := range slices.Backward(page) {
			if m.Kind != chat.KindText {
				continue
			}
			v.humans = v.humans || m.Author.Type == chat.RoleAgent
			if v.omitted == 0 && used+entryCost(m) <= transcriptBudget {
				used += entryCost(m)
				keep = append(keep, m)
			} else {
				v.omitted++
			}
		}
		slices.Reverse(keep)
		pages = append(pages, keep)
	})
	if err != nil {
		return transcriptView{}, err
	}
	v.conv = conv
	for _, p := range slices.Backward(pages) {
		v.msgs = append(v.msgs, p...)
	}
	return v, nil
}

// restLink is where the reader of a cut transcript finds the whole
// conversation: the contact, in the chat on the page where it started
// (its #chat-open opens the widget, which shows the conversation on the
// device it was held on, and replying to the email continues it anywhere);
// anyone else an agent sends it to, in the inbox (agents only).
func (s *Service) restLink(conv chat.Conversation, c Contact, to string) string {
	if !strings.EqualFold(to, c.Email) {
		if s.inboxURL == "" {
			return ""
		}
		return s.inboxLink(conv.ID)
	}
	page, err := url.Parse(c.PageURL)
	if err != nil || (page.Scheme != "https" && page.Scheme != "http") || page.Host == "" {
		return ""
	}
	page.Fragment = "chat-open"
	return page.String()
}

// autoSubmitted marks what is sent without a person writing it, as RFC
// 3834 asks, so that autoresponders (out-of-office replies) leave it
// unanswered.
var autoSubmitted = map[string]string{"Auto-Submitted": "auto-generated"}

// transcript sends a transcript; auto says it goes out on its own (on
// close), not on an agent's request.
func (s *Service) transcript(ctx context.Context, v transcriptView, c Contact, to, subject, fromName string, survey []string, auto bool) (string, error) {
	if subject == "" {
		subject = DefaultTranscriptSubject
	}
	name := c.Name
	if !strings.EqualFold(to, c.Email) {
		name = ""
	}
	all := s.entries(v.conv.ID, v.msgs, c.Name)
	t := mail.Thread{
		Title: "Your conversation", StartedAt: v.conv.CreatedAt, PageURL: c.PageURL, Entries: all,
		FilesNote: filesNote(nil, all), Survey: survey,
		Footer: "Reply to this email to write to us again about this conversation.",
	}
	if v.omitted > 0 {
		t.Omitted, t.Rest = v.omitted, s.restLink(v.conv, c, to)
	}
	o := outgoing{conv: v.conv, to: to, toName: name, fromName: fromName, subject: subject, history: v.msgs, thread: t}
	if auto {
		o.headers = autoSubmitted
	}
	return s.send(ctx, o)
}

// Transcript emails the transcript of a closed conversation on an agent's
// request and records it in the thread as a system event.
func (s *Service) Transcript(ctx context.Context, agent chat.Principal, conversationID string, in TranscriptInput) (chat.Message, error) {
	sum, _, _, err := s.chat.ConversationDetail(ctx, agent, conversationID, 1)
	if err != nil {
		return chat.Message{}, err
	}
	if sum.Status != chat.StatusClosed {
		return chat.Message{}, &chat.Error{Kind: chat.ErrConflict, Message: "a transcript can be sent once the conversation is closed"}
	}
	v, err := s.readTranscript(ctx, conversationID)
	if err != nil {
		return chat.Message{}, err
	}
	c, known, err := s.contactOf(ctx, v.conv.VisitorID)
	if err != nil {
		return chat.Message{}, err
	}
	to := c.Email
	if in.To != "" {
		if to, err = mail.ParseAddress(in.To); err != nil {
			return chat.Message{}, toDomain(err)
		}
	} else if !known {
		return chat.Message{}, &chat.Error{Kind: chat.ErrInvalid, Message: "no email address is known for this contact: give one in \"to\""}
	}
	subject := strings.TrimSpace(in.Subject)
	if _, err := mail.Subject(orDefault(subject)); err != nil {
		return chat.Message{}, toDomain(err)
	}
	if _, err := s.transcript(ctx, v, c, to, subject, agent.Name, nil, false); err != nil {
		return chat.Message{}, err
	}
	return s.chat.RecordEvent(ctx, agent, conversationID, chat.Event{Type: chat.EventTranscriptSent, Email: to, Subject: orDefault(subject)})
}

func orDefault(subject string) string {
	if subject == "" {
		return DefaultTranscriptSubject
	}
	return subject
}

// Closed is the part of a conversation.closed domain event a transcript
// needs (docs/events.md).
type Closed struct {
	Version        string `json:"version"`
	ID             string `json:"id"`
	ConversationID string `json:"conversationId"`
	Reason         string `json:"reason"`
	// Visibility is "public" ("" before events carried it); a transcript
	// goes to the visitor, so it is built from public events only.
	Visibility string `json:"visibility"`
	// Survey: the close asked for a rating, so the transcript carries
	// the survey's links.
	Survey bool `json:"survey"`
}

// OnClosed sends the transcript of a conversation that just closed, once
// per event: the event id is claimed with a conditional write before
// sending and released if sending fails, so a redelivered event sends one
// email. Nothing is sent when the channel turned transcripts off, when no
// address is known or it is unconfirmed, or when no person answered
// (bot-only conversations).
func (s *Service) OnClosed(ctx context.Context, ev Closed) error {
	if ev.Version != "1" || ev.ID == "" || !chat.ValidID(ev.ConversationID) {
		return fmt.Errorf("conversation.closed event %q: unsupported version %q or missing ids", ev.ID, ev.Version)
	}
	if ev.Visibility != "" && ev.Visibility != "public" {
		slog.InfoContext(ctx, "transcript skipped", "why", "not a public event", "eventId", ev.ID)
		return nil
	}
	v, err := s.readTranscript(ctx, ev.ConversationID)
	if err != nil {
		return err
	}
	conv := v.conv
	log := slog.With("conversationId", conv.ID, "eventId", ev.ID)
	st, err := s.settings(ctx, conv.ChannelID)
	if err != nil {
		return err
	}
	if !st.TranscriptOnClose {
		log.InfoContext(ctx, "transcript skipped", "why", "off for the channel")
		return nil
	}
	if !v.humans {
		log.InfoContext(ctx, "transcript skipped", "why", "no agent took part")
		return nil
	}
	c, known, err := s.contactOf(ctx, conv.VisitorID)
	if err != nil {
		return err
	}
	if !known {
		log.InfoContext(ctx, "transcript skipped", "why", "no address known")
		return nil
	}
	if !c.Verified() {
		// Nothing goes automatically to an address a visitor typed until
		// its owner confirms it (the confirmation email says so).
		log.InfoContext(ctx, "transcript skipped", "why", "address not confirmed")
		return nil
	}
	var survey []string
	if ev.Survey {
		if survey, err = s.surveyLinks(conv.ID); err != nil {
			return fmt.Errorf("survey links of %s: %w", conv.ID, err)
		}
	}
	claim := TranscriptClaim(ev.ID)
	if err := s.store.Once(ctx, claim); err != nil {
		if errors.Is(err, chat.ErrConflict) {
			log.InfoContext(ctx, "transcript already sent for this event")
			return nil
		}
		return err
	}
	fromName := conv.AssigneeName
	if fromName == "" {
		fromName = "Support"
	}
	if _, err := s.transcript(ctx, v, c, c.Email, "", fromName, survey, true); err != nil {
		var de *chat.Error
		if errors.As(err, &de) {
			// Undeliverable or refused: retrying will not help.
			log.InfoContext(ctx, "transcript not sent", "why", de.Message)
			return nil
		}
		if rerr := s.store.Release(ctx, claim); rerr != nil {
			logError(ctx, "release transcript claim", rerr, "conversationId", conv.ID)
		}
		return err
	}
	if _, err := s.chat.RecordEvent(ctx, system, conv.ID, chat.Event{Type: chat.EventTranscriptSent, Email: c.Email, Subject: DefaultTranscriptSubject}); err != nil {
		logError(ctx, "record transcript", err, "conversationId", conv.ID)
	}
	log.InfoContext(ctx, "transcript sent")
	return nil
}

// TranscriptClaim is the key of the Once claim of the transcript of the
// close event eventID (events.ID), for erasure to find it.
func TranscriptClaim(eventID string) string { return "transcript#" + eventID }
