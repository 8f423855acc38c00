package chat_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/chat"
)

// fakeStore is an in-memory chat.Storer with the semantics the domain
// relies on: seq conditions, client-key idempotency, monotonic markers.
type fakeStore struct {
	mu        sync.Mutex
	convs     map[string]chat.Conversation
	msgs      map[string][]chat.Message
	clients   map[string][2]any // key -> {conversationID, seq}
	requests  map[string]string // key -> request digest
	turns     map[string]int64  // visitor -> last presence turn
	convTurns map[string]int64  // conversation -> presence turn of its flag
	visitors  map[string]chat.Visitor
	conns     map[string]chat.Connection
	subs      map[string][]chat.Listener // conversationID -> listeners
	tickets   map[string]bool
	agents    map[string]chat.Agent
	presence  map[string]chat.Presence
	beforeTxn func() // runs inside Append before the seq check, to stage races
	// afterVisitorListeners runs once after VisitorListeners has read the
	// visitor's tabs, to stage what happens before the caller acts on them.
	afterVisitorListeners func()
	// subscribeErr, when set, is Subscribe's answer.
	subscribeErr error
	// deletedVia records DeleteConnectionVia's calls as "id via kind id".
	deletedVia []string
	// names and visits: the contacts' names and the conversations'
	// visits (visits_test.go), made on first use.
	names  map[string]string
	visits map[string]chat.Visit
	// visitorRead holds the visitors' read markers by conversation,
	// visitorReads counts MarkVisitorRead's writes, and visitorReadErr,
	// when set, fails VisitorRead.
	visitorRead    map[string]int64
	visitorReads   int
	visitorReadErr error
	// beforeVisitorRead, when set, runs as MarkVisitorRead starts: what
	// happens between a read's access check and its write;
	// beforeSubscribe, as Subscribe starts: what happens between a
	// resume's access check and its subscription.
	beforeVisitorRead func()
	beforeSubscribe   func()
	workspace
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		convs: map[string]chat.Conversation{}, msgs: map[string][]chat.Message{}, clients: map[string][2]any{}, requests: map[string]string{}, turns: map[string]int64{}, convTurns: map[string]int64{},
		visitors: map[string]chat.Visitor{}, conns: map[string]chat.Connection{}, subs: map[string][]chat.Listener{},
		tickets: map[string]bool{}, agents: map[string]chat.Agent{}, presence: map[string]chat.Presence{},
	}
}

func (f *fakeStore) Conversation(_ context.Context, id string) (chat.Conversation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.convs[id]
	if !ok {
		return c, chat.ErrNotFound
	}
	return c, nil
}

func (f *fakeStore) ConversationListeners(ctx context.Context, id string) (chat.Conversation, []chat.Listener, error) {
	c, err := f.Conversation(ctx, id)
	f.mu.Lock()
	defer f.mu.Unlock()
	return c, slices.Clone(f.subs[id]), err
}

// dup answers a used client key: the stored result, or ErrClientIDReused
// when it stored another request.
func (f *fakeStore) dup(key, request string) (chat.Appended, bool, error) {
	ref, ok := f.clients[key]
	if !ok {
		return chat.Appended{}, false, nil
	}
	if stored := f.requests[key]; stored != "" && request != "" && stored != request {
		return chat.Appended{}, true, chat.ErrClientIDReused
	}
	cid, seq := ref[0].(string), ref[1].(int64)
	return chat.Appended{Conversation: f.convs[cid], Message: f.msgs[cid][seq-1], Duplicate: true}, true, nil
}

func (f *fakeStore) CreateConversation(_ context.Context, in chat.NewConversation) (chat.Appended, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok, err := f.dup(in.ClientKey, in.Request); ok {
		return d, err
	}
	c, m := in.Conversation, in.Message
	follow := numbered(c.ID, 1, in.Follow)
	c.LastSeq, m.Seq, m.ConversationID = int64(1+len(follow)), 1, c.ID
	f.convs[c.ID], f.msgs[c.ID] = c, append([]chat.Message{m}, follow...)
	if in.ClientKey != "" {
		f.clients[in.ClientKey] = [2]any{c.ID, int64(1)}
		f.requests[in.ClientKey] = in.Request
	}
	return chat.Appended{Conversation: c, Message: m, Follow: follow}, nil
}

