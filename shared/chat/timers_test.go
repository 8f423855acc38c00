package chat_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// timerEnv is newEnv with a clock the test moves and the given timer.
func timerEnv(t *testing.T, in chat.Inactivity) (*env, *time.Time) {
	t.Helper()
	e := newEnv(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	e.svc = newService(t, e.store, e.push, chat.Options{ChannelID: "main", Channels: chat.StaticChannels{"main": {InboxID: "main", Inactivity: in}},
		AgentInboxes: []string{"main"}, Now: func() time.Time { return now }})
	return e, &now
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func TestTimerFollowsVisitorActivity(t *testing.T) {
	e, now := timerEnv(t, chat.Inactivity{Timeout: 30 * time.Minute, Warning: 2 * time.Minute})
	m := e.start(t)
	timer := func() (time.Time, chat.TimerStage) {
		c, err := e.store.Conversation(t.Context(), m.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		return c.TimerAt, c.TimerStage
	}
	check := func(step string, at time.Time, stage chat.TimerStage) {
		t.Helper()
		gotAt, gotStage := timer()
		if !gotAt.Equal(at) || gotStage != stage {
			t.Errorf("%s: timer = %v %q, want %v %q", step, gotAt, gotStage, at, stage)
		}
	}
	check("created", t0.Add(28*time.Minute), chat.TimerWarn)

	*now = t0.Add(10 * time.Minute)
	if _, _, err := e.svc.Reply(t.Context(), ann, m.ConversationID, chat.SendInput{ClientID: uuid.NewString(), Body: "hi"}); err != nil {
		t.Fatal(err)
	}
	check("agent reply leaves it", t0.Add(28*time.Minute), chat.TimerWarn)

	if _, err := e.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), ConversationID: m.ConversationID, Body: "ok"}); err != nil {
		t.Fatal(err)
	}
	check("visitor message resets it", t0.Add(38*time.Minute), chat.TimerWarn)

	if _, err := e.svc.Close(t.Context(), ann, m.ConversationID); err != nil {
		t.Fatal(err)
	}
	check("close stops it", time.Time{}, "")

	*now = t0.Add(20 * time.Minute)
	if _, err := e.svc.Reopen(t.Context(), ann, m.ConversationID); err != nil {
		t.Fatal(err)
	}
	check("reopen starts it", t0.Add(48*time.Minute), chat.TimerWarn)
}

func TestExpire(t *testing.T) {
	tests := []struct {
		name  string
		in    chat.Inactivity
		steps []struct {
			after time.Duration
			want  chat.ExpireOutcome
		}
		wantBody string
	}{
		{name: "warning then close", in: chat.Inactivity{Timeout: 30 * time.Minute, Warning: 2 * time.Minute},
			steps: []struct {
				after time.Duration
				want  chat.ExpireOutcome
			}{{27 * time.Minute, chat.ExpireNone}, {28 * time.Minute, chat.ExpireWarned}, {29 * time.Minute, chat.ExpireNone},
				{30 * time.Minute, chat.ExpireClosed}, {31 * time.Minute, chat.ExpireNone}},
			wantBody: "Are you still there? This chat closes in 2 minutes if there is no reply."},
		{name: "German warning", in: chat.Inactivity{Timeout: 10 * time.Minute, Warning: 5 * time.Minute, Language: "de"},
			steps: []struct {
				after time.Duration
				want  chat.ExpireOutcome
			}{{5 * time.Minute, chat.ExpireWarned}},
			wantBody: "Sind Sie noch da? Dieser Chat wird in 5 Minuten geschlossen, wenn keine Antwort kommt."},
		{name: "channel text", in: chat.Inactivity{Timeout: 10 * time.Minute, Warning: time.Minute, WarningText: "Closing in {minutes} min."},
			steps: []struct {
				after time.Duration
				want  chat.ExpireOutcome
			}{{9 * time.Minute, chat.ExpireWarned}},
			wantBody: "Closing in 1 min."},
		{name: "no warning", in: chat.Inactivity{Timeout: 10 * time.Minute},
			steps: []struct {
				after time.Duration
				want  chat.ExpireOutcome
			}{{9 * time.Minute, chat.ExpireNone}, {10 * time.Minute, chat.ExpireClosed}}},
		{name: "disabled", in: chat.Inactivity{},
			steps: []struct {
				after time.Duration
				want  chat.ExpireOutcome
			}{{24 * time.Hour, chat.ExpireNone}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, now := timerEnv(t, tt.in)
			m := e.start(t)
			for _, s := range tt.steps {
				*now = t0.Add(s.after)
				got, err := e.svc.Expire(t.Context(), m.ConversationID)
				if err != nil {
					t.Fatal(err)
				}
				if got != s.want {
					t.Fatalf("after %v: %s, want %s", s.after, got, s.want)
				}
				if got == chat.ExpireNone {
					continue
				}
				msgs := e.store.msgs[m.ConversationID]
				last := msgs[len(msgs)-1]
				if last.Author.Type != chat.RoleSystem || last.Kind != chat.KindEvent {
					t.Errorf("timer message = %+v", last)
				}
				switch got {
				case chat.ExpireWarned:
					if last.Event.Type != chat.EventWarning || last.Body != tt.wantBody {
						t.Errorf("warning = %q %q, want %q", last.Event.Type, last.Body, tt.wantBody)
					}
				case chat.ExpireClosed:
					if last.Event.Type != chat.EventClosed || last.Event.Reason != chat.CloseReasonInactivity {
						t.Errorf("close = %+v", last.Event)
					}
				}
				// Visitor tab and agents hear it.
				if frames := e.push.take(); len(frames) == 0 {
					t.Error("nothing pushed")
				}
			}
		})
	}
}

// TestExpireTwiceAtOnceClosesOnce stages two firings racing for the same
// seq: the loser decides again on the fresh state and changes nothing.
func TestExpireTwiceAtOnceClosesOnce(t *testing.T) {
	e, now := timerEnv(t, chat.Inactivity{Timeout: 10 * time.Minute})
	m := e.start(t)
	*now = t0.Add(time.Hour)
	var second chat.ExpireOutcome
	e.store.beforeTxn = func() {
		var err error
		if second, err = e.svc.Expire(t.Context(), m.ConversationID); err != nil {
			t.Error(err)
		}
	}
	first, err := e.svc.Expire(t.Context(), m.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if first != chat.ExpireNone || second != chat.ExpireClosed {
		t.Errorf("outcomes = %s, %s; want the inner one to close and the outer to see it closed", first, second)
	}
	closes := 0
	for _, msg := range e.store.msgs[m.ConversationID] {
		if msg.Event != nil && msg.Event.Type == chat.EventClosed {
			closes++
		}
	}
	if closes != 1 {
		t.Errorf("%d close events, want 1", closes)
	}
}

func TestWarningLanguages(t *testing.T) {
	seen := map[string]bool{}
	for _, lang := range chat.WarningLanguages() {
		text := chat.Inactivity{Warning: 2 * time.Minute, Language: lang}.WarningMessage()
		if !strings.Contains(text, "2") || seen[text] {
			t.Errorf("%s: %q", lang, text)
		}
		seen[text] = true
	}
}
