package reports_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/reports"
)

// bot is the bot's first message, which starts a bot conversation.
func (s *script) bot(at time.Time) *script {
	return s.add(reports.KindBot, at, func(e *reports.Entry) { e.Channel = "chat" })
}
func (s *script) handover(at time.Time) *script { return s.add(reports.KindHandedOver, at, nil) }

// botScripts are conversations a bot started, each with what its inbox
// counts: the bot's time is in no time metric, and a conversation no
// person took part in is neither missed nor measured.
func botScripts() []struct {
	name string
	s    *script
	want reports.Summary
} {
	return []struct {
		name string
		s    *script
		want reports.Summary
	}{
		{"handed over after five minutes with the bot",
			(&script{cid: "b1", inbox: "main"}).bot(at(0, 0)).visitor(at(0, 10)).visitor(at(5, 0)).handover(at(5, 0)).
				assign(at(5, 1), "alice").reply(at(5, 40), "alice").close(at(10, 0), "agent"),
			plainHours(reports.Summary{
				New: reports.Volume{Chat: 1}, Closed: reports.Closes{Agent: 1},
				Bot: reports.Bot{Started: 1, HandedOver: 1},
				// 40 s from the handover, not 5 min 40 s from the first
				// answer to the bot; 39 s from the assignment.
				FirstResponse: timing(1, 40, 45, 45), FirstResponseFromAssignment: timing(1, 39, 45, 45),
				ReplyTime: timing(1, 40, 45, 45),
				// From the handover to the close.
				TimeToClose: timing(1, 300, 420, 420),
			})},
		{"ended by the bot",
			(&script{cid: "b2", inbox: "main"}).bot(at(20, 0)).visitor(at(20, 10)).close(at(20, 10), "bot"),
			plainHours(reports.Summary{New: reports.Volume{Chat: 1}, Closed: reports.Closes{Bot: 1}, Bot: reports.Bot{Started: 1, Resolved: 1}})},
		{"left with the bot",
			(&script{cid: "b3", inbox: "main"}).bot(at(30, 0)).visitor(at(30, 5)).close(at(60, 5), "inactivity"),
			plainHours(reports.Summary{New: reports.Volume{Chat: 1}, Closed: reports.Closes{Inactivity: 1}, Bot: reports.Bot{Started: 1, Abandoned: 1}})},
		{"taken over: measured from the visitor's first message after the takeover",
			(&script{cid: "b4", inbox: "main"}).bot(at(70, 0)).visitor(at(70, 5)).assign(at(71, 0), "bob").
				visitor(at(71, 30)).reply(at(72, 0), "bob").close(at(75, 0), "agent"),
			plainHours(reports.Summary{
				New: reports.Volume{Chat: 1}, Closed: reports.Closes{Agent: 1}, Bot: reports.Bot{Started: 1},
				FirstResponse: timing(1, 30, 45, 45), FirstResponseFromAssignment: timing(1, 30, 45, 45), ReplyTime: timing(1, 30, 45, 45),
				TimeToClose: timing(1, 240, 300, 300),
			})},
		{"handed over at once: measured from the visitor's first message",
			(&script{cid: "b5", inbox: "main"}).bot(at(80, 0)).handover(at(80, 0)).visitor(at(82, 0)).reply(at(82, 20), "bob"),
			plainHours(reports.Summary{
				New: reports.Volume{Chat: 1}, Bot: reports.Bot{Started: 1, HandedOver: 1},
				FirstResponse: timing(1, 20, 30, 30), ReplyTime: timing(1, 20, 30, 30),
			})},
		{"handed over and never answered: missed",
			(&script{cid: "b6", inbox: "main"}).bot(at(90, 0)).visitor(at(90, 10)).handover(at(90, 10)).close(at(120, 10), "inactivity"),
			plainHours(reports.Summary{
				New: reports.Volume{Chat: 1}, Closed: reports.Closes{Inactivity: 1}, Missed: 1, Bot: reports.Bot{Started: 1, HandedOver: 1},
				TimeToClose: timing(1, 1800, 2700, 2700),
			})},
		{"a bot's close after its handover closes nothing: the team has the conversation",
			// Stored before chat wrote the close only when the bot closed:
			// the away branch reached its end in the turn that handed over.
			(&script{cid: "b8", inbox: "main"}).bot(at(140, 0)).visitor(at(140, 10)).handover(at(141, 0)).close(at(141, 0), "bot").
				assign(at(141, 1), "alice").reply(at(141, 40), "alice").close(at(145, 0), "agent"),
			plainHours(reports.Summary{
				New: reports.Volume{Chat: 1}, Closed: reports.Closes{Agent: 1},
				Bot:           reports.Bot{Started: 1, HandedOver: 1},
				FirstResponse: timing(1, 40, 45, 45), FirstResponseFromAssignment: timing(1, 39, 45, 45),
				ReplyTime:   timing(1, 40, 45, 45),
				TimeToClose: timing(1, 240, 300, 300),
			})},
		{"an agent's reply stops the bot: no first response, the visitor had asked no one",
			(&script{cid: "b7", inbox: "main"}).bot(at(130, 0)).visitor(at(130, 5)).reply(at(131, 0), "bob").
				visitor(at(132, 0)).reply(at(133, 0), "bob").close(at(134, 0), "agent"),
			plainHours(reports.Summary{
				New: reports.Volume{Chat: 1}, Closed: reports.Closes{Agent: 1}, Bot: reports.Bot{Started: 1},
				ReplyTime: timing(1, 60, 90, 90), TimeToClose: timing(1, 180, 240, 240),
			})},
	}
}