// numbered gives the entries stored after the message of seq their seqs,
// as the store does.
func numbered(conversationID string, seq int64, entries []chat.Message) []chat.Message {
	out := make([]chat.Message, len(entries))
	for i, m := range entries {
		m.ConversationID, m.Seq = conversationID, seq+1+int64(i)
		out[i] = m
	}
	return out
}

func (f *fakeStore) Append(_ context.Context, in chat.Append) (chat.Appended, error) {
	cur := in.Current
	for range 5 {
		next := cur
		if in.Change != nil {
			if err := in.Change(&next); err != nil {
				f.mu.Lock()
				d, ok, derr := f.dup(in.ClientKey, in.Request)
				f.mu.Unlock()
				if ok {
					return d, derr
				}
				return chat.Appended{}, err
			}
		}
		if f.beforeTxn != nil {
			hook := f.beforeTxn
			f.beforeTxn = nil
			hook()
		}
		f.mu.Lock()
		if d, ok, err := f.dup(in.ClientKey, in.Request); ok {
			f.mu.Unlock()
			return d, err
		}
		stored := f.convs[cur.ID]
		if stored.LastSeq != cur.LastSeq {
			cur = stored
			f.mu.Unlock()
			continue
		}
		var follow []chat.Message
		if in.Follow != nil {
			follow = numbered(cur.ID, cur.LastSeq+1, in.Follow())
		}
		next.LastSeq = cur.LastSeq + 1 + int64(len(follow))
		m := in.Message
		m.ConversationID, m.Seq = cur.ID, cur.LastSeq+1
		f.convs[cur.ID] = next
		f.msgs[cur.ID] = append(append(f.msgs[cur.ID], m), follow...)
		if in.ClientKey != "" {
			f.clients[in.ClientKey] = [2]any{cur.ID, m.Seq}
			f.requests[in.ClientKey] = in.Request
		}
		f.mu.Unlock()
		return chat.Appended{Conversation: next, Message: m, Follow: follow}, nil
	}
	return chat.Appended{}, chat.ErrConflict
}

func (f *fakeStore) MarkAgentRead(_ context.Context, id string, seq int64) (chat.Conversation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.convs[id]
	c.AgentReadSeq = max(c.AgentReadSeq, seq)
	f.convs[id] = c
	return c, nil
}

// MarkVisitorRead keeps the marker apart, as the store does: only
// VisitorConversations and VisitorRead read it back. Every call counts
// as a write; only a raise answers true, as the store's condition does.
func (f *fakeStore) MarkVisitorRead(_ context.Context, c chat.Conversation, seq int64) (bool, error) {
	if f.beforeVisitorRead != nil {
		f.beforeVisitorRead()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.visitorRead == nil {
		f.visitorRead = map[string]int64{}
	}
	f.visitorReads++
	if seq <= f.visitorRead[c.ID] {
		return false, nil
	}
	f.visitorRead[c.ID] = seq
	return true, nil
}

func (f *fakeStore) VisitorRead(_ context.Context, c chat.Conversation) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.visitorReadErr != nil {
		return 0, f.visitorReadErr
	}
	return f.visitorRead[c.ID], nil
}

func (f *fakeStore) Messages(_ context.Context, q chat.MessageQuery) ([]chat.Message, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var sel []chat.Message
	for _, m := range f.msgs[q.ConversationID] {
		if (q.Before > 0 && m.Seq < q.Before) || (q.Before == 0 && m.Seq > q.After) {
			sel = append(sel, m)
		}
	}
	if len(sel) <= q.Limit {
		return sel, false, nil
	}
	if q.Before > 0 {
		return sel[len(sel)-q.Limit:], true, nil
	}
	return sel[:q.Limit], true, nil
}

func (f *fakeStore) Conversations(context.Context, chat.ListQuery) ([]chat.Conversation, string, error) {
	return nil, "", nil
}

