package e2e

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
)

// botFlow is a two-branch bot: a question with buttons, then a free-text
// question of each branch, the email address, the handover.
func botFlow(seatsQuestion string) map[string]any {
	return map[string]any{
		"id": "greeter", "name": "Greeter", "kind": "bot", "welcome": "Hi! I am Robin.",
		"bot": map[string]any{"name": "Robin"}, "sessionMinutes": 0,
		"steps": []map[string]any{
			{"id": "topic", "type": "buttons", "text": "What brings you here?", "save": "topic",
				"buttons": []map[string]any{{"label": "Sales", "next": "seats"}, {"label": "Support", "next": "problem"}}},
			{"id": "seats", "type": "text", "text": seatsQuestion, "save": "seats", "next": "email"},
			{"id": "problem", "type": "text", "text": "What went wrong?", "save": "problem", "next": "email"},
			{"id": "email", "type": "email", "text": "Your email address?", "save": "email", "next": "handover"},
			{"id": "handover", "type": "handover", "text": "Passing you to the team.", "away": "away"},
			{"id": "away", "type": "message", "text": "Nobody is in; we will write to you.", "next": "done"},
			{"id": "done", "type": "end"},
		},
	}
}

// botChannel makes an inbox routed round-robin with one available agent,
// and a channel of it whose chatflow is flow.
func botChannel(t *testing.T, admin *chatclient.Agent, flow map[string]any) (channel string, agent member, inboxTab *chatclient.Socket) {
	t.Helper()
	tag := strings.ToLower(rand.Text()[:6])
	inbox, channel := newInbox(t, admin, "Bot "+tag)
	agent = inviteMember(t, admin, "Bea "+tag, inbox)
	setInbox(t, admin, inbox, "Bot "+tag, []member{agent}, "round_robin", 5)
	setFlows(t, admin, channel, flow)
	inboxTab = connect(t, agent.Agent) // an inbox socket: available
	return channel, agent, inboxTab
}

// setFlows replaces a channel's chatflows and returns them as saved.
func setFlows(t *testing.T, admin *chatclient.Agent, channel string, flows ...map[string]any) []any {
	t.Helper()
	var ch channelDoc
	if err := admin.Call(wait(t), http.MethodGet, "/agent/settings/channels/"+channel, nil, &ch); err != nil {
		t.Fatal(err)
	}
	ch["chatflows"] = flows
	saved := putChannel(t, admin, ch)
	pastTheCaches(t)
	return saved["chatflows"].([]any)
}

// botVisitor is a scripted visitor: its tab, and what its widget holds:
// the conversation's entries heard so far by seq, and the conversation as
// the frame of each entry carried it (the widget's view after that entry).
type botVisitor struct {
	v       *chatclient.Visitor
	tab     *chatclient.Socket
	conv    string
	entries map[int64]chatclient.Message
	views   map[int64]*chatclient.Conversation
}

func openBot(t *testing.T, channel string) *botVisitor {
	t.Helper()
	return openFlow(t, channel, "")
}

// openFlow opens the chat on a page whose targeting chose the bot flowID
// ("": none named).
func openFlow(t *testing.T, channel, flowID string) *botVisitor {
	t.Helper()
	v, _, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), channel, "")
	if err != nil {
		t.Fatal(err)
	}
	b := &botVisitor{v: v, tab: connect(t, v), entries: map[int64]chatclient.Message{}, views: map[int64]*chatclient.Conversation{}}
	if err := chatclient.StartBot(wait(t), b.tab, uuid.NewString(), flowID); err != nil {
		t.Fatal(err)
	}
	return b
}

// until reads the tab's frames until the entries heard satisfy done (the
// pushes come in any order: the entries are kept by seq).
func (b *botVisitor) until(t *testing.T, what string, done func(all []chatclient.Message) bool) []chatclient.Message {
	t.Helper()
	for {
		all := b.all()
		if done(all) {
			return all
		}
		f, err := b.tab.Next(wait(t), func(f chatclient.Frame) bool { return f.Type == "message" || f.Type == "error" })
		if err != nil {
			t.Fatalf("%s: %v; heard %s", what, err, bodies(all))
		}
		if f.Type == "error" {
			t.Fatalf("%s: error frame %s", what, f.Raw)
		}
		m := mustMsg(t, f)
		b.conv = f.ConversationID
		b.entries[m.Seq], b.views[m.Seq] = m, f.Conversation
	}
}

