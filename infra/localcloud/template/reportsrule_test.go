package template

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley/infra/localcloud/eventpattern"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/events"
	"github.com/parleychat/parley/shared/reports"
	"github.com/parleychat/parley/shared/store"
)

// TestReportsRuleDeliversWhatReportsCount: ReportsFunction's rule lets
// through every event the reports count (reports.Parse), so the live
// rollups equal the backfill's, which reads every event; and it keeps
// back the bot's messages after its first, which count for nothing.
func TestReportsRuleDeliversWhatReportsCount(t *testing.T) {
	m, err := Load(realTemplate, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var pattern *eventpattern.Pattern
	for _, r := range m.Rules {
		if r.Source == "ReportsFunction.Rollups" {
			if pattern, err = eventpattern.Parse(r.Pattern); err != nil {
				t.Fatal(err)
			}
		}
	}
	if pattern == nil {
		t.Fatal("no ReportsFunction.Rollups rule")
	}
	examples, err := filepath.Glob(filepath.Join("..", "..", "..", "docs", "events", "*.json"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("documented examples: %v, %v", examples, err)
	}
	type event struct {
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
		Detail     json.RawMessage `json:"detail"`
	}
	cases := map[string]event{}
	for _, path := range examples {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var ev event
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		cases[filepath.Base(path)] = ev
	}
	bot := chat.Author{Type: chat.RoleBot, Name: "Robin"}
	for _, e := range events.FromMessage(store.StreamMessage{Message: chat.Message{ConversationID: "c", Seq: 2, Kind: chat.KindText, Author: bot,
		Body: "What brings you here?", CreatedAt: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}, InboxID: "main", ChannelID: "main"}) {
		detail, err := json.Marshal(e.Detail)
		if err != nil {
			t.Fatal(err)
		}
		cases["the bot's second message"] = event{Source: events.Source, DetailType: e.DetailType, Detail: detail}
	}
	for name, ev := range cases {
		t.Run(name, func(t *testing.T) {
			_, counted, err := reports.Parse(ev.Source, ev.DetailType, ev.Detail)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			delivered, err := pattern.Match(raw)
			if err != nil {
				t.Fatal(err)
			}
			if counted && !delivered {
				t.Errorf("the reports count %s, and the rule does not deliver it", ev.DetailType)
			}
			if name == "the bot's second message" && delivered {
				t.Errorf("the rule delivers the bot's second message, which counts for nothing")
			}
		})
	}
}
