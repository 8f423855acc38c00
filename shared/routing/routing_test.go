package routing_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/routing"
	"github.com/parleychat/parley/shared/settings"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/store/storetest"
)

var ddb *storetest.Server

func TestMain(m *testing.M) {
	ddb = storetest.Start()
	code := m.Run()
	ddb.Close()
	os.Exit(code)
}

type nopNotifier struct{}

func (nopNotifier) Push(context.Context, []string, any) []string { return nil }

// inboxes is a routing.Inboxes of fixed settings.
type inboxes map[string]routing.Settings

func (m inboxes) Routing(_ context.Context, id string) (routing.Settings, error) { return m[id], nil }

// presence makes the store's candidates available or away by hand (the
// store's own reading of presence is tested with the status routes, e2e).
type presence struct {
	*store.Store
	mu   sync.Mutex
	away map[string]bool
}

func (p *presence) Candidates(ctx context.Context, ids []string) ([]routing.Candidate, error) {
	cands, err := p.Store.Candidates(ctx, ids)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range cands {
		// An inbox socket open for an hour more, or the status away.
		cands[i].Presence = chat.Presence{Sockets: []chat.AgentSocket{{ConnectionID: "s", ExpiresAt: time.Now().Add(time.Hour)}}}
		if p.away[cands[i].Agent.ID] {
			cands[i].Presence.Status = chat.AgentAway
		}
	}
	return cands, err
}

// world is an inbox "main" that routes round-robin with capacity 2 over
// three agents, a, b and c, with the chat service and the router over one
// table.
type world struct {
	db       *storetest.Counting
	st       *store.Store
	svc      *chat.Service
	router   *routing.Router
	presence *presence
	settings inboxes
	clock    time.Time
	mu       sync.Mutex
}