// firstAssignee waits until the entries heard, from the first on, include
// one whose frame names an assignee, and returns the first such entry with
// the conversation as its frame carried it. It reads the entries kept by
// seq, so an assignment pushed before the entries a test waited for
// earlier counts as well as one pushed after.
func (b *botVisitor) firstAssignee(t *testing.T, what string) (chatclient.Message, chatclient.Conversation) {
	t.Helper()
	var (
		m    chatclient.Message
		view chatclient.Conversation
	)
	b.until(t, what, func(all []chatclient.Message) bool {
		if !contiguous(all) {
			return false
		}
		for _, e := range all {
			if v := b.views[e.Seq]; v != nil && v.Assignee != nil {
				m, view = e, *v
				return true
			}
		}
		return false
	})
	return m, view
}

func (b *botVisitor) all() []chatclient.Message {
	var out []chatclient.Message
	for _, m := range b.entries {
		out = append(out, m)
	}
	slices.SortFunc(out, func(x, y chatclient.Message) int { return int(x.Seq - y.Seq) })
	return out
}

// asked waits for the bot's next question after seq and returns it.
func (b *botVisitor) asked(t *testing.T, after int64) chatclient.Message {
	t.Helper()
	var q chatclient.Message
	b.until(t, fmt.Sprintf("a question after %d", after), func(all []chatclient.Message) bool {
		for _, m := range all {
			if m.Seq > after && m.Ask != nil && contiguous(all) {
				q = m
				return true
			}
		}
		return false
	})
	return q
}

// answer sends text and waits for the bot's next question (or its
// handover) after the answer.
func (b *botVisitor) answer(t *testing.T, text string) chatclient.Message {
	t.Helper()
	last := b.all()[len(b.all())-1].Seq
	if _, err := chatclient.SendMessage(wait(t), b.tab, b.conv, text); err != nil {
		t.Fatal(err)
	}
	var out chatclient.Message
	b.until(t, "the bot's answer to "+text, func(all []chatclient.Message) bool {
		for _, m := range all {
			if m.Seq > last+1 && contiguous(all) && (m.Ask != nil || entryIs(m, "handed_over") || entryIs(m, "closed")) {
				out = m
				return true
			}
		}
		return false
	})
	return out
}

func contiguous(all []chatclient.Message) bool {
	for i, m := range all {
		if m.Seq != int64(i+1) {
			return false
		}
	}
	return true
}

func entryIs(m chatclient.Message, typ string) bool {
	var ev struct{ Type string }
	return m.Kind == "event" && json.Unmarshal(m.Event, &ev) == nil && ev.Type == typ
}

// bodies is what a reader of the thread sees: author type and text (or
// event), in order.
func bodies(all []chatclient.Message) []string {
	var out []string
	for _, m := range all {
		var ev struct{ Type string }
		if m.Kind == "event" && json.Unmarshal(m.Event, &ev) == nil {
			out = append(out, m.Author.Type+": ["+ev.Type+"]")
			continue
		}
		out = append(out, m.Author.Type+": "+m.Body)
	}
	return out
}

// botState reads the conversation's bot summary as agents see it.
func botState(t *testing.T, agent *chatclient.Agent, conv string) chat.BotSummary {
	t.Helper()
	th, err := agent.Get(wait(t), conv)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Bot *chat.BotSummary `json:"bot"`
	}
	if err := json.Unmarshal(th.Conversation.Raw, &s); err != nil || s.Bot == nil {
		t.Fatalf("summary %s has no bot (%v)", th.Conversation.Raw, err)
	}
	return *s.Bot
}

