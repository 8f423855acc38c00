package settings_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chatflow"
	"github.com/parleychat/parley/shared/settings"
)

// TestWidgetConfigFlows: the config carries the flows as the widget takes
// them, a bot's with its opening (its welcome aside, what it says up to
// its first question, and how that is answered); the rules and the flows
// they name when pages differ, the one flow alone when every page gets it.
func TestWidgetConfigFlows(t *testing.T) {
	robin := chatflow.Persona{Name: "Robin"}
	greeter := chatflow.Flow{ID: "greeter", Name: "Greeter", Kind: chatflow.KindBot, Welcome: "Hi!", Bot: robin, Steps: []chatflow.Step{
		{ID: "hello", Type: chatflow.StepMessage, Text: "I am a bot.", Next: "topic"},
		{ID: "topic", Type: chatflow.StepButtons, Text: "What brings you here?", Save: "topic",
			Buttons: []chatflow.Button{{Label: "Sales", Next: "handover"}, {Label: "Support", Next: "handover"}}},
		{ID: "handover", Type: chatflow.StepHandover, Text: "A person takes over."},
	}}
	help := chatflow.Flow{ID: "help", Name: "Help", Kind: chatflow.KindLive, Welcome: "Ask us anything."}
	bot := settings.WidgetFlow{ID: "greeter", Kind: chatflow.KindBot, Welcome: "Hi!", Bot: &robin,
		Opening: []string{"I am a bot.", "What brings you here?"}, Ask: &chatflow.Ask{Type: chatflow.StepButtons, Buttons: []string{"Sales", "Support"}}}
	live := settings.WidgetFlow{ID: "help", Kind: chatflow.KindLive, Welcome: "Ask us anything."}
	rules := []chatflow.Rule{{Pages: "/help/*", Show: chatflow.Show{Flow: "help"}}}
	type want struct {
		Targeting bool
		Flows     map[string]settings.WidgetFlow
		Flow      *settings.WidgetFlow
	}
	tests := []struct {
		name      string
		targeting chatflow.Targeting
		want      want
	}{
		{"rules", chatflow.Targeting{Rules: rules, OtherPages: chatflow.Show{Flow: "greeter"}},
			want{true, map[string]settings.WidgetFlow{"greeter": bot, "help": live}, &bot}},
		{"one bot on every page", chatflow.Targeting{OtherPages: chatflow.Show{Flow: "greeter"}}, want{Flow: &bot}},
		{"no widget anywhere else", chatflow.Targeting{Rules: rules, OtherPages: chatflow.Show{Hide: true}},
			want{true, map[string]settings.WidgetFlow{"help": live}, nil}},
		{"live chat with the greeting everywhere", chatflow.Targeting{}, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ch, err := f.svc.Channel(t.Context(), "main")
			if err != nil {
				t.Fatal(err)
			}
			ch.Chatflows, ch.Targeting = []chatflow.Flow{greeter, help}, tt.targeting
			if _, err := f.svc.PutChannel(t.Context(), "main", ch); err != nil {
				t.Fatal(err)
			}
			cfg, _, err := f.svc.WidgetConfig(t.Context(), "main")
			if err != nil {
				t.Fatal(err)
			}
			got := want{cfg.Targeting != nil, cfg.Flows, cfg.Flow}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}
