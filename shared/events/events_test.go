package events_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/events"
	"github.com/parleychat/parley/shared/store"
)

var update = flag.Bool("update", false, "rewrite docs/events/*.json from the code")

const (
	cid = "8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10"
	vid = "2f1d9c7e-6a53-4c1b-9d0e-5b8a7f3e2c11"
	aid = "a11ce000-0000-4000-8000-000000000001"
)

var at = time.Date(2026, 11, 21, 19, 42, 10, 123e6, time.UTC)

func stored(m chat.Message) store.StreamMessage {
	m.ConversationID, m.CreatedAt = cid, at
	return store.StreamMessage{Message: m, ChannelID: "main", InboxID: "main", VisitorID: vid}
}

var (
	visitor = chat.Author{Type: chat.RoleVisitor, ID: vid}
	alice   = chat.Author{Type: chat.RoleAgent, ID: aid, Name: "Alice Moreau"}
	system  = chat.Author{Type: chat.RoleSystem, ID: "inactivity"}
	robin   = chat.Author{Type: chat.RoleBot, Name: "Robin"}
)

// examples are the stored entries the documented examples come from: one
// per DetailType (and one per close reason and assignment change, and an
// agent's status change).
var examples = []struct {
	file       string
	detailType string
	evs        []events.Event
}{
	{"conversation.created.json", events.ConversationCreated, events.FromMessage(stored(chat.Message{Seq: 1, Kind: chat.KindText, Author: visitor, Body: "Hello, is anyone there?"}))},
	{"message.created.json", events.MessageCreated, events.FromMessage(stored(chat.Message{Seq: 3, Kind: chat.KindText, Author: alice, Body: "Hi! How can I help?"}))},
	{"message.created.email.json", events.MessageCreated, events.FromMessage(stored(chat.Message{Seq: 5, Kind: chat.KindText, Author: visitor, Body: "Thanks, the parcel arrived.",
		Channel: chat.ChannelEmail, MailID: "<CAF1x9@mail.visitor.test>"}))},
	{"conversation.assigned.json", events.ConversationAssigned, events.FromMessage(stored(chat.Message{Seq: 2, Kind: chat.KindEvent, Author: alice,
		Event: &chat.Event{Type: chat.EventAssigned, AgentID: aid, AgentName: "Alice Moreau"}}))},
	{"conversation.assigned.unassigned.json", events.ConversationAssigned, events.FromMessage(stored(chat.Message{Seq: 4, Kind: chat.KindEvent, Author: alice,
		Event: &chat.Event{Type: chat.EventUnassigned, AgentID: aid, AgentName: "Alice Moreau"}}))},
	{"conversation.closed.json", events.ConversationClosed, events.FromMessage(stored(chat.Message{Seq: 7, Kind: chat.KindEvent, Author: alice,
		Event: &chat.Event{Type: chat.EventClosed, Reason: chat.CloseReasonAgent, Survey: true}}))},
	{"conversation.closed.inactivity.json", events.ConversationClosed, events.FromMessage(stored(chat.Message{Seq: 9, Kind: chat.KindEvent, Author: system,
		Event: &chat.Event{Type: chat.EventClosed, Reason: chat.CloseReasonInactivity}}))},
	{"conversation.reopened.json", events.ConversationReopened, events.FromMessage(stored(chat.Message{Seq: 8, Kind: chat.KindEvent, Author: alice,
		Event: &chat.Event{Type: chat.EventReopened}}))},
	{"conversation.rated.json", events.ConversationRated, events.FromMessage(stored(chat.Message{Seq: 10, Kind: chat.KindEvent, Author: visitor,
		Event: &chat.Event{Type: chat.EventRated, Rating: &chat.Rating{Score: 4, Comment: "Quick and friendly, thanks."}}}))},
	{"message.created.note.json", events.MessageCreated, events.FromMessage(stored(chat.Message{Seq: 6, Kind: chat.KindNote, Author: alice,
		Body: "@Ben Okafor can you check the refund?", Mentions: []chat.Mention{{ID: "b0b00000-0000-4000-8000-000000000002", Name: "Ben Okafor"}}}))},
	{"conversation.handed_over.json", events.ConversationHandedOver, events.FromMessage(stored(chat.Message{Seq: 5, Kind: chat.KindEvent,
		Author: robin, Event: &chat.Event{Type: chat.EventHandedOver}}))},
	{"message.created.bot.json", events.MessageCreated, events.FromMessage(stored(chat.Message{Seq: 1, Kind: chat.KindText, Author: robin, Body: "Hi! I am Robin."}))},
	{"conversation.closed.bot.json", events.ConversationClosed, events.FromMessage(stored(chat.Message{Seq: 4, Kind: chat.KindEvent, Author: robin,
		Event: &chat.Event{Type: chat.EventClosed, Reason: chat.CloseReasonBot}}))},
	{"agent.status.json", events.AgentStatus, []events.Event{events.FromPresence(aid, chat.Presence{
		Sockets: []chat.AgentSocket{{ConnectionID: "Yk2fXcDcIAMCJ0A=", ExpiresAt: at.Add(2 * time.Hour)}},
	}, "000000000000000000042", at)}},
}