// TestBotFlowHandsOver: scripted visitors run the two branches of a bot
// (buttons, free text, an address typed wrong then right) and end in the
// handover: the inbox's routing gives the conversation to its agent only
// then, the answers are in the contact sidebar, the widget showed the
// bot's name until the agent's.
func TestBotFlowHandsOver(t *testing.T) {
	admin := newAgent(t, "alice")
	channel, agent, _ := botChannel(t, admin, botFlow("How many seats?"))

	tests := []struct {
		name    string
		button  string
		text    string
		want    []string
		answers []chat.BotAnswer
	}{
		{"sales", "sales", "12", []string{
			"bot: Hi! I am Robin.", "bot: What brings you here?", "visitor: sales", "bot: How many seats?", "visitor: 12",
			"bot: Your email address?", "visitor: not an address", "bot: Your email address?", "visitor: ana@example.com",
			"bot: Passing you to the team.", "bot: [handed_over]", "system: [assigned]",
		}, []chat.BotAnswer{{Name: "topic", Value: "Sales"}, {Name: "seats", Value: "12"}, {Name: "email", Value: "ana@example.com"}}},
		{"support", "Support", "It crashes", []string{
			"bot: Hi! I am Robin.", "bot: What brings you here?", "visitor: Support", "bot: What went wrong?", "visitor: It crashes",
			"bot: Your email address?", "visitor: not an address", "bot: Your email address?", "visitor: ana@example.com",
			"bot: Passing you to the team.", "bot: [handed_over]", "system: [assigned]",
		}, []chat.BotAnswer{{Name: "topic", Value: "Support"}, {Name: "problem", Value: "It crashes"}, {Name: "email", Value: "ana@example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := openBot(t, channel)
			q := b.asked(t, 0)
			if diff := cmp.Diff(&chatclient.Ask{Type: "buttons", Buttons: []string{"Sales", "Support"}}, q.Ask); diff != "" {
				t.Errorf("first question (-want +got):\n%s", diff)
			}
			if q.Author.Name != "Robin" || q.Author.Type != "bot" {
				t.Errorf("question by %+v, want the bot Robin", q.Author)
			}
			if q = b.answer(t, tt.button); q.Ask == nil || q.Ask.Type != "text" {
				t.Fatalf("after the button: %+v", q)
			}
			if q = b.answer(t, tt.text); q.Ask == nil || q.Ask.Type != "email" {
				t.Fatalf("after the text: %+v", q)
			}
			if q = b.answer(t, "not an address"); q.Ask == nil || q.Ask.Type != "email" {
				t.Fatalf("a wrong address is asked again: %+v", q)
			}
			// The widget gives the address to the contact as the email
			// capture does (its confirmation flow), then answers with it.
			if err := b.v.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": "ana@example.com"}, nil); err != nil {
				t.Fatal(err)
			}
			handover := b.answer(t, "ana@example.com")
			if !entryIs(handover, "handed_over") {
				t.Fatalf("after the address: %+v", handover)
			}

			// Routing assigns it after the handover, and the widget
			// switches from the bot to the agent.
			m, view := b.firstAssignee(t, "an assignment after the handover")
			if view.Assignee.Name != agent.Name || view.Bot != nil {
				t.Errorf("the widget shows %+v and bot %+v; want %s and no bot", view.Assignee, view.Bot, agent.Name)
			}
			if m.Seq <= handover.Seq {
				t.Errorf("assigned at seq %d, before the handover at %d", m.Seq, handover.Seq)
			}
			if diff := cmp.Diff(tt.want, bodies(b.all())); diff != "" {
				t.Errorf("the thread (-want +got):\n%s", diff)
			}
			card, err := agent.Agent.Card(wait(t), b.conv)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.answers, card.BotAnswers); diff != "" {
				t.Errorf("answers in the contact sidebar, in the order given (-want +got):\n%s", diff)
			}
			if card.Email != "ana@example.com" {
				t.Errorf("contact email %q", card.Email)
			}
			if s := botState(t, agent.Agent, b.conv); s.Running || s.Outcome != chat.BotHandedOver || s.Version != 1 {
				t.Errorf("bot state %+v, want handed over, stopped, version 1", s)
			}
		})
	}
}

// TestBotTakeover: an agent takes over while the bot waits for an
// answer; the bot stops at once: the visitor's next message gets no bot
// entry, and the widget shows the agent.
func TestBotTakeover(t *testing.T) {
	admin := newAgent(t, "alice")
	channel, agent, _ := botChannel(t, admin, botFlow("How many seats?"))
	b := openBot(t, channel)
	b.asked(t, 0)
	if _, err := agent.Agent.Act(wait(t), b.conv, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
		t.Fatal(err)
	}
	m, view := b.firstAssignee(t, "the takeover")
	if view.Assignee.Name != agent.Name || view.Bot != nil {
		t.Fatalf("after the takeover the widget shows %+v and bot %+v", view.Assignee, view.Bot)
	}
	// Taken from the bot, though nobody was assigned.
	if !entryIs(m, string(chat.EventTakenOver)) {
		t.Errorf("the takeover's entry is %+v, want taken_over", m)
	}
	if _, err := chatclient.SendMessage(wait(t), b.tab, b.conv, "Sales"); err != nil {
		t.Fatal(err)
	}
	all := b.until(t, "the visitor's answer", func(all []chatclient.Message) bool {
		return len(all) > 0 && all[len(all)-1].Author.Type == "visitor"
	})
	// Nothing after the visitor's message: the thread is read whole.
	th, err := agent.Agent.Get(wait(t), b.conv)
	if err != nil {
		t.Fatal(err)
	}
	if last := th.Messages[len(th.Messages)-1]; last.Seq != all[len(all)-1].Seq || last.Author.Type != "visitor" {
		t.Errorf("thread ends %s, want the visitor's message", bodies(th.Messages))
	}
	if s := botState(t, agent.Agent, b.conv); s.Running || s.Outcome != chat.BotTakenOver {
		t.Errorf("bot state %+v, want stopped by the takeover", s)
	}
}

