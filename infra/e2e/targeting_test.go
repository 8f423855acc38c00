package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// targetedChannel is a channel with three flows and rules for them: the
// pricing pages get the sales bot, the help pages live chat with its own
// welcome, the checkout no widget, every other page the greeter bot. A
// fourth flow no rule names stays out of the widget's config.
func targetedChannel(t *testing.T) (admin *chatclient.Agent, channel string, agent member, ch channelDoc) {
	t.Helper()
	admin = newAgent(t, "alice")
	channel, agent, _ = botChannel(t, admin, botFlow("How many seats?"))
	sales := botFlow("How many seats?")
	sales["id"], sales["name"], sales["welcome"], sales["bot"] = "sales", "Sales", "Sales here.", map[string]any{"name": "Sally"}
	ch = getChannel(t, admin, channel)
	ch["chatflows"] = []any{ch["chatflows"].([]any)[0], sales,
		map[string]any{"id": "help", "name": "Help", "kind": "live", "welcome": "Ask us anything."},
		map[string]any{"id": "spare", "name": "Spare", "kind": "live", "welcome": "Not shown anywhere."}}
	ch["targeting"] = map[string]any{
		"rules": []any{
			map[string]any{"pages": " Example.COM/pricing* ", "flow": "sales"},
			map[string]any{"pages": "/checkout*", "hide": true},
			map[string]any{"pages": "*.example.com/help/*", "flow": "help"},
		},
		"otherPages": map[string]any{"flow": "greeter"},
	}
	ch = putChannel(t, admin, ch)
	pastTheCaches(t)
	return admin, channel, agent, ch
}

func getChannel(t *testing.T, admin *chatclient.Agent, channel string) channelDoc {
	t.Helper()
	var ch channelDoc
	if err := admin.Call(wait(t), http.MethodGet, "/agent/settings/channels/"+channel, nil, &ch); err != nil {
		t.Fatal(err)
	}
	return ch
}

// TestTargetingInTheConfig: the widget's config carries the rules as
// saved (host/path, the host in lower case) and the flows they name, by
// id, as the widget shows them (a bot's with its opening), with the flow
// of the pages no rule matches: one config for every page of the channel.
func TestTargetingInTheConfig(t *testing.T) {
	_, channel, _, _ := targetedChannel(t)
	cfg, _ := widgetConfig(t, channel)
	type ask struct {
		Type     string
		Buttons  []string
		FreeText bool
	}
	type flow struct {
		ID, Kind, Welcome string
		Bot               *struct{ Name string }
		Opening           []string
		Ask               *ask
	}
	var got struct {
		Targeting struct {
			Rules []struct {
				Pages, Flow string
				Hide        bool
			}
			OtherPages struct{ Flow string }
		}
		Flows map[string]flow
		Flow  *flow
	}
	b, _ := json.Marshal(cfg)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	wantRules := []struct {
		Pages, Flow string
		Hide        bool
	}{{"example.com/pricing*", "sales", false}, {"*/checkout*", "", true}, {"*.example.com/help/*", "help", false}}
	if diff := cmp.Diff(wantRules, got.Targeting.Rules); diff != "" || got.Targeting.OtherPages.Flow != "greeter" {
		t.Errorf("targeting (-want +got):\n%s\nother pages %q, want greeter", diff, got.Targeting.OtherPages.Flow)
	}
	// A bot's opening: what it says up to its first question, which the
	// chat window shows before any conversation exists.
	opening, topic := []string{"What brings you here?"}, &ask{Type: "buttons", Buttons: []string{"Sales", "Support"}}
	wantFlows := map[string]flow{
		"greeter": {ID: "greeter", Kind: "bot", Welcome: "Hi! I am Robin.", Bot: &struct{ Name string }{"Robin"}, Opening: opening, Ask: topic},
		"sales":   {ID: "sales", Kind: "bot", Welcome: "Sales here.", Bot: &struct{ Name string }{"Sally"}, Opening: opening, Ask: topic},
		"help":    {ID: "help", Kind: "live", Welcome: "Ask us anything."},
	}
	if diff := cmp.Diff(wantFlows, got.Flows); diff != "" {
		t.Errorf("flows (-want +got):\n%s", diff)
	}
	// The flow as sent is the one of pages no rule matches; the loader
	// replaces it with the page's.
	greeter := wantFlows["greeter"]
	if diff := cmp.Diff(&greeter, got.Flow); diff != "" {
		t.Errorf("flow (-want +got):\n%s", diff)
	}
}