// envelope is an event as a rule's target receives it.
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// TestDocumentedExamples keeps docs/events/*.json and the code the same
// thing: each example's detail is exactly what the code publishes for the
// stored entry it describes (go test -update rewrites them).
func TestDocumentedExamples(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "events")
	covered := map[string]bool{}
	for _, ex := range examples {
		t.Run(ex.file, func(t *testing.T) {
			evs := ex.evs
			var got *events.Event
			for i := range evs {
				if evs[i].DetailType == ex.detailType {
					got = &evs[i]
				}
			}
			if got == nil {
				t.Fatalf("no %s event among %+v", ex.detailType, evs)
			}
			covered[got.DetailType] = true
			detail, err := json.MarshalIndent(got.Detail, "  ", "  ")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, ex.file)
			if *update {
				env := envelope{Version: "0", ID: "6a7e8feb-b491-4cf7-a9f1-bf3703467718", DetailType: got.DetailType,
					Source: events.Source, Account: "123456789012", Time: "2026-11-21T19:42:10Z", Region: "eu-west-1",
					Resources: []string{}, Detail: detail}
				b, _ := json.MarshalIndent(env, "", "  ")
				if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read example (go test ./shared/events -update writes it): %v", err)
			}
			var doc envelope
			dec := json.NewDecoder(bytesReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("%s is not an EventBridge event: %v", path, err)
			}
			if doc.Source != events.Source || doc.DetailType != ex.detailType {
				t.Errorf("source/detail-type = %q/%q, want %q/%q", doc.Source, doc.DetailType, events.Source, ex.detailType)
			}
			var want, have any
			if err := json.Unmarshal(doc.Detail, &want); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal(detail, &have)
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("%s differs from what the code publishes (-doc +code):\n%s", path, diff)
			}
		})
	}
	for _, dt := range events.DetailTypes() {
		if !covered[dt] {
			t.Errorf("no documented example for %s", dt)
		}
	}
}

// TestVisibility: a note's event is internal, every other event public,
// so that a consumer writing to visitors can keep to public events.
func TestVisibility(t *testing.T) {
	tests := []struct {
		name string
		msg  chat.Message
		want string
	}{
		{"visitor's message", chat.Message{Seq: 1, Kind: chat.KindText, Author: visitor, Body: "hi"}, events.VisibilityPublic},
		{"agent's reply", chat.Message{Seq: 2, Kind: chat.KindText, Author: alice, Body: "hello"}, events.VisibilityPublic},
		{"note", chat.Message{Seq: 3, Kind: chat.KindNote, Author: alice, Body: "internal"}, events.VisibilityInternal},
		{"close", chat.Message{Seq: 4, Kind: chat.KindEvent, Author: alice, Event: &chat.Event{Type: chat.EventClosed}}, events.VisibilityPublic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := events.FromMessage(stored(tt.msg))
			if len(evs) == 0 {
				t.Fatal("no event")
			}
			for _, e := range evs {
				b, _ := json.Marshal(e.Detail)
				var env events.Envelope
				if err := json.Unmarshal(b, &env); err != nil {
					t.Fatal(err)
				}
				if env.Visibility != tt.want {
					t.Errorf("%s visibility = %q, want %q", e.DetailType, env.Visibility, tt.want)
				}
			}
		})
	}
}

func TestFromMessage(t *testing.T) {
	tests := []struct {
		name        string
		msg         chat.Message
		want        []string
		wantChannel string
	}{
		{"first message creates the conversation", chat.Message{Seq: 1, Kind: chat.KindText, Author: visitor, Body: "hi"},
			[]string{events.ConversationCreated, events.MessageCreated}, "chat"},
		{"later message", chat.Message{Seq: 5, Kind: chat.KindText, Author: visitor, Body: "hi"}, []string{events.MessageCreated}, "chat"},
		{"emailed message keeps its channel", chat.Message{Seq: 6, Kind: chat.KindText, Author: visitor, Body: "hi", Channel: chat.ChannelEmail},
			[]string{events.MessageCreated}, "email"},
		{"agent's email reply", chat.Message{Seq: 7, Kind: chat.KindText, Author: alice, Body: "hello", Channel: chat.ChannelEmail, MailID: "<x@y>"},
			[]string{events.MessageCreated}, "email"},
		{"take over is an assignment", chat.Message{Seq: 2, Kind: chat.KindEvent, Author: alice, Event: &chat.Event{Type: chat.EventTakenOver, AgentID: aid}},
			[]string{events.ConversationAssigned}, ""},
		{"note is a message, never the conversation's start", chat.Message{Seq: 1, Kind: chat.KindNote, Author: alice, Body: "internal"},
			[]string{events.MessageCreated}, "chat"},
		{"warning is no domain event", chat.Message{Seq: 6, Kind: chat.KindEvent, Author: system, Event: &chat.Event{Type: chat.EventWarning}, Body: "still there?"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range events.FromMessage(stored(tt.msg)) {
				got = append(got, e.DetailType)
				b, _ := json.Marshal(e.Detail)
				var env events.Envelope
				if err := json.Unmarshal(b, &env); err != nil {
					t.Fatal(err)
				}
				if env.ID != cid+":"+itoa(tt.msg.Seq) || env.Version != "1" {
					t.Errorf("id/version = %q/%q", env.ID, env.Version)
				}
				if md, ok := e.Detail.(events.MessageDetail); ok && md.Message.Channel != tt.wantChannel {
					t.Errorf("%s channel = %q, want %q", e.DetailType, md.Message.Channel, tt.wantChannel)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