// TestBotDuplicateFrame: the same answer frame sent twice (same client
// id) is stored once, and the bot answers it once.
func TestBotDuplicateFrame(t *testing.T) {
	admin := newAgent(t, "alice")
	channel, agent, _ := botChannel(t, admin, botFlow("How many seats?"))
	b := openBot(t, channel)
	b.asked(t, 0)
	id := uuid.NewString()
	for range 2 {
		if err := chatclient.SendMessageWithID(wait(t), b.tab, id, b.conv, "Sales"); err != nil {
			t.Fatal(err)
		}
	}
	// Each frame is answered (the repeat with the stored message again):
	// two echoes of the client id, then the thread is read.
	echoes := 0
	for echoes < 2 {
		f, err := b.tab.Next(wait(t), chatclient.IsType("message", b.conv))
		if err != nil {
			t.Fatalf("echoes of the answer: %d, %v", echoes, err)
		}
		if mustMsg(t, f).ClientID == id {
			echoes++
		}
	}
	th, err := agent.Agent.Get(wait(t), b.conv)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bot: Hi! I am Robin.", "bot: What brings you here?", "visitor: Sales", "bot: How many seats?"}
	if diff := cmp.Diff(want, bodies(th.Messages)); diff != "" {
		t.Errorf("thread after a duplicate frame (-want +got):\n%s", diff)
	}
}

// TestBotFlowVersions: a flow edited while a conversation runs does not
// change it (it keeps version 1); a new conversation runs version 2.
func TestBotFlowVersions(t *testing.T) {
	admin := newAgent(t, "alice")
	channel, agent, _ := botChannel(t, admin, botFlow("How many seats?"))
	running := openBot(t, channel)
	running.asked(t, 0)

	saved := setFlows(t, admin, channel, botFlow("How many people will use it?"))
	if v := saved[0].(map[string]any)["version"]; v != float64(2) {
		t.Fatalf("edited flow saved as version %v, want 2", v)
	}
	if q := running.answer(t, "Sales"); q.Body != "How many seats?" {
		t.Errorf("the running conversation asked %q, want version 1's question", q.Body)
	}
	fresh := openBot(t, channel)
	fresh.asked(t, 0)
	if q := fresh.answer(t, "Sales"); q.Body != "How many people will use it?" {
		t.Errorf("a new conversation asked %q, want version 2's question", q.Body)
	}
	if s := botState(t, agent.Agent, running.conv); s.Version != 1 {
		t.Errorf("running conversation on version %d", s.Version)
	}
	if s := botState(t, agent.Agent, fresh.conv); s.Version != 2 {
		t.Errorf("new conversation on version %d", s.Version)
	}
	// Saving the same flow again makes no version.
	if v := setFlows(t, admin, channel, botFlow("How many people will use it?"))[0].(map[string]any)["version"]; v != float64(2) {
		t.Errorf("an unchanged flow saved as version %v, want 2", v)
	}
}