func TestBotConversations(t *testing.T) {
	for _, tt := range botScripts() {
		t.Run(tt.name, func(t *testing.T) {
			c := reports.Conversation{InboxID: "main"}
			for _, ev := range tt.s.events {
				c.Add(ev.Entry)
			}
			got := c.Rollups(rome, nil)
			if diff := cmp.Diff(tt.want, reports.Summarize(got[reports.Key{Dim: reports.DimInbox, ID: "main", Day: "2026-12-07"}])); diff != "" {
				t.Errorf("inbox (-want +got):\n%s", diff)
			}
			for k, cs := range got {
				if k.Dim == reports.DimAgent && (cs[reports.BotStarted] != 0 || cs[reports.ClosedBot] != 0) {
					t.Errorf("agent %s counts the bot: %v", k.ID, cs)
				}
			}
		})
	}
}

// The bot's conversations recorded shuffled, every event twice, add up to
// what they add in order.
func TestRecordBotConversationsTwiceShuffled(t *testing.T) {
	var events []reports.Event
	var want reports.Counters
	for _, tt := range botScripts() {
		events = append(events, tt.s.events...)
		c := reports.Conversation{InboxID: "main"}
		for _, ev := range tt.s.events {
			c.Add(ev.Entry)
		}
		for k, cs := range c.Rollups(rome, nil) {
			if k.Dim == reports.DimInbox {
				want = addCounters(want, cs)
			}
		}
	}
	rng := rand.New(rand.NewPCG(15, 15))
	twice := append(append([]reports.Event(nil), events...), events...)
	rng.Shuffle(len(twice), func(i, j int) { twice[i], twice[j] = twice[j], twice[i] })
	st := newMemStore()
	rec, err := reports.NewRecorder(st, rome, hoursOf{})
	if err != nil {
		t.Fatal(err)
	}
	recorded := 0
	for _, ev := range twice {
		ok, err := rec.Record(t.Context(), ev)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			recorded++
		}
	}
	if recorded != len(events) {
		t.Errorf("recorded %d events, want %d", recorded, len(events))
	}
	rd, err := reports.NewReader(st, st)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rd.Report(t.Context(), reports.DimInbox, "main", "2026-12-07", "2026-12-07")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(reports.Summarize(want), got.Total); diff != "" {
		t.Errorf("total (-in order +shuffled twice):\n%s", diff)
	}
	if got.Total.Bot != (reports.Bot{Started: 8, HandedOver: 4, Resolved: 1, Abandoned: 1}) {
		t.Errorf("bot numbers %+v", got.Total.Bot)
	}
}

func addCounters(sum, c reports.Counters) reports.Counters {
	if sum == nil {
		sum = reports.Counters{}
	}
	for k, v := range c {
		sum[k] += v
	}
	return sum
}
