package e2e

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/backfill"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/reports"
)

// pricingFlow is a bot with a branch that ends (the prices, then end)
// and one that asks the visitor's name and hands over.
func pricingFlow() map[string]any {
	return map[string]any{
		"id": "pricing", "name": "Pricing", "kind": "bot", "welcome": "Hi! I am Robin.",
		"bot": map[string]any{"name": "Robin"}, "sessionMinutes": 5,
		"steps": []map[string]any{
			{"id": "topic", "type": "buttons", "text": "What brings you here?", "save": "topic",
				"buttons": []map[string]any{{"label": "Prices", "next": "prices"}, {"label": "Talk to us", "next": "name"}}},
			{"id": "name", "type": "text", "text": "Your name?", "save": "name", "next": "handover"},
			{"id": "prices", "type": "message", "text": "Our prices are at /pricing.", "next": "done"},
			{"id": "handover", "type": "handover", "text": "Passing you to the team.", "away": "away"},
			{"id": "away", "type": "message", "text": "Nobody is in; we will write to you.", "next": "done"},
			{"id": "done", "type": "end"},
		},
	}
}

// TestReportsOfBotConversations: on a channel whose bot ends one branch
// and hands the other over, with transcripts on, three visitors: one
// the bot answers and ends (closed with reason bot, no transcript: only
// the bot spoke), one handed over after three minutes with the bot and
// answered 40 s after the handover, one who leaves the bot (its session
// timeout). The inbox's report counts three new chats the bot started,
// one handed over, one resolved and one left with the bot, a close of
// each reason, nothing missed, and the one first response from the
// handover, not from the visitor's first answer to the bot. Every event
// published again changes nothing, and the backfill gives back the same
// reports from the seq streams.
func TestReportsOfBotConversations(t *testing.T) {
	admin := newAgent(t, "alice")
	tag := strings.ToLower(rand.Text()[:6])
	inbox, channel := newInbox(t, admin, "Bot report "+tag)
	agent := inviteMember(t, admin, "Bo "+tag, inbox)
	setInbox(t, admin, inbox, "Bot report "+tag, []member{agent}, "round_robin", 5)
	var ch channelDoc
	if err := admin.Call(wait(t), http.MethodGet, "/agent/settings/channels/"+channel, nil, &ch); err != nil {
		t.Fatal(err)
	}
	ch["email"].(map[string]any)["transcriptOnClose"] = true
	ch["chatflows"] = []any{pricingFlow()}
	putChannel(t, admin, ch)
	pastTheCaches(t)
	connect(t, agent.Agent) // an inbox socket: available for routing

	// Resolved by the bot: the prices, then the end step closes it.
	ended := openBot(t, channel)
	ended.asked(t, 0)
	addr := "bot-" + uuid.NewString()[:8] + "@visitor.test"
	giveAddress(t, ended.v, addr)
	confirmAddress(t, addr)
	if m := ended.answer(t, "Prices"); eventType(m) != "closed/bot" {
		t.Fatalf("after the prices: %+v, want the close by the bot", m)
	}
	want := []string{"bot: Hi! I am Robin.", "bot: What brings you here?", "visitor: Prices", "bot: Our prices are at /pricing.", "bot: [closed]"}
	if diff := cmp.Diff(want, bodies(ended.all())); diff != "" {
		t.Errorf("the ended thread (-want +got):\n%s", diff)
	}
	if th := getThread(t, agent.Agent, ended.conv); th.Conversation.Status != "closed" {
		t.Errorf("the ended conversation is %s", th.Conversation.Status)
	}
	eventually(t, "the bot's close delivered to the transcript consumer", func() error {
		if _, statuses := closedDeliveries(t, ended.conv); !slices.Equal(statuses, []string{"delivered"}) {
			return fmt.Errorf("deliveries %v", statuses)
		}
		return nil
	})
	if got := mailTo(t, addr, email.DefaultTranscriptSubject); len(got) != 0 {
		t.Errorf("%d transcripts of a conversation the bot ended, want none", len(got))
	}

	// Handed over after three minutes with the bot (the visitor's first
	// answer, then their name); the agent routing gives it to answers
	// 40 s after the handover and closes 60 s later.
	handed := openBot(t, channel)
	handed.asked(t, 0)
	if q := handed.answer(t, "Talk to us"); q.Body != "Your name?" {
		t.Fatalf("after talk to us: %+v, want the name asked", q)
	}
	advance(t, 3*time.Minute)
	if m := handed.answer(t, "Ana"); !entryIs(m, "handed_over") {
		t.Fatalf("after the name: %+v, want the handover", m)
	}
	handed.firstAssignee(t, "an assignment after the handover")
	advance(t, 40*time.Second)
	if _, err := agent.Agent.Reply(wait(t), handed.conv, "Hi, I am Bo. How can I help?"); err != nil {
		t.Fatal(err)
	}
	advance(t, time.Minute)
	if _, err := agent.Agent.Act(wait(t), handed.conv, "close", map[string]string{}); err != nil {
		t.Fatal(err)
	}

	// Left with the bot: its session timeout closes it.
	left := openBot(t, channel)
	left.asked(t, 0)
	advance(t, 5*time.Minute+time.Second)
	sweep(t)
	if _, err := left.tab.Next(wait(t), isEvent(left.conv, "closed")); err != nil {
		c, cerr := chatStore(t).Conversation(t.Context(), left.conv)
		t.Fatalf("no close after the bot's session timeout: %v; at %s the conversation is %s, its timer %s (%s), listed %s, bot %+v (%v)",
			err, cloud.Now().UTC(), c.Status, c.TimerAt, c.TimerStage, c.TimerListedAt, c.Bot, cerr)
	}

	convs := []string{ended.conv, handed.conv, left.conv}
	reportsSettled(t, convs)
	sec := func(v int64) *int64 { return &v }
	// 40 s from the handover (not 3 min 40 s from the first answer to the
	// bot), as much from the assignment routing made at the handover.
	answered := reports.Timing{Count: 1, Median: sec(45), P90: sec(45)}
	// 100 s from the handover to the close.
	closed := reports.Timing{Count: 1, Median: sec(120), P90: sec(120)}
	wantInbox := plainHours(reports.Summary{
		New:           reports.Volume{Chat: 3},
		Closed:        reports.Closes{Agent: 1, Inactivity: 1, Bot: 1},
		Bot:           reports.Bot{Started: 3, HandedOver: 1, Resolved: 1, Abandoned: 1},
		FirstResponse: answered, FirstResponseFromAssignment: answered, ReplyTime: answered, TimeToClose: closed,
	})
	got := readReport(t, admin, "inbox", inbox)
	if diff := cmp.Diff(wantInbox, withoutAverages(got.Total)); diff != "" {
		t.Errorf("inbox report (-want +got):\n%s", diff)
	}
	if a := got.Total.FirstResponse.Average; a == nil || *a < 40 || *a > 45 {
		t.Errorf("first response average = %v, want 40 s (+ the requests' time)", a)
	}
	wantAgent := plainHours(reports.Summary{Closed: reports.Closes{Agent: 1},
		FirstResponse: answered, FirstResponseFromAssignment: answered, ReplyTime: answered, TimeToClose: closed})
	gotAgent := readReport(t, admin, "agent", agent.ID)
	if diff := cmp.Diff(wantAgent, withoutAverages(gotAgent.Total)); diff != "" {
		t.Errorf("agent report (-want +got):\n%s", diff)
	}

	// Every event again, newest first: counted once.
	replayReversed(t, convs)
	reportsSettled(t, convs)
	if diff := cmp.Diff(got, readReport(t, admin, "inbox", inbox)); diff != "" {
		t.Errorf("report after the events came again (-before +after):\n%s", diff)
	}

	// The rollups and states gone, the backfill makes the same again
	// from the seq streams.
	forget(t, "REPORT#inbox#"+inbox)
	forget(t, "REPORT#agent#"+agent.ID)
	for _, c := range convs {
		forget(t, "RCONV#"+c)
	}
	st, zone, rec := backfillRecorder(t)
	today := cloud.Now().In(zone)
	p, err := backfill.Run(wait(t), st, rec, backfill.Options{From: today.AddDate(0, 0, -1).Format(time.DateOnly), To: today.Format(time.DateOnly),
		Zone: zone, PageSize: 10, Inboxes: []string{inbox}}, func(backfill.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	if p.Conversations != len(convs) {
		t.Errorf("backfill saw %d conversations, want %d", p.Conversations, len(convs))
	}
	if diff := cmp.Diff(got, readReport(t, admin, "inbox", inbox)); diff != "" {
		t.Errorf("inbox report after the backfill (-live +backfill):\n%s", diff)
	}
	if diff := cmp.Diff(gotAgent, readReport(t, admin, "agent", agent.ID)); diff != "" {
		t.Errorf("agent report after the backfill (-live +backfill):\n%s", diff)
	}
}

// plainHours sets the business-hours times of s to its wall-clock ones:
// what a channel without opening hours measures.
func plainHours(s reports.Summary) reports.Summary {
	s.BusinessHours = reports.Times{FirstResponse: s.FirstResponse, FirstResponseFromAssignment: s.FirstResponseFromAssignment,
		ReplyTime: s.ReplyTime, TimeToClose: s.TimeToClose}
	return s
}