// TestBotFlowValidation: a flow with a dead end or an unreachable step is
// refused, naming the step, and nothing is saved.
func TestBotFlowValidation(t *testing.T) {
	admin := newAgent(t, "alice")
	ch := newChannel(t, admin, "Flows "+uuid.NewString()[:8])
	deadEnd := botFlow("Seats?")
	deadEnd["steps"].([]map[string]any)[1]["next"] = ""
	unreachable := botFlow("Seats?")
	unreachable["steps"] = append(unreachable["steps"].([]map[string]any), map[string]any{"id": "orphan", "type": "message", "text": "never said", "next": "done"})
	tests := []struct {
		name  string
		flow  map[string]any
		field string
		says  string
	}{
		{"dead end", deadEnd, "chatflows[0].steps[1].next", `step "seats" leads nowhere`},
		{"unreachable step", unreachable, "chatflows[0].steps[7]", `step "orphan" is unreachable`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := channelDoc{}
			for k, v := range ch {
				doc[k] = v
			}
			doc["chatflows"] = []any{tt.flow}
			fields := refusedSave(t, admin, ch["id"].(string), doc)
			found := false
			for _, f := range fields {
				found = found || (f.Field == tt.field && strings.Contains(f.Message, tt.says))
			}
			if !found {
				t.Errorf("fields %+v, want %s: %s", fields, tt.field, tt.says)
			}
			var stored channelDoc
			if err := admin.Call(wait(t), http.MethodGet, "/agent/settings/channels/"+ch["id"].(string), nil, &stored); err != nil {
				t.Fatal(err)
			}
			if fl, _ := stored["chatflows"].([]any); len(fl) != 0 {
				t.Errorf("a refused flow was saved: %v", fl)
			}
		})
	}
}

// TestBotSessionTimeout: a visitor who answers the bot once and leaves
// is closed by the flow's session timeout (5 minutes), not the channel's
// inactivity timeout (30), and gets no transcript: only the bot spoke,
// though transcripts are on and the address is confirmed.
func TestBotSessionTimeout(t *testing.T) {
	admin := newAgent(t, "alice")
	flow := botFlow("How many seats?")
	flow["sessionMinutes"] = 5
	channel, agent, _ := botChannel(t, admin, flow)
	var ch channelDoc
	if err := admin.Call(wait(t), http.MethodGet, "/agent/settings/channels/"+channel, nil, &ch); err != nil {
		t.Fatal(err)
	}
	ch["email"].(map[string]any)["transcriptOnClose"] = true
	ch["inactivity"] = map[string]any{"timeoutMinutes": 30, "warningMinutes": 0, "warningText": ""}
	putChannel(t, admin, ch)
	pastTheCaches(t)

	b := openBot(t, channel)
	b.asked(t, 0)
	b.answer(t, "Sales")
	addr := "bot-" + uuid.NewString()[:8] + "@visitor.test"
	giveAddress(t, b.v, addr)
	confirmAddress(t, addr)

	advance(t, 4*time.Minute)
	sweep(t)
	if th := getThread(t, agent.Agent, b.conv); th.Conversation.Status != "open" {
		t.Fatalf("closed before the session timeout: %+v", th.Conversation)
	}
	advance(t, time.Minute+time.Second)
	sweep(t)
	f, err := b.tab.Next(wait(t), isEvent(b.conv, "closed"))
	if err != nil {
		t.Fatalf("no close after the session timeout: %v", err)
	}
	if got := eventType(mustMsg(t, f)); got != "closed/inactivity" {
		t.Errorf("closed as %q", got)
	}
	if s := botState(t, agent.Agent, b.conv); s.Running || s.Outcome != "" {
		t.Errorf("bot state %+v, want stopped, without an outcome (bot only)", s)
	}
	eventually(t, "the close delivered to the transcript consumer", func() error {
		if _, statuses := closedDeliveries(t, b.conv); !slices.Equal(statuses, []string{"delivered"}) {
			return fmt.Errorf("deliveries %v", statuses)
		}
		return nil
	})
	if got := mailTo(t, addr, email.DefaultTranscriptSubject); len(got) != 0 {
		t.Errorf("%d transcripts of a bot-only conversation, want none", len(got))
	}
}

// TestStartBotRefused: only a visitor starts a bot, and only on a channel
// whose chatflow is one; a refusal stores nothing.
func TestStartBotRefused(t *testing.T) {
	visitor := connect(t, newVisitor(t)) // the main channel: live chat
	agent := connect(t, newAgent(t, "alice"))
	for _, tt := range []struct {
		name string
		tab  *chatclient.Socket
	}{{"a visitor of a channel without a bot", visitor}, {"an agent", agent}} {
		t.Run(tt.name, func(t *testing.T) {
			id := uuid.NewString()
			if err := chatclient.StartBot(wait(t), tt.tab, id, ""); err != nil {
				t.Fatal(err)
			}
			f, err := tt.tab.Next(wait(t), func(f chatclient.Frame) bool { return f.Type == "error" || f.Type == "message" })
			if err != nil || f.Type != "error" || f.Code != "invalid_request" || f.ClientID != id {
				t.Errorf("answer %s, %v; want invalid_request for the client id", f.Raw, err)
			}
		})
	}
}
