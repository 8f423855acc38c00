package chat_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/chatflow"
)

// botConn is the connection of a visitor of the channel "main" in botEnv.
const botConn = "botconn"

// botEnv is newEnv with the channel ch as "main" (a bot's flows, its
// timer, its hours), a visitor of it connected as botConn and a clock
// the test moves.
func botEnv(t *testing.T, ch chat.Channel) (*env, *time.Time) {
	t.Helper()
	e := newEnv(t)
	now := t0
	e.svc = newService(t, e.store, e.push, chat.Options{ChannelID: "main", Channels: chat.StaticChannels{"main": ch},
		AgentInboxes: []string{"main"}, Now: func() time.Time { return now }})
	v := chat.Principal{Role: chat.RoleVisitor, ID: "33333333-3333-4333-8333-333333333333", ChannelID: "main"}
	if err := e.store.SaveConnection(t.Context(), chat.Connection{ID: botConn, Principal: v}); err != nil {
		t.Fatal(err)
	}
	return e, &now
}

// closedHours is a schedule with no opening hours: nobody is ever
// available.
func closedHours(t *testing.T) *availability.Schedule {
	t.Helper()
	s, err := availability.New(availability.Settings{Mode: availability.Hours, TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// botFlow is a bot of the channel "main" with these steps.
func botFlow(sessionMinutes int, steps ...chatflow.Step) chatflow.Flow {
	return chatflow.Flow{ID: "greeter", Name: "Greeter", Version: 1, Kind: chatflow.KindBot, Welcome: "Hi! I am Robin.",
		Bot: chatflow.Persona{Name: "Robin"}, SessionMinutes: sessionMinutes, Steps: steps}
}

// events lists the conversation's events in the seq stream, a close
// with its reason ("closed bot").
func (e *env) events(t *testing.T, conversationID string) []string {
	t.Helper()
	msgs, _, err := e.store.Messages(t.Context(), chat.MessageQuery{ConversationID: conversationID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if m.Event != nil {
			out = append(out, strings.TrimSpace(string(m.Event.Type)+" "+m.Event.Reason))
		}
	}
	return out
}

// TestBotEndClosesOnlyWhatItHolds: an end step closes the conversation
// (closed, reason bot) only when the bot never handed it over. An away
// branch that reaches its end, after a handover while nobody is
// available, leaves the conversation open and queued for the team, with
// no close in its stream, whether the handover comes with an answer or
// at the start.
func TestBotEndClosesOnlyWhatItHolds(t *testing.T) {
	handover := chatflow.Step{ID: "handover", Type: chatflow.StepHandover, Text: "Passing you to the team.", Away: "away"}
	away := chatflow.Step{ID: "away", Type: chatflow.StepMessage, Text: "Nobody is in; we will write to you.", Next: "done"}
	done := chatflow.Step{ID: "done", Type: chatflow.StepEnd}
	tests := []struct {
		name       string
		steps      []chatflow.Step
		nobody     bool
		answer     string // "": the start alone
		wantStatus chat.Status
		wantEvents []string
	}{
		{"an answer hands over and the away branch ends", []chatflow.Step{
			{ID: "problem", Type: chatflow.StepText, Text: "What went wrong?", Save: "problem", Next: "handover"}, handover, away, done,
		}, true, "My order is late", chat.StatusOpen, []string{"handed_over"}},
		{"the start hands over and the away branch ends", []chatflow.Step{handover, away, done},
			true, "", chat.StatusOpen, []string{"handed_over"}},
		{"an answer hands over while someone is available", []chatflow.Step{
			{ID: "problem", Type: chatflow.StepText, Text: "What went wrong?", Save: "problem", Next: "handover"}, handover, away, done,
		}, false, "My order is late", chat.StatusOpen, []string{"handed_over"}},
		{"an answer ends without a handover", []chatflow.Step{
			{ID: "problem", Type: chatflow.StepText, Text: "What went wrong?", Save: "problem", Next: "bye"},
			{ID: "bye", Type: chatflow.StepEnd, Text: "Thanks, bye."},
		}, false, "Nothing", chat.StatusClosed, []string{"closed bot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flow := botFlow(0, tt.steps...)
			if _, probs := chatflow.Check(flow, func(string) bool { return true }); len(probs) > 0 {
				t.Fatalf("flow: %v", probs)
			}
			ch := chat.Channel{InboxID: "main", Inactivity: chat.Inactivity{Timeout: 30 * time.Minute}, Flows: []chatflow.Flow{flow}}
			if tt.nobody {
				ch.Hours = closedHours(t)
			}
			e, _ := botEnv(t, ch)
			conv, _, err := e.svc.StartBot(t.Context(), botConn, uuid.NewString(), "greeter")
			if err != nil {
				t.Fatal(err)
			}
			if tt.answer != "" {
				if _, err := e.svc.SendFromConnection(t.Context(), botConn, chat.SendInput{ClientID: uuid.NewString(), ConversationID: conv.ID, Body: tt.answer}); err != nil {
					t.Fatal(err)
				}
			}
			c, err := e.store.Conversation(t.Context(), conv.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != tt.wantStatus {
				t.Errorf("status %s, want %s", c.Status, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantEvents, e.events(t, conv.ID)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if tt.wantStatus == chat.StatusOpen {
				if !chat.Waiting(c) || c.Bot.Running() {
					t.Errorf("waiting for the team %v, bot running %v; want waiting, stopped", chat.Waiting(c), c.Bot.Running())
				}
				if want := t0.Add(30 * time.Minute); !c.TimerAt.Equal(want) || c.TimerStage != chat.TimerClose {
					t.Errorf("timer %v %q, want the channel's: %v close", c.TimerAt, c.TimerStage, want)
				}
			}
		})
	}
}

// TestOrderedAnswers: the bot's answers come in the order the visitor
// gave them, which a name that looks like a number does not upset;
// answers stored before the order was kept follow in name order.
func TestOrderedAnswers(t *testing.T) {
	tests := []struct {
		name  string
		state chat.BotState
		want  []chat.BotAnswer
	}{
		{"none", chat.BotState{}, nil},
		{"in the order given", chat.BotState{
			Answers:     map[string]string{"topic": "Sales", "seats": "12", "2": "yes"},
			AnswerOrder: []string{"topic", "seats", "2"},
		}, []chat.BotAnswer{{Name: "topic", Value: "Sales"}, {Name: "seats", Value: "12"}, {Name: "2", Value: "yes"}}},
		{"stored before the order: name order", chat.BotState{
			Answers: map[string]string{"topic": "Sales", "email": "ana@example.com"},
		}, []chat.BotAnswer{{Name: "email", Value: "ana@example.com"}, {Name: "topic", Value: "Sales"}}},
		{"names the order lacks follow it", chat.BotState{
			Answers:     map[string]string{"topic": "Sales", "b": "2", "a": "1"},
			AnswerOrder: []string{"topic", "gone"},
		}, []chat.BotAnswer{{Name: "topic", Value: "Sales"}, {Name: "a", Value: "1"}, {Name: "b", Value: "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.state.OrderedAnswers()); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBotAwayBranchBackToItsHandover: an away branch that leads back to
// its handover runs once in a conversation: the address given, the bot
// says the handover's text again and stops, the conversation waiting for
// the team with one handover.
func TestBotAwayBranchBackToItsHandover(t *testing.T) {
	flow := botFlow(0,
		chatflow.Step{ID: "problem", Type: chatflow.StepText, Text: "What went wrong?", Save: "problem", Next: "handover"},
		chatflow.Step{ID: "handover", Type: chatflow.StepHandover, Text: "Passing you to the team.", Away: "away"},
		chatflow.Step{ID: "away", Type: chatflow.StepEmail, Text: "Nobody is in. Your address?", Save: "email", Next: "handover"},
	)
	e, _ := botEnv(t, chat.Channel{InboxID: "main", Inactivity: chat.Inactivity{Timeout: 30 * time.Minute}, Flows: []chatflow.Flow{flow}, Hours: closedHours(t)})
	conv, _, err := e.svc.StartBot(t.Context(), botConn, uuid.NewString(), "greeter")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"My order is late", "ana@example.com"} {
		if _, err := e.svc.SendFromConnection(t.Context(), botConn, chat.SendInput{ClientID: uuid.NewString(), ConversationID: conv.ID, Body: a}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := e.store.Conversation(t.Context(), conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Bot.Running() || !chat.Waiting(c) || c.Bot.Answers["email"] != "ana@example.com" {
		t.Errorf("bot waits for %q (want nothing), waiting for the team %v, answers %v", c.Bot.Wait, chat.Waiting(c), c.Bot.Answers)
	}
	msgs, _, err := e.store.Messages(t.Context(), chat.MessageQuery{ConversationID: conv.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if last := msgs[len(msgs)-1]; last.Author.Type != chat.RoleBot || last.Body != "Passing you to the team." {
		t.Errorf("last entry %s %q, want the bot's handover text", last.Author.Type, last.Body)
	}
	if diff := cmp.Diff([]string{"handed_over"}, e.events(t, conv.ID)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestAgentHandGivesTheChannelTimerBack: while the bot waits, the
// conversation's timer is the flow's session timeout (5 minutes, no
// warning); an agent's hand that stops the bot (a takeover, a reply, a
// routing assignment) gives it the channel's timer back, warning
// included, from the visitor's last activity, or none when the channel
// has no timeout. The old session deadline then closes nothing.
func TestAgentHandGivesTheChannelTimerBack(t *testing.T) {
	steps := []chatflow.Step{
		{ID: "topic", Type: chatflow.StepText, Text: "What brings you here?", Save: "topic", Next: "problem"},
		{ID: "problem", Type: chatflow.StepText, Text: "What went wrong?", Save: "problem", Next: "handover"},
		{ID: "handover", Type: chatflow.StepHandover, Text: "Passing you to the team.", Away: "email"},
		{ID: "email", Type: chatflow.StepEmail, Text: "Nobody is in. Your address?", Save: "email", Next: "done"},
		{ID: "done", Type: chatflow.StepEnd, Text: "We will write to you."},
	}
	channel := chat.Inactivity{Timeout: 30 * time.Minute, Warning: 5 * time.Minute}
	takeOver := func(t *testing.T, e *env, id string) error {
		_, err := e.svc.TakeOver(t.Context(), ann, id, "")
		return err
	}
	tests := []struct {
		name    string
		timer   chat.Inactivity
		session int
		// answers are the visitor's, a minute apart from t0+1m: the last
		// is the visitor's last activity, which the timers run from.
		answers   []string
		hand      func(t *testing.T, e *env, conversationID string) error
		wantAt    time.Duration // after the last answer; 0: no timer
		wantStage chat.TimerStage
	}{
		{"a takeover", channel, 5, []string{"Sales"}, takeOver, 25 * time.Minute, chat.TimerWarn},
		{"an agent's reply", channel, 5, []string{"Sales"},
			func(t *testing.T, e *env, id string) error {
				_, _, err := e.svc.Reply(t.Context(), ann, id, chat.SendInput{ClientID: uuid.NewString(), Body: "Hi, I'm Ann."})
				return err
			},
			25 * time.Minute, chat.TimerWarn},
		{"routing's assignment while the away branch asks", channel, 5, []string{"Sales", "Broken"},
			func(t *testing.T, e *env, id string) error {
				_, err := e.svc.AssignWaiting(t.Context(), "main", id, chat.Agent{ID: "ann", DisplayName: "Ann", Inboxes: []string{"main"}}, chat.Claim{Capacity: 1})
				return err
			},
			25 * time.Minute, chat.TimerWarn},
		{"a channel without a timeout", chat.Inactivity{}, 5, []string{"Sales"}, takeOver, 0, ""},
		{"a bot without a session timeout keeps the channel's", channel, 0, []string{"Sales"}, takeOver, 25 * time.Minute, chat.TimerWarn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, now := botEnv(t, chat.Channel{InboxID: "main", Inactivity: tt.timer, Flows: []chatflow.Flow{botFlow(tt.session, steps...)}, Hours: closedHours(t)})
			conv, _, err := e.svc.StartBot(t.Context(), botConn, uuid.NewString(), "greeter")
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range tt.answers {
				*now = t0.Add(time.Duration(i+1) * time.Minute)
				if _, err := e.svc.SendFromConnection(t.Context(), botConn, chat.SendInput{ClientID: uuid.NewString(), ConversationID: conv.ID, Body: a}); err != nil {
					t.Fatal(err)
				}
			}
			last := time.Duration(len(tt.answers)) * time.Minute
			c, err := e.store.Conversation(t.Context(), conv.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Bot.Running() {
				t.Fatalf("the bot should still wait; it is %+v", c.Bot)
			}
			if tt.session > 0 {
				if want := t0.Add(last + 5*time.Minute); !c.TimerAt.Equal(want) || c.TimerStage != chat.TimerClose {
					t.Fatalf("while the bot waits: timer %v %q, want the session's, %v close", c.TimerAt, c.TimerStage, want)
				}
			}

			*now = t0.Add(last + 2*time.Minute)
			if err := tt.hand(t, e, conv.ID); err != nil {
				t.Fatal(err)
			}
			c, err = e.store.Conversation(t.Context(), conv.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Bot.Running() {
				t.Fatal("the agent's hand left the bot waiting")
			}
			var want time.Time
			if tt.wantAt > 0 {
				want = t0.Add(last + tt.wantAt)
			}
			if !c.TimerAt.Equal(want) || c.TimerStage != tt.wantStage {
				t.Errorf("after the agent's hand: timer %v %q, want %v %q", c.TimerAt, c.TimerStage, want, tt.wantStage)
			}

			*now = t0.Add(last + 6*time.Minute)
			if out, err := e.svc.Expire(t.Context(), conv.ID); err != nil || out != chat.ExpireNone {
				t.Errorf("expire past the session's deadline = %s, %v; want none", out, err)
			}
		})
	}
}

// TestBotAnswersReachATabThatDoesNotFollow: a visitor's tab that answers
// the bot before it follows the conversation (its socket just
// reconnected, its resume not handled yet) hears its answer and what the
// bot says next. The echo of its answer lets its widget send on, so
// nothing resends it: a bot entry that reached only the tabs that follow
// would reach this one no more, and the visitor would wait for a question
// already asked.
func TestBotAnswersReachATabThatDoesNotFollow(t *testing.T) {
	flow := botFlow(0,
		chatflow.Step{ID: "problem", Type: chatflow.StepText, Text: "What went wrong?", Save: "problem", Next: "seats"},
		chatflow.Step{ID: "seats", Type: chatflow.StepText, Text: "How many seats?", Save: "seats", Next: "problem"},
	)
	e, _ := botEnv(t, chat.Channel{InboxID: "main", Inactivity: chat.Inactivity{Timeout: 30 * time.Minute}, Flows: []chatflow.Flow{flow}})
	conv, _, err := e.svc.StartBot(t.Context(), botConn, uuid.NewString(), "greeter")
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.store.Connection(t.Context(), botConn)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.SaveConnection(t.Context(), chat.Connection{ID: "bottab2", Principal: v.Principal}); err != nil {
		t.Fatal(err)
	}
	e.push.take()
	if _, err := e.svc.SendFromConnection(t.Context(), "bottab2", chat.SendInput{ClientID: uuid.NewString(), ConversationID: conv.ID, Body: "My order is late"}); err != nil {
		t.Fatal(err)
	}
	var heard []string
	for _, f := range e.push.take()["bottab2"] {
		if mf, ok := f.(chat.MessageFrame); ok {
			heard = append(heard, string(mf.Message.Author.Type)+": "+mf.Message.Body)
		}
	}
	want := []string{"visitor: My order is late", "bot: How many seats?"}
	if diff := cmp.Diff(want, heard); diff != "" {
		t.Errorf("the tab heard (-want +got):\n%s", diff)
	}
}
