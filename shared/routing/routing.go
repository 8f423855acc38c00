// Package routing assigns an inbox's new conversations to its members,
// off the visitor's path: a consumer of the domain events that make a
// conversation wait for an agent (created, unassigned, reopened
// unassigned) or free a slot (closed, reassigned, unassigned), and of an
// agent becoming available.
//
// An inbox routes manually (nothing happens) or round-robin: a waiting
// conversation goes to the next available member, in turn, whose open
// conversations in the inbox are below the inbox's capacity. When nobody
// is available or everybody is full it waits in the inbox's queue, and
// the queue is served oldest first whenever a slot frees or a member
// becomes available. Every assignment is one transaction (the assigned
// event, the assignee's load under its capacity, the inbox's turn, the
// queue entry: chat.Claim), so two conversations routed at once never both
// take an agent's last slot.
package routing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/parleychat/parley/shared/chat"
)

// Mode is how an inbox assigns new conversations.
type Mode string

const (
	Manual     Mode = "manual"
	RoundRobin Mode = "round_robin"
)

// Settings are an inbox's routing settings.
type Settings struct {
	Mode Mode
	// Capacity is how many open conversations of the inbox each member
	// takes at most from routing.
	Capacity int
}

// Turn is an inbox's round-robin turn: a counter of its assignments and
// the agent the last one went to.
type Turn struct {
	N    int64
	Last string
}

// Waiting is a conversation to queue: of InboxID, waiting since Since.
type Waiting struct {
	InboxID        string
	ConversationID string
	Since          time.Time
}

// Entry is a conversation in an inbox's queue; Key orders the queue.
type Entry struct {
	Key            string
	ConversationID string
}

// Candidate is a member routing may assign to: its profile, whether it is
// disabled, and its status and sockets, which tell whether it is
// available now (chat.Presence.Effective).
type Candidate struct {
	Agent    chat.Agent
	Found    bool
	Disabled bool
	Presence chat.Presence
}

// Store is what routing reads and writes besides the assignment itself.
type Store interface {
	// Enqueue puts a conversation in its inbox's queue if it still waits
	// (open, unassigned, of that inbox); false when it does not.
	Enqueue(ctx context.Context, w Waiting) (bool, error)
	// Queue returns the oldest entries of an inbox's queue.
	Queue(ctx context.Context, inboxID string, limit int) ([]Entry, error)
	// Dequeue removes an entry whose conversation no longer waits.
	Dequeue(ctx context.Context, inboxID string, e Entry) error
	// Loads returns an inbox's turn and its agents' open conversations.
	Loads(ctx context.Context, inboxID string) (Turn, map[string]int, error)
	// InboxMembers returns the ids of an inbox's members.
	InboxMembers(ctx context.Context, inboxID string) ([]string, error)
	// Candidates reads the members routing may consider.
	Candidates(ctx context.Context, agentIDs []string) ([]Candidate, error)
	// Agent reads an agent's profile with its memberships.
	Agent(ctx context.Context, id string) (chat.Agent, error)
}

// Inboxes tells an inbox's routing settings.
type Inboxes interface {
	Routing(ctx context.Context, inboxID string) (Settings, error)
}

// Assigner makes an automatic assignment (chat.Service.AssignWaiting).
type Assigner interface {
	AssignWaiting(ctx context.Context, inboxID, conversationID string, agent chat.Agent, claim chat.Claim) (chat.Conversation, error)
}

// Router routes the conversations of inboxes that route round-robin.
type Router struct {
	store   Store
	inboxes Inboxes
	assign  Assigner
	now     func() time.Time
}

// New returns a Router; every part is required. now tells members'
// presence (the clock the chat service runs on).
func New(st Store, inboxes Inboxes, assign Assigner, now func() time.Time) (*Router, error) {
	if st == nil || inboxes == nil || assign == nil || now == nil {
		return nil, errors.New("routing: a store, the inboxes, an assigner and a clock are required")
	}
	return &Router{store: st, inboxes: inboxes, assign: assign, now: now}, nil
}

// queuePage is how many waiting conversations one read of the queue
// brings.
const queuePage = 25

// placeAttempts bounds the tries of one conversation against assignments
// racing it; past them the event fails and is delivered again.
const placeAttempts = 20

// Route serves an inbox after something that may let a conversation be
// assigned: w, when set, is a conversation that now waits and joins the
// queue first. In a manual inbox it does nothing. It returns how many
// conversations it assigned.
func (r *Router) Route(ctx context.Context, inboxID string, w *Waiting) (int, error) {
	set, err := r.inboxes.Routing(ctx, inboxID)
	if err != nil {
		return 0, fmt.Errorf("routing of %s: %w", inboxID, err)
	}
	if set.Mode != RoundRobin || set.Capacity <= 0 {
		return 0, nil
	}
	if w != nil {
		queued, err := r.store.Enqueue(ctx, *w)
		if err != nil || !queued {
			// A conversation assigned or closed meanwhile frees nothing.
			return 0, err
		}
	}
	return r.drain(ctx, inboxID, set.Capacity)
}