// TestStartBotOfTheTargetedFlow: the chat window starts the flow the
// loader chose for the page; without one, the channel's default flow
// (the one other pages get) runs. A flow id that names no bot of the
// channel is refused with a clear error.
func TestStartBotOfTheTargetedFlow(t *testing.T) {
	_, channel, agent, _ := targetedChannel(t)
	for _, tt := range []struct {
		name, flowID, flow, welcome, bot string
	}{
		{"sales", "sales", "sales", "Sales here.", "Sally"},
		{"greeter", "greeter", "greeter", "Hi! I am Robin.", "Robin"},
		{"none named: the default", "", "greeter", "Hi! I am Robin.", "Robin"},
	} {
		t.Run("flow "+tt.name, func(t *testing.T) {
			b := openFlow(t, channel, tt.flowID)
			b.asked(t, 0)
			if first := b.all()[0]; first.Body != tt.welcome || first.Author.Name != tt.bot {
				t.Errorf("first entry %q by %q, want %q by %q", first.Body, first.Author.Name, tt.welcome, tt.bot)
			}
			if s := botState(t, agent.Agent, b.conv); s.FlowID != tt.flow || !s.Running {
				t.Errorf("bot %+v, want flow %s running", s, tt.flow)
			}
		})
	}

	visitor, _, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), channel, "")
	if err != nil {
		t.Fatal(err)
	}
	v := connect(t, visitor)
	for _, tt := range []struct{ flowID, says string }{
		{"help", "flowId names a live chat flow, not a bot"},
		{"nope", "flowId names no chatflow of this channel"},
	} {
		t.Run("refused "+tt.flowID, func(t *testing.T) {
			id := uuid.NewString()
			if err := chatclient.StartBot(wait(t), v, id, tt.flowID); err != nil {
				t.Fatal(err)
			}
			f, err := v.Next(wait(t), func(f chatclient.Frame) bool { return f.Type == "error" || f.Type == "message" })
			if err != nil || f.Type != "error" || f.Code != "invalid_request" || f.ClientID != id || f.ErrorMessage() != tt.says {
				t.Errorf("answer %s, %v; want invalid_request: %s", f.Raw, err, tt.says)
			}
		})
	}
}

// TestTargetingValidation: a pattern the rules cannot match, and a flow
// deleted while a rule still names it, are refused with their JSON path;
// nothing is saved.
func TestTargetingValidation(t *testing.T) {
	admin, channel, _, saved := targetedChannel(t)
	tests := []struct {
		name   string
		change func(ch channelDoc)
		field  string
		says   string
	}{
		{"a scheme", func(ch channelDoc) {
			ch["targeting"].(map[string]any)["rules"].([]any)[1].(map[string]any)["pages"] = "https://example.com/checkout"
		}, "targeting.rules[1].pages", "leave out the scheme"},
		{"a query", func(ch channelDoc) {
			ch["targeting"].(map[string]any)["rules"].([]any)[0].(map[string]any)["pages"] = "/pricing?plan=pro"
		}, "targeting.rules[0].pages", "the query and the fragment are not matched"},
		{"a flow a rule names, deleted", func(ch channelDoc) {
			ch["chatflows"] = slices.DeleteFunc(ch["chatflows"].([]any), func(f any) bool { return f.(map[string]any)["id"] == "sales" })
		}, "targeting.rules[0].flow", `"sales" is no chatflow of this channel`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := getChannel(t, admin, channel)
			tt.change(doc)
			if fs := refusedSave(t, admin, channel, doc); len(fs) != 1 || fs[0].Field != tt.field || !strings.Contains(fs[0].Message, tt.says) {
				t.Errorf("fields %+v, want %s: %s", fs, tt.field, tt.says)
			}
			if diff := cmp.Diff(saved, getChannel(t, admin, channel)); diff != "" {
				t.Errorf("a refused change was saved (-before +after):\n%s", diff)
			}
		})
	}
}
