package chat

// Visits: where a conversation's visitor is on the site. The chat window
// reports the page it is shown on once a conversation is open, and again
// whenever the visitor moves to another page while it is (W9): where the
// chat started, the pages since, the browser. Agents read it beside the
// thread, and those who have the thread open hear each page live. It is
// stored apart from the conversation's item, so no message pays for it.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds of what a visit keeps.
const (
	// MaxPages is how many pages a visit lists; the newest are kept.
	MaxPages = 20
	// MaxURLBytes bounds a page's and a referrer's URL.
	MaxURLBytes = 2048
	// MaxTitleRunes bounds a page's title.
	MaxTitleRunes = 200
)

// PageReport is what the chat window says of the page it is shown on.
type PageReport struct {
	ConversationID string
	URL            string
	Title          string
	Referrer       string
	Language       string
}

// Page is a page the visitor was on, and since when.
type Page struct {
	URL   string    `json:"url"`
	Title string    `json:"title,omitempty"`
	At    time.Time `json:"at"`
}

// Visit is what is known of where a conversation's visitor is: the page
// the chat started on with its referrer, the pages since (the newest
// MaxPages, oldest first, the starting one included while it fits), the
// browser's language and the device of the latest report.
type Visit struct {
	StartedAt time.Time `json:"startedAt"`
	URL       string    `json:"url"`
	Title     string    `json:"title,omitempty"`
	Referrer  string    `json:"referrer,omitempty"`
	Language  string    `json:"language,omitempty"`
	Device
	Pages []Page `json:"pages"`
}

// VisitFrame tells the agents who have a conversation open that its
// visitor moved to another page.
type VisitFrame struct {
	Type           string `json:"type"`
	ConversationID string `json:"conversationId"`
	Visit          Visit  `json:"visit"`
}

// PastConversation is one of a visitor's conversations as agents list
// them beside a thread.
type PastConversation struct {
	ID             string    `json:"id"`
	Status         Status    `json:"status"`
	FirstLine      string    `json:"firstLine"`
	CreatedAt      time.Time `json:"createdAt"`
	LastActivityAt time.Time `json:"lastActivityAt"`
}

// CleanURL returns an http(s) URL without user info, cut to MaxURLBytes
// (never inside a character or a %-escape), or "" for anything else.
func CleanURL(raw string) string {
	u, err := url.Parse(cut(strings.TrimSpace(raw), MaxURLBytes))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.User = nil
	s := cut(u.String(), MaxURLBytes)
	if i := strings.LastIndexByte(s, '%'); i >= 0 && i > len(s)-3 {
		s = s[:i]
	}
	return s
}

// CleanTitle returns a title on one line, without control or format
// characters, cut to MaxTitleRunes.
func CleanTitle(raw string) string {
	raw = strings.ToValidUTF8(raw, "")
	raw = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, raw)
	title := strings.Join(strings.Fields(raw), " ")
	if utf8.RuneCountInString(title) > MaxTitleRunes {
		title = string([]rune(title)[:MaxTitleRunes])
	}
	return title
}

var languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$`)

// CleanLanguage returns a BCP 47 language tag of at most 35 characters, or "".
func CleanLanguage(raw string) string {
	if len(raw) > 35 || !languageTag.MatchString(raw) {
		return ""
	}
	return raw
}

// cut shortens s to at most n bytes on a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// RecordPage stores the page a visitor's chat window is shown on, for an
// open conversation of the visitor's, and tells the agents who have it
// open. A closed conversation records nothing more; a URL that is not
// http(s) is refused. Each report costs the conversation's read (as every
// frame), the socket's, and one UpdateItem; the socket's frame limit
// bounds how often it comes.
func (s *Service) RecordPage(ctx context.Context, connectionID string, in PageReport) error {
	if err := checkID("conversationId", in.ConversationID); err != nil {
		return err
	}
	now := s.now()
	page := Page{URL: CleanURL(in.URL), Title: CleanTitle(in.Title), At: now}
	if page.URL == "" {
		return invalid("url must be an http(s) URL")
	}
	p, conv, listeners, err := s.reachFrom(ctx, connectionID, in.ConversationID)
	if err != nil {
		return err
	}
	if p.Role != RoleVisitor {
		return invalid("only the visitor reports the pages it is on")
	}
	if conv.Status != StatusOpen {
		return nil
	}
	conn, err := s.store.Connection(ctx, connectionID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("record page: %w", err)
	}
	v, err := s.store.RecordPage(ctx, conv.ID, Visit{
		StartedAt: now, URL: page.URL, Title: page.Title, Referrer: CleanURL(in.Referrer),
		Language: CleanLanguage(in.Language), Device: conn.Device, Pages: []Page{page},
	})
	if err != nil {
		return fmt.Errorf("record page of %s: %w", conv.ID, err)
	}
	if ids := watcherIDs(listeners, ""); len(ids) > 0 {
		s.pushVia(ctx, Via{Kind: ViaConversation, ID: conv.ID}, ids, VisitFrame{Type: "visit", ConversationID: conv.ID, Visit: v})
	}
	return nil
}

// VisitorHistory returns, for an agent, a conversation with its visit
// (nil before the chat window reported a page) and the visitor's other
// conversations in the agent's inboxes, newest first (at most 20).
func (s *Service) VisitorHistory(ctx context.Context, agent Principal, conversationID string) (Conversation, *Visit, []PastConversation, error) {
	if err := checkID("conversation id", conversationID); err != nil {
		return Conversation{}, nil, nil, err
	}
	conv, err := s.conversation(ctx, agent, conversationID)
	if err != nil {
		return Conversation{}, nil, nil, err
	}
	var visit *Visit
	switch v, err := s.store.Visit(ctx, conv.ID); {
	case err == nil:
		visit = &v
	case !errors.Is(err, ErrNotFound):
		return Conversation{}, nil, nil, fmt.Errorf("visit of %s: %w", conv.ID, err)
	}
	convs, err := s.store.VisitorConversations(ctx, conv.VisitorID, visitorHistory)
	if err != nil {
		return Conversation{}, nil, nil, fmt.Errorf("conversations of visitor %s: %w", conv.VisitorID, err)
	}
	past := []PastConversation{}
	for _, c := range convs {
		if c.ID == conv.ID || !s.visible(agent, c) {
			continue
		}
		line := c.FirstLine
		if line == "" {
			line = c.Preview
		}
		past = append(past, PastConversation{ID: c.ID, Status: c.Status, FirstLine: line, CreatedAt: c.CreatedAt, LastActivityAt: c.LastActivityAt})
	}
	return conv, visit, past, nil
}