func (f *fakeStore) VisitorConversations(_ context.Context, vid string, _ int) ([]chat.Conversation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []chat.Conversation
	for _, c := range f.convs {
		if c.VisitorID == vid {
			c.VisitorReadSeq = max(c.VisitorReadSeq, f.visitorRead[c.ID])
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeStore) CreateVisitor(_ context.Context, v chat.Visitor) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.visitors[v.ID] = v
	return nil
}

func (f *fakeStore) Visitor(_ context.Context, id string) (chat.Visitor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.visitors[id]
	if !ok {
		return v, chat.ErrNotFound
	}
	return v, nil
}

func (f *fakeStore) ConsumeTicket(_ context.Context, id string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tickets[id] {
		return chat.ErrConflict
	}
	f.tickets[id] = true
	return nil
}

func (f *fakeStore) SaveConnection(_ context.Context, c chat.Connection) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.conns[c.ID] = c
	if c.Principal.Role == chat.RoleAgent {
		p := f.presence[c.Principal.ID]
		p.Sockets = append(p.Sockets, chat.AgentSocket{ConnectionID: c.ID, OpenedAt: c.ConnectedAt, ExpiresAt: c.ConnectedAt.Add(2 * time.Hour)})
		f.presence[c.Principal.ID] = p
	}
	return nil
}

func (f *fakeStore) Connection(_ context.Context, id string) (chat.Connection, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.conns[id]
	if !ok {
		return c, chat.ErrNotFound
	}
	return c, nil
}

func (f *fakeStore) DeleteConnection(_ context.Context, id string) (chat.Connection, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.conns[id]
	delete(f.conns, id)
	for cid, ls := range f.subs {
		f.subs[cid] = slices.DeleteFunc(ls, func(l chat.Listener) bool { return l.ConnectionID == id })
	}
	return c, nil
}

func (f *fakeStore) DeleteConnectionVia(ctx context.Context, id string, via chat.Via) error {
	f.mu.Lock()
	f.deletedVia = append(f.deletedVia, id+" via "+string(via.Kind)+" "+via.ID)
	f.mu.Unlock()
	_, err := f.DeleteConnection(ctx, id)
	return err
}

