// Package team is how admins manage the agents: the team list,
// invitations through the identity provider's user directory, roles,
// inbox memberships and disabling. Memberships change at once for HTTP
// (the one Query that admits every request reads them) and for sockets,
// which are closed so the inbox reconnects with what the agent is now.
package team

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// MaxInboxes bounds the inboxes one agent is a member of (a membership
// change is one transaction).
const MaxInboxes = 50

// Member is an agent as admins see it in the team.
type Member struct {
	ID          string        `json:"id"`
	DisplayName string        `json:"displayName"`
	Email       string        `json:"email"`
	AvatarURL   string        `json:"avatarUrl,omitempty"`
	Role        chat.TeamRole `json:"role"`
	// RoleFromGroup: the identity provider's admin group makes the agent
	// an admin (as of its last request); the product cannot revoke it.
	RoleFromGroup bool     `json:"roleFromGroup"`
	InboxIDs      []string `json:"inboxIds"`
	Disabled      bool     `json:"disabled"`
	// Invited: invited and never signed in yet.
	Invited bool `json:"invited"`
	// Status is what the agent chose, Presence what it is in effect.
	Status   chat.AgentStatus `json:"status"`
	Presence chat.AgentStatus `json:"presence"`
}

// Record is what the store keeps of an agent: its profile with its
// memberships, and whether it is disabled.
type Record struct {
	Agent    chat.Agent
	Disabled bool
}

// member is the record as admins see it, its presence at now.
func (r Record) member(p chat.Presence, now time.Time) Member {
	a := r.Agent
	inboxes := slices.Clone(a.Inboxes)
	if inboxes == nil {
		inboxes = []string{}
	}
	return Member{
		ID: a.ID, DisplayName: a.DisplayName, Email: a.Email, AvatarURL: a.AvatarURL, Role: chat.RoleOf(a),
		RoleFromGroup: a.AdminGroup, InboxIDs: inboxes, Disabled: r.Disabled, Invited: a.Invited,
		Status: p.Chosen(), Presence: p.Effective(now),
	}
}

// isAdmin: an enabled admin.
func (r Record) isAdmin() bool { return !r.Disabled && chat.RoleOf(r.Agent) == chat.TeamAdmin }

// Store keeps the team (shared/store implements it).
type Store interface {
	// Team returns every agent that has a profile, in one read.
	Team(ctx context.Context) ([]Record, error)
	// TeamMember reads one agent, consistently; ErrNotFound without a
	// profile.
	TeamMember(ctx context.Context, agentID string) (Record, error)
	// CreateInvited stores an invited agent's profile and memberships,
	// while keep is still an admin; ErrConflict when the id has a profile.
	CreateInvited(ctx context.Context, a chat.Agent, keep access.Admin) error
	// UpdateMember sets an agent's granted role and adds and removes
	// memberships in one write, which commits only while every admin of
	// keep is still one (access.Admin); ErrNotFound without a profile.
	UpdateMember(ctx context.Context, agentID string, role chat.TeamRole, add, remove []string, keep []access.Admin) error
	// SetMemberships adds and removes memberships of several agents in one
	// inbox.
	SetMemberships(ctx context.Context, inboxID string, add, remove []string) error
	// AgentPresences reads agents' status and sockets, by id.
	AgentPresences(ctx context.Context, agentIDs []string) (map[string]chat.Presence, error)
}

// Directory is the identity provider's user directory: the Cognito user
// pool (shared/userpool). Without one (an external OIDC issuer) nobody can
// be invited and disabling acts on Parley's side only.
type Directory interface {
	// Invite creates a user who signs in with email and has the
	// invitation mailed; it returns the user's sub. ErrAddressTaken when
	// the address has a user.
	Invite(ctx context.Context, email, name string) (sub string, err error)
	// Remove deletes a user (an invitation whose profile was not stored).
	Remove(ctx context.Context, sub string) error
	// SetEnabled lets a user sign in or not; a user it does not know is
	// not an error (nothing to do there).
	SetEnabled(ctx context.Context, sub string, enabled bool) error
}

// ErrAddressTaken is the directory's answer for an address it has a user
// for.
var ErrAddressTaken = &chat.Error{Kind: chat.ErrConflict, Message: "an agent with this email address exists already"}

