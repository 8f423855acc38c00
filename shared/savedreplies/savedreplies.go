// Package savedreplies keeps the texts agents insert into the reply editor
// instead of typing them again: shared replies, which admins manage for
// the whole team, and each agent's personal ones, both with optional
// categories. A reply's body may hold placeholders the inbox fills when
// it inserts it ({{visitor.name}}, {{agent.name}}, {{agent.meetingsUrl}},
// each with an optional fallback: {{visitor.name|there}}); they are
// checked here, so a typo is refused when the reply is saved rather than
// sent to a visitor. Who may change shared replies is the agent routes'
// rule (admins), not this package's.
package savedreplies

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// Scope says whose a saved reply is.
type Scope string

const (
	// Shared replies are the team's: every agent inserts them, admins
	// change them.
	Shared Scope = "shared"
	// Personal replies are one agent's own.
	Personal Scope = "personal"
)

// Reply is a saved reply.
type Reply struct {
	ID        string    `json:"id"`
	Scope     Scope     `json:"scope"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Category  string    `json:"category,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Input is what an agent writes.
type Input struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	Category string `json:"category"`
}

// Limits of what is saved.
const (
	MaxTitleRunes    = 80
	MaxCategoryRunes = 40
	MaxFallbackRunes = 80
	// MaxPerOwner bounds the shared replies and each agent's personal
	// ones, so the editor reads them all at once.
	MaxPerOwner = 200
)

// Placeholders are the names a body may use between {{ and }}.
var Placeholders = []string{"visitor.name", "agent.name", "agent.meetingsUrl"}

// Store keeps saved replies by owner (the team's, or one agent's).
type Store interface {
	// SavedReplies lists an owner's replies.
	SavedReplies(ctx context.Context, owner string) ([]Reply, error)
	// CreateSavedReply stores a new reply unless the owner has max
	// already (ErrFull).
	CreateSavedReply(ctx context.Context, owner string, r Reply, max int) error
	// UpdateSavedReply replaces a reply; ErrNotFound when it is not the
	// owner's.
	UpdateSavedReply(ctx context.Context, owner string, r Reply) error
	// DeleteSavedReply deletes a reply; ErrNotFound when it is not the
	// owner's.
	DeleteSavedReply(ctx context.Context, owner, id string) error
}

// ErrFull is what CreateSavedReply answers when the owner has
// MaxPerOwner replies.
var ErrFull = fmt.Errorf("saved replies full: %w", chat.ErrConflict)

// Service manages saved replies.
type Service struct {
	store Store
	now   func() time.Time
}

// New returns a Service; now may be nil (time.Now).
func New(st Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, now: now}
}

func owner(agent chat.Principal, scope Scope) string {
	if scope == Shared {
		return "shared"
	}
	return "agent#" + agent.ID
}

func notFound() error { return &chat.Error{Kind: chat.ErrNotFound, Message: "saved reply not found"} }