var agents = []string{"a", "b", "c"}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := storetest.NewCounting(ddb.Client())
	st := store.New(db, ddb.NewTable(t), nil)
	w := &world{db: db, st: st, settings: inboxes{"main": {Mode: routing.RoundRobin, Capacity: 2}}, clock: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	svc, err := chat.NewService(st, nopNotifier{}, chat.Options{
		ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"},
		SocketFrames: ratelimit.New(st, ratelimit.Limits{}, nil), Now: w.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	w.presence = &presence{Store: st, away: map[string]bool{}}
	if w.router, err = routing.New(w.presence, w.settings, svc, time.Now); err != nil {
		t.Fatal(err)
	}
	for _, id := range agents {
		if _, err := st.EnsureAgent(t.Context(), chat.Agent{ID: id, DisplayName: "Agent " + id, Inboxes: []string{"main"}}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// now moves a second on at every reading, so conversations are ordered.
func (w *world) now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.clock = w.clock.Add(time.Second)
	return w.clock
}

func (w *world) agent(id string) chat.Principal {
	return chat.Principal{Role: chat.RoleAgent, ID: id, Name: "Agent " + id, Inboxes: []string{"main"}}
}

// newConversation is a visitor's first message; it returns the
// conversation, as the created event describes it.
func (w *world) newConversation(t *testing.T) chat.Conversation {
	t.Helper()
	vid := uuid.NewString()
	conn := "conn-" + vid
	if err := w.st.SaveConnection(t.Context(), chat.Connection{ID: conn, Principal: chat.Principal{Role: chat.RoleVisitor, ID: vid}, ConnectedAt: time.Now()}); err != nil {
		t.Error(err)
		return chat.Conversation{}
	}
	m, err := w.svc.SendFromConnection(t.Context(), conn, chat.SendInput{ClientID: uuid.NewString(), Body: "hello"})
	if err != nil {
		t.Error(err)
		return chat.Conversation{}
	}
	c, err := w.st.Conversation(t.Context(), m.ConversationID)
	if err != nil {
		t.Error(err)
	}
	return c
}

// created routes a new conversation as the conversation.created event does.
func (w *world) created(t *testing.T, c chat.Conversation) {
	t.Helper()
	if _, err := w.router.Route(t.Context(), c.InboxID, &routing.Waiting{InboxID: c.InboxID, ConversationID: c.ID, Since: c.CreatedAt}); err != nil {
		t.Error(err)
	}
}

// state is who holds each conversation ("" unassigned), and the load
// counters, which must match the conversations.
func (w *world) state(t *testing.T, convs []chat.Conversation) []string {
	t.Helper()
	var owners []string
	count := map[string]int{}
	for _, c := range convs {
		got, err := w.st.Conversation(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		owners = append(owners, got.AssigneeID)
		if got.Status == chat.StatusOpen && got.AssigneeID != "" {
			count[got.AssigneeID]++
		}
	}
	w.checkLoads(t, count)
	return owners
}

// checkLoads compares the load counters with the open conversations each
// agent holds (the invariant).
func (w *world) checkLoads(t *testing.T, want map[string]int) {
	t.Helper()
	_, loads, err := w.st.Loads(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	for id, n := range loads {
		if n == 0 {
			delete(loads, id)
		}
	}
	if diff := cmp.Diff(want, loads); diff != "" {
		t.Errorf("load counters against the conversations (-want +got):\n%s", diff)
	}
}

func (w *world) queue(t *testing.T) []string {
	t.Helper()
	entries, err := w.st.Queue(t.Context(), "main", 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.ConversationID)
	}
	return ids
}

// TestRoundRobinWithCapacity: nine new conversations over three available
// agents with capacity 2 go a, b, c, a, b, c; three wait; a closed
// conversation and an unassigned one free slots for the oldest waiting.
func TestRoundRobinWithCapacity(t *testing.T) {
	w := newWorld(t)
	var convs []chat.Conversation
	for range 9 {
		c := w.newConversation(t)
		w.created(t, c)
		convs = append(convs, c)
	}
	want := []string{"a", "b", "c", "a", "b", "c", "", "", ""}
	if diff := cmp.Diff(want, w.state(t, convs)); diff != "" {
		t.Fatalf("owners (-want +got):\n%s", diff)
	}
	ids := func(cs ...chat.Conversation) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	if diff := cmp.Diff(ids(convs[6:]...), w.queue(t)); diff != "" {
		t.Errorf("queue (-want +got):\n%s", diff)
	}

	// b closes one: the oldest waiting (7th) is b's.
	if _, err := w.svc.Close(t.Context(), w.agent("b"), convs[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.router.Route(t.Context(), "main", nil); err != nil {
		t.Fatal(err)
	}
	want[6] = "b"
	if diff := cmp.Diff(want, w.state(t, convs)); diff != "" {
		t.Fatalf("after b closed one (-want +got):\n%s", diff)
	}

	// a unassigns one: it joins the queue behind the 8th and 9th, which go
	// first; a takes the 8th.
	unassigned := w.now()
	if _, err := w.svc.Unassign(t.Context(), w.agent("a"), convs[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.router.Route(t.Context(), "main", &routing.Waiting{InboxID: "main", ConversationID: convs[0].ID, Since: unassigned}); err != nil {
		t.Fatal(err)
	}
	want[0], want[7] = "", "a"
	if diff := cmp.Diff(want, w.state(t, convs)); diff != "" {
		t.Errorf("after a unassigned one (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ids(convs[8], convs[0]), w.queue(t)); diff != "" {
		t.Errorf("queue after (-want +got):\n%s", diff)
	}

	// The 9th closes while it waits (that frees nothing), then c closes
	// one of its own: the 9th no longer waits and leaves the queue, and the
	// unassigned one is c's.
	for _, c := range []chat.Conversation{convs[8], convs[2]} {
		if _, err := w.svc.Close(t.Context(), w.agent("c"), c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.router.Route(t.Context(), "main", nil); err != nil {
			t.Fatal(err)
		}
	}
	want[0] = "c"
	if diff := cmp.Diff(want, w.state(t, convs)); diff != "" {
		t.Errorf("after c closed one (-want +got):\n%s", diff)
	}
	if q := w.queue(t); len(q) != 0 {
		t.Errorf("queue = %v, want empty", q)
	}
}

// TestConcurrentRoutingNeverExceedsCapacity: twenty conversations created
// and routed at once: each agent gets exactly its capacity, nobody more,
// and the other fourteen wait.
func TestConcurrentRoutingNeverExceedsCapacity(t *testing.T) {
	w := newWorld(t)
	convs := make([]chat.Conversation, 20)
	var wg sync.WaitGroup
	for i := range convs {
		wg.Go(func() {
			convs[i] = w.newConversation(t)
			w.created(t, convs[i])
		})
	}
	wg.Wait()
	count := map[string]int{}
	for _, owner := range w.state(t, convs) {
		count[owner]++
	}
	if diff := cmp.Diff(map[string]int{"a": 2, "b": 2, "c": 2, "": 14}, count); diff != "" {
		t.Errorf("conversations per agent (-want +got):\n%s", diff)
	}
	if q := w.queue(t); len(q) != 14 {
		t.Errorf("%d waiting, want 14", len(q))
	}
}

// TestAwayAgentsGetNothing: an agent who went away (or was disabled) gets
// no new conversation; when it comes back the oldest waiting one is its.
func TestAwayAgentsGetNothing(t *testing.T) {
	w := newWorld(t)
	w.presence.away["b"], w.presence.away["c"] = true, true
	var convs []chat.Conversation
	for range 3 {
		c := w.newConversation(t)
		w.created(t, c)
		convs = append(convs, c)
	}
	if diff := cmp.Diff([]string{"a", "a", ""}, w.state(t, convs)); diff != "" {
		t.Fatalf("owners with b and c away (-want +got):\n%s", diff)
	}
	w.presence.mu.Lock()
	delete(w.presence.away, "c")
	w.presence.mu.Unlock()
	if _, err := w.router.Route(t.Context(), "main", nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "a", "c"}, w.state(t, convs)); diff != "" {
		t.Errorf("owners after c came back (-want +got):\n%s", diff)
	}
}

// TestManualInboxRoutesNothing: in a manual inbox nothing is queued or
// assigned.
func TestManualInboxRoutesNothing(t *testing.T) {
	w := newWorld(t)
	w.settings["main"] = routing.Settings{Mode: routing.Manual, Capacity: 2}
	c := w.newConversation(t)
	w.created(t, c)
	if diff := cmp.Diff([]string{""}, w.state(t, []chat.Conversation{c})); diff != "" {
		t.Errorf("owners (-want +got):\n%s", diff)
	}
	if q := w.queue(t); len(q) != 0 {
		t.Errorf("queue = %v, want empty", q)
	}
}

// TestLoadCounters: whatever happens to conversations (manual assignment
// past capacity, take-over, reassignment, unassignment, close, reopen, a
// reply that reopens, a retried write, a late or repeated event), each
// agent's load counter is the number of open conversations it holds.
func TestLoadCounters(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	var convs []chat.Conversation
	for range 4 {
		convs = append(convs, w.newConversation(t))
	}
	a, b := w.agent("a"), w.agent("b")
	steps := []struct {
		name string
		do   func() error
	}{
		{"a takes over the first", func() error { _, err := w.svc.TakeOver(ctx, a, convs[0].ID, ""); return err }},
		{"a assigns the second to b", func() error { _, err := w.svc.Assign(ctx, a, convs[1].ID, "b", nil); return err }},
		{"b gets three, past capacity", func() error {
			for _, c := range convs[2:] {
				if _, err := w.svc.Assign(ctx, a, c.ID, "b", nil); err != nil {
					return err
				}
			}
			return nil
		}},
		{"b takes over a's", func() error { _, err := w.svc.TakeOver(ctx, b, convs[0].ID, "a"); return err }},
		{"a takes one back by assignment", func() error { _, err := w.svc.Assign(ctx, a, convs[3].ID, "a", nil); return err }},
		{"the same assignment again", func() error { _, err := w.svc.Assign(ctx, a, convs[3].ID, "a", nil); return err }},
		{"b closes one", func() error { _, err := w.svc.Close(ctx, b, convs[2].ID); return err }},
		{"closed again", func() error { _, err := w.svc.Close(ctx, b, convs[2].ID); return err }},
		{"b unassigns a closed one", func() error { _, err := w.svc.Unassign(ctx, b, convs[2].ID, nil); return err }},
		{"reopened, unassigned", func() error { _, err := w.svc.Reopen(ctx, b, convs[2].ID); return err }},
		{"b closes another", func() error { _, err := w.svc.Close(ctx, b, convs[1].ID); return err }},
		{"b's reply reopens it, b's again", func() error {
			in := chat.SendInput{ClientID: uuid.NewString(), Body: "back"}
			if _, _, err := w.svc.Reply(ctx, b, convs[1].ID, in); err != nil {
				return err
			}
			_, _, err := w.svc.Reply(ctx, b, convs[1].ID, in) // retried
			return err
		}},
		{"a late created event queues nothing", func() error {
			_, err := w.router.Route(ctx, "main", &routing.Waiting{InboxID: "main", ConversationID: convs[0].ID, Since: convs[0].CreatedAt})
			return err
		}},
		{"routing assigns the waiting one", func() error {
			_, err := w.router.Route(ctx, "main", &routing.Waiting{InboxID: "main", ConversationID: convs[2].ID, Since: w.now()})
			return err
		}},
		{"the same event again", func() error {
			_, err := w.router.Route(ctx, "main", &routing.Waiting{InboxID: "main", ConversationID: convs[2].ID, Since: w.now()})
			return err
		}},
		{"a unassigns its own", func() error { _, err := w.svc.Unassign(ctx, a, convs[3].ID, nil); return err }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		w.state(t, convs)
		if t.Failed() {
			t.Fatalf("after %q", st.name)
		}
	}
	if diff := cmp.Diff([]string{"b", "b", "a", ""}, w.state(t, convs)); diff != "" {
		t.Errorf("owners at the end (-want +got):\n%s", diff)
	}
}

// TestRoutingCalls pins the DynamoDB calls routing makes for one new
// conversation that an agent takes at once (docs/architecture.md): the
// queue entry, the queue, the members, their profiles, access and
// presence, the loads and turn, the conversation with its listeners, the
// assignment, the inbox's listeners for the pushes.
func TestRoutingCalls(t *testing.T) {
	w := newWorld(t)
	// The inbox's settings as an admin stored them.
	if err := w.st.CreateInbox(t.Context(), settings.Inbox{ID: "main", Name: "Support", Routing: settings.Routing{Mode: settings.RoutingRoundRobin, Capacity: 2}}); err != nil {
		t.Fatal(err)
	}
	router, err := routing.New(w.presence, w.st, w.svc, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	c := w.newConversation(t)
	w.db.Calls()
	if _, err := router.Route(t.Context(), "main", &routing.Waiting{InboxID: "main", ConversationID: c.ID, Since: c.CreatedAt}); err != nil {
		t.Fatal(err)
	}
	if owner := w.state(t, []chat.Conversation{c}); owner[0] == "" {
		t.Fatal("the conversation was not routed")
	}
	w.db.Calls() // the checks' own reads
	if _, err := router.Route(t.Context(), "main", &routing.Waiting{InboxID: "main", ConversationID: c.ID, Since: c.CreatedAt}); err != nil {
		t.Fatal(err)
	}
	// The same event again: the settings and the refused queue entry.
	if diff := cmp.Diff(map[string]int{"GetItem": 1, "TransactWriteItems": 1}, w.db.Calls()); diff != "" {
		t.Errorf("calls for the event delivered again (-want +got):\n%s", diff)
	}
	c = w.newConversation(t)
	w.db.Calls()
	if _, err := router.Route(t.Context(), "main", &routing.Waiting{InboxID: "main", ConversationID: c.ID, Since: c.CreatedAt}); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"GetItem": 1, "Query": 5, "BatchGetItem": 1, "TransactWriteItems": 2}
	if diff := cmp.Diff(want, w.db.Calls()); diff != "" {
		t.Errorf("calls per routed conversation (-want +got):\n%s", diff)
	}
}