// Available serves the inboxes of an agent who became available: the
// oldest conversations waiting there may now be its. It returns how many
// conversations it assigned.
func (r *Router) Available(ctx context.Context, agentID string) (int, error) {
	a, err := r.store.Agent(ctx, agentID)
	if errors.Is(err, chat.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("agent %s: %w", agentID, err)
	}
	total := 0
	for _, inbox := range a.Inboxes {
		n, err := r.Route(ctx, inbox, nil)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// round is what a drain knows of the inbox: the members who can take
// conversations, in turn order, their loads and the turn.
type round struct {
	members []chat.Agent
	loads   map[string]int
	turn    Turn
}

// next is the member whose turn it is: the first, after the last one
// assigned in the order of their ids, with a free slot.
func (rd *round) next(capacity int) (chat.Agent, bool) {
	n := len(rd.members)
	start, _ := slices.BinarySearchFunc(rd.members, rd.turn.Last, func(a chat.Agent, id string) int {
		if a.ID <= id {
			return -1
		}
		return 1
	})
	for i := range n {
		a := rd.members[(start+i)%n]
		if rd.loads[a.ID] < capacity {
			return a, true
		}
	}
	return chat.Agent{}, false
}

// drain assigns the inbox's waiting conversations, oldest first, until
// the queue is empty or nobody has a free slot.
func (r *Router) drain(ctx context.Context, inboxID string, capacity int) (int, error) {
	var (
		rd       *round
		assigned int
	)
	for {
		queue, err := r.store.Queue(ctx, inboxID, queuePage)
		if err != nil || len(queue) == 0 {
			return assigned, err
		}
		if rd == nil {
			if rd, err = r.readRound(ctx, inboxID); err != nil {
				return assigned, err
			}
		}
		for _, e := range queue {
			out, err := r.place(ctx, inboxID, capacity, e, rd)
			switch {
			case err != nil:
				return assigned, err
			case out == noRoom:
				// The oldest waits for a slot; younger ones wait behind it.
				return assigned, nil
			case out == routed:
				assigned++
			}
		}
		if len(queue) < queuePage {
			return assigned, nil
		}
	}
}

func (r *Router) readRound(ctx context.Context, inboxID string) (*round, error) {
	ids, err := r.store.InboxMembers(ctx, inboxID)
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", inboxID, err)
	}
	cands, err := r.store.Candidates(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("candidates of %s: %w", inboxID, err)
	}
	rd := &round{}
	now := r.now()
	for _, c := range cands {
		if c.Found && !c.Disabled && c.Presence.Effective(now) == chat.AgentAvailable {
			rd.members = append(rd.members, c.Agent)
		}
	}
	slices.SortFunc(rd.members, func(a, b chat.Agent) int { return strings.Compare(a.ID, b.ID) })
	if rd.turn, rd.loads, err = r.store.Loads(ctx, inboxID); err != nil {
		return nil, err
	}
	return rd, nil
}

// outcome is what became of a waiting conversation.
type outcome int

const (
	routed outcome = iota // assigned
	gone                  // it no longer waited: it left the queue
	noRoom                // nobody has a free slot: it still waits
)

// place assigns one waiting conversation to the member whose turn it is.
func (r *Router) place(ctx context.Context, inboxID string, capacity int, e Entry, rd *round) (outcome, error) {
	for range placeAttempts {
		agent, ok := rd.next(capacity)
		if !ok {
			return noRoom, nil
		}
		_, err := r.assign.AssignWaiting(ctx, inboxID, e.ConversationID, agent, chat.Claim{Capacity: capacity, Turn: rd.turn.N, Queued: e.Key})
		switch {
		case err == nil:
			rd.turn = Turn{N: rd.turn.N + 1, Last: agent.ID}
			rd.loads[agent.ID]++
			slog.InfoContext(ctx, "conversation routed", "conversationId", e.ConversationID, "inboxId", inboxID, "agentId", agent.ID)
			return routed, nil
		case errors.Is(err, chat.ErrFull):
			// Someone gave the agent a conversation since the loads were read.
			rd.loads[agent.ID] = capacity
		case errors.Is(err, chat.ErrTurnTaken):
			// Another router assigned meanwhile: read where the turn is.
			if rd.turn, rd.loads, err = r.store.Loads(ctx, inboxID); err != nil {
				return noRoom, err
			}
		case errors.Is(err, chat.ErrNotWaiting):
			return gone, r.store.Dequeue(ctx, inboxID, e)
		default:
			return noRoom, err
		}
	}
	return noRoom, fmt.Errorf("route %s: still contended after %d attempts", e.ConversationID, placeAttempts)
}