func invalid(format string, args ...any) error {
	return &chat.Error{Kind: chat.ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

// List returns the shared replies and the agent's own, by category and
// title.
func (s *Service) List(ctx context.Context, agent chat.Principal) ([]Reply, error) {
	if agent.Role != chat.RoleAgent || agent.ID == "" {
		return nil, notFound()
	}
	shared, err := s.store.SavedReplies(ctx, owner(agent, Shared))
	if err != nil {
		return nil, fmt.Errorf("shared saved replies: %w", err)
	}
	mine, err := s.store.SavedReplies(ctx, owner(agent, Personal))
	if err != nil {
		return nil, fmt.Errorf("saved replies of %s: %w", agent.ID, err)
	}
	all := append(shared, mine...)
	slices.SortStableFunc(all, func(a, b Reply) int {
		return cmp.Or(cmpFold(a.Category, b.Category), cmpFold(a.Title, b.Title), strings.Compare(a.ID, b.ID))
	})
	return all, nil
}

// cmpFold orders texts case-insensitively, as people read lists.
func cmpFold(a, b string) int {
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

// Create saves a new reply in scope.
func (s *Service) Create(ctx context.Context, agent chat.Principal, scope Scope, in Input) (Reply, error) {
	r, err := s.reply(agent, scope, uuid.NewString(), in)
	if err != nil {
		return Reply{}, err
	}
	err = s.store.CreateSavedReply(ctx, owner(agent, scope), r, MaxPerOwner)
	switch {
	case err == nil:
		return r, nil
	case errors.Is(err, ErrFull):
		return Reply{}, invalid("there are %d saved replies here already: delete one first", MaxPerOwner)
	}
	return Reply{}, fmt.Errorf("save reply: %w", err)
}

// Update replaces a reply of scope.
func (s *Service) Update(ctx context.Context, agent chat.Principal, scope Scope, id string, in Input) (Reply, error) {
	if !chat.ValidID(id) {
		return Reply{}, notFound() // no such id can exist: as unknown
	}
	r, err := s.reply(agent, scope, id, in)
	if err != nil {
		return Reply{}, err
	}
	if err := s.store.UpdateSavedReply(ctx, owner(agent, scope), r); err != nil {
		if errors.Is(err, chat.ErrNotFound) {
			return Reply{}, notFound()
		}
		return Reply{}, fmt.Errorf("update reply %s: %w", id, err)
	}
	return r, nil
}

// Delete deletes a reply of scope.
func (s *Service) Delete(ctx context.Context, agent chat.Principal, scope Scope, id string) error {
	if agent.Role != chat.RoleAgent || agent.ID == "" || !chat.ValidID(id) {
		return notFound()
	}
	if err := s.store.DeleteSavedReply(ctx, owner(agent, scope), id); err != nil {
		if errors.Is(err, chat.ErrNotFound) {
			return notFound()
		}
		return fmt.Errorf("delete reply %s: %w", id, err)
	}
	return nil
}

// reply checks what the agent wrote and makes the reply to store.
func (s *Service) reply(agent chat.Principal, scope Scope, id string, in Input) (Reply, error) {
	if agent.Role != chat.RoleAgent || agent.ID == "" || (scope != Shared && scope != Personal) {
		return Reply{}, notFound()
	}
	r := Reply{ID: id, Scope: scope, Title: strings.TrimSpace(in.Title), Body: in.Body, Category: strings.TrimSpace(in.Category), UpdatedAt: s.now().UTC()}
	switch {
	case !utf8.ValidString(r.Title) || !utf8.ValidString(r.Body) || !utf8.ValidString(r.Category):
		return Reply{}, invalid("title, body and category must be UTF-8 text")
	case r.Title == "" || utf8.RuneCountInString(r.Title) > MaxTitleRunes || hasControl(r.Title):
		return Reply{}, invalid("title must have 1 to %d characters on one line", MaxTitleRunes)
	case strings.TrimSpace(r.Body) == "":
		return Reply{}, invalid("body must not be empty")
	case utf8.RuneCountInString(r.Body) > chat.MaxBodyRunes:
		return Reply{}, invalid("body is longer than %d characters", chat.MaxBodyRunes)
	case utf8.RuneCountInString(r.Category) > MaxCategoryRunes || hasControl(r.Category):
		return Reply{}, invalid("category must have at most %d characters on one line", MaxCategoryRunes)
	}
	if err := CheckPlaceholders(r.Body); err != nil {
		return Reply{}, err
	}
	return r, nil
}

func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }

// placeholder is {{name}} or {{name|fallback}}, spaces allowed inside the
// braces; what lies between {{ and }} is checked by CheckPlaceholders.
var placeholder = regexp.MustCompile(`\{\{([^{}]*)\}\}`)

// CheckPlaceholders refuses a body with an unknown placeholder, an
// unclosed one, or a fallback too long or on several lines.
func CheckPlaceholders(body string) error {
	for _, m := range placeholder.FindAllStringSubmatch(body, -1) {
		name, fallback, _ := strings.Cut(m[1], "|")
		name = strings.TrimSpace(name)
		if !slices.Contains(Placeholders, name) {
			return invalid("unknown placeholder %s: use {{visitor.name}}, {{agent.name}} or {{agent.meetingsUrl}}, with an optional fallback after a bar: {{visitor.name|there}}", m[0])
		}
		if utf8.RuneCountInString(fallback) > MaxFallbackRunes || hasControl(fallback) {
			return invalid("the fallback of %s must have at most %d characters on one line", "{{"+name+"}}", MaxFallbackRunes)
		}
	}
	if strings.Contains(placeholder.ReplaceAllString(body, ""), "{{") {
		return invalid("a placeholder is not closed: write it as {{visitor.name}}")
	}
	return nil
}