// errNoDirectory answers an invitation when agents sign in at an external
// identity provider.
var errNoDirectory = &chat.Error{Kind: chat.ErrConflict, Message: "invitations need the Cognito user pool; agents of an external identity provider (OidcIssuer) are added there and join the team when they first sign in"}

// Inboxes tells which inboxes exist.
type Inboxes interface {
	InboxIDs(ctx context.Context) ([]string, error)
}

// Service manages the team.
type Service struct {
	store   Store
	guard   *access.Guard
	inboxes Inboxes
	dir     Directory
	now     func() time.Time
}

// New returns the Service; dir may be nil (no user pool: no invitations).
// The store, the access guard (which closes sockets), the inboxes and the
// clock (agents' presence) are required.
func New(st Store, guard *access.Guard, inboxes Inboxes, dir Directory, now func() time.Time) (*Service, error) {
	if st == nil || guard == nil || inboxes == nil || now == nil {
		return nil, errors.New("team: a store, the access guard, the inboxes and a clock are required")
	}
	return &Service{store: st, guard: guard, inboxes: inboxes, dir: dir, now: now}, nil
}

// List returns the team by display name: agents who signed in and those
// invited, with their roles, memberships, access and status (two reads:
// the team, the agents' status items).
func (s *Service) List(ctx context.Context) ([]Member, error) {
	recs, err := s.store.Team(ctx)
	if err != nil {
		return nil, fmt.Errorf("list team: %w", err)
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.Agent.ID
	}
	presences, err := s.store.AgentPresences(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("status of the team: %w", err)
	}
	now := s.now()
	out := make([]Member, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.member(presences[r.Agent.ID], now))
	}
	slices.SortStableFunc(out, func(a, b Member) int {
		return cmp.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	return out, nil
}

// Invitation is an admin's invitation of a new agent.
type Invitation struct {
	Email    string
	Name     string
	Role     chat.TeamRole
	InboxIDs []string
}

func invalid(format string, args ...any) error {
	return &chat.Error{Kind: chat.ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

// checkName validates a display name as a profile's.
func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 80 || !utf8.ValidString(name) {
		return "", invalid("name must have 1 to 80 characters")
	}
	return name, nil
}

// checkInboxes validates a list of inbox ids: existing, each once.
func (s *Service) checkInboxes(ctx context.Context, ids []string) ([]string, error) {
	if ids == nil {
		return nil, invalid("inboxIds is required (an empty list: no inbox)")
	}
	if len(ids) > MaxInboxes {
		return nil, invalid("inboxIds holds more than %d inboxes", MaxInboxes)
	}
	known, err := s.inboxes.InboxIDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("list inboxes: %w", err)
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	out = slices.Compact(out)
	for _, id := range out {
		if !slices.Contains(known, id) {
			return nil, invalid("inboxIds: there is no inbox %q", id)
		}
	}
	return out, nil
}

// Invite creates the agent in the user directory, which mails the
// invitation, and stores its profile at once (invited, with its role and
// memberships): it shows in the team before it first signs in, and its
// first sign-in (the directory's sub) finds them.
func (s *Service) Invite(ctx context.Context, by access.Admin, in Invitation) (Member, error) {
	if s.dir == nil {
		return Member{}, errNoDirectory
	}
	email, err := mail.ParseAddress(in.Email)
	if err != nil {
		var me *mail.Error
		if errors.As(err, &me) {
			return Member{}, invalid("email: %s", me.Message)
		}
		return Member{}, err
	}
	name, err := checkName(in.Name)
	if err != nil {
		return Member{}, err
	}
	if err := chat.CheckTeamRole(in.Role); err != nil {
		return Member{}, err
	}
	inboxes, err := s.checkInboxes(ctx, in.InboxIDs)
	if err != nil {
		return Member{}, err
	}
	sub, err := s.dir.Invite(ctx, email, name)
	if err != nil {
		return Member{}, fmt.Errorf("invite %s: %w", by.ID, err)
	}
	a := chat.Agent{ID: sub, DisplayName: name, Email: email, Inboxes: inboxes, Granted: in.Role, Invited: true}
	if err := s.store.CreateInvited(ctx, a, by); err != nil {
		// The user exists in the directory without a profile: remove it, so
		// that inviting the address again works.
		if rerr := s.dir.Remove(ctx, sub); rerr != nil {
			slog.ErrorContext(ctx, "remove an invited user whose profile was not stored", "agentId", sub, "error", rerr)
		}
		return Member{}, fmt.Errorf("store invited agent %s: %w", sub, err)
	}
	slog.InfoContext(ctx, "agent invited", "agentId", sub, "by", by.ID, "role", in.Role, "inboxes", len(inboxes))
	return Record{Agent: a}.member(chat.Presence{}, s.now()), nil
}

// Change is an admin's change of an agent: the whole of its role and
// memberships.
type Change struct {
	Role     chat.TeamRole
	InboxIDs []string
}

// Update sets an agent's role and memberships. The team never loses its
// last admin: taking the role from another agent commits only while the
// acting admin still is one, and an admin may give up its own role only
// while another enabled admin remains, checked in the same write.
func (s *Service) Update(ctx context.Context, by access.Admin, agentID string, in Change) (Member, error) {
	if err := chat.CheckAgentID(agentID); err != nil {
		return Member{}, err
	}
	if err := chat.CheckTeamRole(in.Role); err != nil {
		return Member{}, err
	}
	inboxes, err := s.checkInboxes(ctx, in.InboxIDs)
	if err != nil {
		return Member{}, err
	}
	cur, err := s.store.TeamMember(ctx, agentID)
	if errors.Is(err, chat.ErrNotFound) {
		return Member{}, &chat.Error{Kind: chat.ErrNotFound, Message: "agent not found"}
	}
	if err != nil {
		return Member{}, fmt.Errorf("read agent %s: %w", agentID, err)
	}
	if in.Role == chat.TeamAgent && cur.Agent.AdminGroup {
		return Member{}, invalid("role: this agent is an admin through the identity provider's admin group; remove it from the group there")
	}
	keep, err := s.keepers(ctx, by, agentID, cur.Agent, in.Role)
	if err != nil {
		return Member{}, err
	}
	add, remove := diff(cur.Agent.Inboxes, inboxes)
	if err := s.store.UpdateMember(ctx, agentID, in.Role, add, remove, keep); err != nil {
		return Member{}, fmt.Errorf("update agent %s: %w", agentID, err)
	}
	slog.InfoContext(ctx, "agent changed", "agentId", agentID, "by", by.ID, "role", in.Role, "added", len(add), "removed", len(remove))
	if len(add)+len(remove) > 0 {
		s.renew(ctx, agentID, cur.Agent.Inboxes, inboxes)
	}
	cur.Agent.Granted, cur.Agent.Inboxes = in.Role, inboxes
	presences, err := s.store.AgentPresences(ctx, []string{agentID})
	if err != nil {
		return Member{}, fmt.Errorf("status of %s: %w", agentID, err)
	}
	return cur.member(presences[agentID], s.now()), nil
}

// keepers are the admins who must remain admins for a change of agentID
// to role to commit: the acting admin (unless it changes itself), and,
// when an admin gives up its own role, another enabled admin.
func (s *Service) keepers(ctx context.Context, by access.Admin, agentID string, cur chat.Agent, role chat.TeamRole) ([]access.Admin, error) {
	if agentID != by.ID {
		return []access.Admin{by}, nil
	}
	if role == chat.TeamAdmin || chat.RoleOf(cur) == chat.TeamAgent {
		return nil, nil
	}
	recs, err := s.store.Team(ctx)
	if err != nil {
		return nil, fmt.Errorf("list team: %w", err)
	}
	for _, r := range recs {
		if r.Agent.ID != by.ID && r.isAdmin() {
			return []access.Admin{{ID: r.Agent.ID}}, nil
		}
	}
	return nil, &chat.Error{Kind: chat.ErrConflict, Message: "you are the last admin: make another agent an admin first"}
}

// diff returns what to add to have and what to remove from it to get want.
func diff(have, want []string) (add, remove []string) {
	for _, w := range want {
		if !slices.Contains(have, w) {
			add = append(add, w)
		}
	}
	for _, h := range have {
		if !slices.Contains(want, h) {
			remove = append(remove, h)
		}
	}
	return add, remove
}

// renew closes the agent's sockets, found among the inboxes it was and is
// a member of: each listens with the memberships it had at connect, and
// the inbox reconnects with the new ones. A failure is logged: the change
// is stored and in force for HTTP at once.
func (s *Service) renew(ctx context.Context, agentID string, before, after []string) {
	inboxes := slices.Concat(before, after)
	slices.Sort(inboxes)
	p := chat.Principal{Role: chat.RoleAgent, ID: agentID, Inboxes: slices.Compact(inboxes)}
	if _, err := s.guard.CloseSockets(ctx, p); err != nil {
		slog.ErrorContext(ctx, "renew the sockets of an agent whose memberships changed", "agentId", agentID, "error", err)
	}
}

// InboxMembers returns the ids of an inbox's members.
func (s *Service) InboxMembers(ctx context.Context, inboxID string) ([]string, error) {
	recs, err := s.store.Team(ctx)
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", inboxID, err)
	}
	ids := []string{}
	for _, r := range recs {
		if slices.Contains(r.Agent.Inboxes, inboxID) {
			ids = append(ids, r.Agent.ID)
		}
	}
	return ids, nil
}

// SetInboxMembers makes memberIDs the members of an inbox (which must
// exist): every id must be an agent of the team. Agents who joined or
// left get their sockets renewed.
func (s *Service) SetInboxMembers(ctx context.Context, inboxID string, memberIDs []string) error {
	if memberIDs == nil {
		return invalid("memberIds is required (an empty list: no member)")
	}
	recs, err := s.store.Team(ctx)
	if err != nil {
		return fmt.Errorf("members of %s: %w", inboxID, err)
	}
	inboxes := map[string][]string{}
	for _, r := range recs {
		inboxes[r.Agent.ID] = r.Agent.Inboxes
	}
	var (
		add, remove []string
		bad         []chat.FieldError
	)
	for i, id := range memberIDs {
		have, ok := inboxes[id]
		switch {
		case !ok:
			bad = append(bad, chat.FieldError{Field: fmt.Sprintf("memberIds[%d]", i), Message: "is not an agent"})
		case !slices.Contains(have, inboxID) && len(have) >= MaxInboxes:
			bad = append(bad, chat.FieldError{Field: fmt.Sprintf("memberIds[%d]", i), Message: fmt.Sprintf("is a member of %d inboxes already, the most an agent may be", MaxInboxes)})
		case !slices.Contains(have, inboxID) && !slices.Contains(add, id):
			add = append(add, id)
		}
	}
	if len(bad) > 0 {
		return &chat.ValidationError{Message: "the inbox has invalid fields", Fields: bad}
	}
	for id, have := range inboxes {
		if slices.Contains(have, inboxID) && !slices.Contains(memberIDs, id) {
			remove = append(remove, id)
		}
	}
	slices.Sort(remove)
	if err := s.store.SetMemberships(ctx, inboxID, add, remove); err != nil {
		return fmt.Errorf("set members of %s: %w", inboxID, err)
	}
	for _, id := range slices.Concat(add, remove) {
		s.renew(ctx, id, inboxes[id], []string{inboxID})
	}
	return nil
}

// SetAccess disables or enables an agent, in Parley (its sockets close,
// its tokens are refused from its next request) and in the user
// directory (it cannot sign in or refresh its session). An admin cannot
// disable itself.
func (s *Service) SetAccess(ctx context.Context, by access.Admin, target chat.Principal, disabled bool) error {
	if target.ID == by.ID && disabled {
		return invalid("an admin cannot disable itself")
	}
	closed, err := s.guard.SetDisabled(ctx, target, disabled, by)
	if err != nil {
		return err
	}
	if s.dir != nil {
		if err := s.dir.SetEnabled(ctx, target.ID, !disabled); err != nil {
			return fmt.Errorf("user directory access of %s: %w", target.ID, err)
		}
	}
	slog.InfoContext(ctx, "agent access changed", "agentId", target.ID, "by", by.ID, "disabled", disabled, "connections", closed)
	return nil
}