func (f *fakeStore) Subscribe(_ context.Context, connID, cid string, p chat.Principal, subscription string) error {
	if f.beforeSubscribe != nil {
		f.beforeSubscribe()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subscribeErr != nil {
		return f.subscribeErr
	}
	if _, ok := f.conns[connID]; !ok {
		return chat.ErrNotFound
	}
	f.subs[cid] = append(slices.DeleteFunc(f.subs[cid], func(l chat.Listener) bool { return l.ConnectionID == connID }),
		chat.Listener{ConnectionID: connID, Principal: p, Subscription: subscription})
	return nil
}

func (f *fakeStore) Unsubscribe(_ context.Context, connID, cid, subscription string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs[cid] = slices.DeleteFunc(f.subs[cid], func(l chat.Listener) bool {
		return l.ConnectionID == connID && l.Subscription == subscription
	})
	return nil
}

func (f *fakeStore) InboxListeners(_ context.Context, inbox string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.conns {
		if slices.Contains(c.Inboxes, inbox) {
			out = append(out, c.ID)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (f *fakeStore) VisitorListeners(_ context.Context, vid string) ([]string, error) {
	f.mu.Lock()
	var out []string
	for _, c := range f.conns {
		if c.Principal.Role == chat.RoleVisitor && c.Principal.ID == vid {
			out = append(out, c.ID)
		}
	}
	hook := f.afterVisitorListeners
	f.afterVisitorListeners = nil
	f.mu.Unlock()
	slices.Sort(out)
	if hook != nil {
		hook()
	}
	return out, nil
}

func (f *fakeStore) Agent(_ context.Context, id string) (chat.Agent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.agents[id]
	if !ok {
		return a, chat.ErrNotFound
	}
	return a, nil
}

func (f *fakeStore) EnsureAgent(_ context.Context, a chat.Agent) (chat.Agent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if got, ok := f.agents[a.ID]; ok {
		return got, nil
	}
	f.agents[a.ID] = a
	return a, nil
}

func (f *fakeStore) UpdateProfile(_ context.Context, a chat.Agent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	got, ok := f.agents[a.ID]
	if !ok {
		return chat.ErrNotFound
	}
	got.DisplayName, got.AvatarURL, got.MeetingsURL = a.DisplayName, a.AvatarURL, a.MeetingsURL
	f.agents[a.ID] = got
	return nil
}

func (f *fakeStore) SetAdminGroup(_ context.Context, id string, in bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.agents[id]
	a.AdminGroup = in
	f.agents[id] = a
	return nil
}

func (f *fakeStore) RenameAgent(_ context.Context, id, from, to string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.agents[id]
	if !ok || a.DisplayName != from {
		return chat.ErrConflict
	}
	a.DisplayName = to
	f.agents[id] = a
	return nil
}

func (f *fakeStore) Agents(context.Context) ([]chat.Agent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []chat.Agent{}
	for _, a := range f.agents {
		out = append(out, a)
	}
	return out, nil
}

func (f *fakeStore) InboxMembers(_ context.Context, inbox string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, a := range f.agents {
		if slices.Contains(a.Inboxes, inbox) {
			ids = append(ids, a.ID)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func (f *fakeStore) AgentPresence(_ context.Context, id string) (chat.Presence, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.presence[id], nil
}

func (f *fakeStore) AgentPresences(_ context.Context, ids []string) (map[string]chat.Presence, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]chat.Presence{}
	for _, id := range ids {
		if p, ok := f.presence[id]; ok {
			out[id] = p
		}
	}
	return out, nil
}

func (f *fakeStore) SetAgentStatus(_ context.Context, id string, st chat.AgentStatus) (chat.Presence, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.presence[id]
	p.Status = st
	f.presence[id] = p
	return p, nil
}

func (f *fakeStore) AgentSocketClosed(_ context.Context, c chat.Connection, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.presence[c.Principal.ID]
	p.Sockets = slices.DeleteFunc(p.Sockets, func(s chat.AgentSocket) bool { return s.ConnectionID == c.ID })
	p.LastClosedAt, p.LastClosedOpenedAt = at, c.ConnectedAt
	f.presence[c.Principal.ID] = p
	return nil
}

func (f *fakeStore) SetAgentLeft(_ context.Context, id string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.presence[id]
	p.LeftAt = at
	f.presence[id] = p
	return nil
}

// pushRecorder is a chat.Notifier that records what went where; the
// connections in gone answer as closed sockets do.
type pushRecorder struct {
	mu     sync.Mutex
	frames map[string][]any
	gone   map[string]bool
}

func (p *pushRecorder) Push(_ context.Context, ids []string, frame any) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frames == nil {
		p.frames = map[string][]any{}
	}
	var gone []string
	for _, id := range ids {
		if p.gone[id] {
			gone = append(gone, id)
			continue
		}
		p.frames[id] = append(p.frames[id], frame)
	}
	return gone
}

func (p *pushRecorder) take() map[string][]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.frames
	p.frames = nil
	return out
}

// frameCounter is a chat.FrameCounter that counts nothing unless count is
// set.
type frameCounter struct {
	count func(ctx context.Context, connectionID string) error
}

func (f *frameCounter) Connection(ctx context.Context, connectionID string) error {
	if f.count == nil {
		return nil
	}
	return f.count(ctx, connectionID)
}

// newService is chat.NewService for tests: o's SocketFrames defaults to a
// counter that counts nothing.
func newService(t *testing.T, st chat.Storer, n chat.Notifier, o chat.Options) *chat.Service {
	t.Helper()
	if o.SocketFrames == nil {
		o.SocketFrames = &frameCounter{}
	}
	svc, err := chat.NewService(st, n, o)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// ClientMessage implements chat.ClientLookup.
func (f *fakeStore) ClientMessage(_ context.Context, key, request string) (chat.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok, err := f.dup(key, request)
	if err != nil {
		return chat.Message{}, err
	}
	if !ok {
		return chat.Message{}, chat.ErrNotFound
	}
	return d.Message, nil
}
