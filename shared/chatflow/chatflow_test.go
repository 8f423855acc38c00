package chatflow_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chatflow"
)

func https(u string) bool { return strings.HasPrefix(u, "https://") }

// twoBranches: a question with buttons, a branch on it, a free-text
// question per branch, an email address, the handover with its away
// branch.
func twoBranches() chatflow.Flow {
	return chatflow.Flow{
		ID: "greeter", Name: "Greeter", Kind: chatflow.KindBot, Welcome: "Hi!", Bot: chatflow.Persona{Name: "Robin"},
		Steps: []chatflow.Step{
			{ID: "hello", Type: chatflow.StepMessage, Text: "I am a bot.", Next: "topic"},
			{ID: "topic", Type: chatflow.StepButtons, Text: "What brings you here?", Save: "topic", FreeText: true, Next: "route",
				Buttons: []chatflow.Button{{Label: "Sales", Next: "route"}, {Label: "Support", Next: "route"}}},
			{ID: "route", Type: chatflow.StepBranch, On: "topic", Cases: []chatflow.Case{{Equals: "sales", Next: "seats"}}, Next: "problem"},
			{ID: "seats", Type: chatflow.StepText, Text: "How many seats?", Save: "seats", Next: "email"},
			{ID: "problem", Type: chatflow.StepText, Text: "What went wrong?", Save: "problem", Next: "email"},
			{ID: "email", Type: chatflow.StepEmail, Text: "Your address?", Save: "email", Next: "handover"},
			{ID: "handover", Type: chatflow.StepHandover, Text: "A person takes over.", Away: "away"},
			{ID: "away", Type: chatflow.StepMessage, Text: "Nobody is in; we will write.", Next: "end"},
			{ID: "end", Type: chatflow.StepEnd},
		},
	}
}

func TestCheck(t *testing.T) {
	edit := func(f func(*chatflow.Flow)) chatflow.Flow {
		fl := twoBranches()
		f(&fl)
		return fl
	}
	tests := []struct {
		name string
		flow chatflow.Flow
		want []chatflow.Problem
	}{
		{"valid", twoBranches(), nil},
		{"live chat", chatflow.Flow{ID: "live", Name: "Live", Kind: chatflow.KindLive, Welcome: "Hello"}, nil},
		{"dead end", edit(func(f *chatflow.Flow) { f.Steps[3].Next = "" }),
			[]chatflow.Problem{{Field: "steps[3].next", Message: `step "seats" leads nowhere (a dead end): choose the next step`}}},
		{"a button to no step", edit(func(f *chatflow.Flow) { f.Steps[1].Buttons[1].Next = "nowhere" }),
			[]chatflow.Problem{{Field: "steps[1].buttons[1].next", Message: `step "topic" leads to "nowhere", which is no step`}}},
		{"unreachable", edit(func(f *chatflow.Flow) {
			f.Steps = append(f.Steps, chatflow.Step{ID: "orphan", Type: chatflow.StepMessage, Text: "never", Next: "end"})
		}), []chatflow.Problem{{Field: "steps[9]", Message: `step "orphan" is unreachable: no step leads to it`}}},
		{"a loop that never asks", edit(func(f *chatflow.Flow) { f.Steps[7].Next = "away" }),
			[]chatflow.Problem{
				{Field: "steps[8]", Message: `step "end" is unreachable: no step leads to it`},
				{Field: "steps[7]", Message: `step "away" is in a loop that never waits for the visitor`},
			}},
		{"a step twice", edit(func(f *chatflow.Flow) { f.Steps[4].ID = "seats"; f.Steps[2].Next = "seats" }),
			[]chatflow.Problem{{Field: "steps[4].id", Message: `step "seats" is defined twice`}}},
		{"a branch on nothing saved", edit(func(f *chatflow.Flow) { f.Steps[2].On = "plan" }),
			[]chatflow.Problem{{Field: "steps[2].on", Message: `step "route" branches on "plan", which no step saves`}}},
		{"a bot without a name or steps", chatflow.Flow{ID: "b", Name: "B", Kind: chatflow.KindBot},
			[]chatflow.Problem{{Field: "bot.name", Message: "is required"}, {Field: "steps", Message: "a bot needs at least one step"}}},
		{"unknown kind and step type", edit(func(f *chatflow.Flow) { f.Steps[8].Type = "dance" }),
			[]chatflow.Problem{{Field: "steps[8].type", Message: `step "end": must be one of message, buttons, text, email, branch, handover, end`}}},
		{"a live flow with steps", edit(func(f *chatflow.Flow) { f.Kind = chatflow.KindLive }),
			[]chatflow.Problem{{Field: "steps", Message: "a live chat flow has no steps"}}},
		{"a bot that says nothing", chatflow.Flow{ID: "b", Name: "B", Kind: chatflow.KindBot, Bot: chatflow.Persona{Name: "R"},
			Steps: []chatflow.Step{{ID: "bye", Type: chatflow.StepEnd}}},
			[]chatflow.Problem{{Field: "steps[0]", Message: `step "bye": the bot says nothing before it stops; add a welcome or a message`}}},
		{"an avatar over http", edit(func(f *chatflow.Flow) { f.Bot.AvatarURL = "http://x.test/a.png" }),
			[]chatflow.Problem{{Field: "bot.avatarUrl", Message: "must be an https URL of at most 2048 characters"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := chatflow.Check(tt.flow, https)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEngine(t *testing.T) {
	f := twoBranches()
	type answer struct {
		input     string
		available bool
	}
	tests := []struct {
		name     string
		answers  []answer
		said     []string // the texts of the last turn
		wait     string
		saved    map[string]string
		handover bool
		end      bool
	}{
		{"sales by button", []answer{{"sales", true}}, []string{"How many seats?"}, "seats", map[string]string{"topic": "Sales"}, false, false},
		{"typed answer takes the free-text branch", []answer{{"a refund", true}}, []string{"What went wrong?"}, "problem", map[string]string{"topic": "a refund"}, false, false},
		{"a wrong address is asked again", []answer{{"Support", true}, {"broken", true}, {"not an address", true}},
			[]string{"Your address?"}, "email", map[string]string{"topic": "Support", "problem": "broken"}, false, false},
		{"handover while available", []answer{{"Support", true}, {"broken", true}, {" Ana@Example.com ", true}},
			[]string{"A person takes over."}, "", map[string]string{"topic": "Support", "problem": "broken", "email": "Ana@example.com"}, true, false},
		{"the away branch while nobody is", []answer{{"Sales", false}, {"3", false}, {"ana@example.com", false}},
			[]string{"A person takes over.", "Nobody is in; we will write."}, "", map[string]string{"topic": "Sales", "seats": "3", "email": "ana@example.com"}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			turn := f.Start(true)
			if diff := cmp.Diff([]chatflow.Entry{
				{Step: "hello", Text: "I am a bot."},
				{Step: "topic", Text: "What brings you here?", Ask: chatflow.StepButtons, Buttons: []string{"Sales", "Support"}, FreeText: true},
			}, turn.Entries); diff != "" {
				t.Fatalf("start (-want +got):\n%s", diff)
			}
			handedOver := false
			for _, a := range tt.answers {
				turn = f.Answer(chatflow.State{Wait: turn.Wait, Answers: turn.Answers, HandedOver: handedOver}, a.input, a.available)
				handedOver = handedOver || turn.Handover
			}
			var said []string
			for _, e := range turn.Entries {
				said = append(said, e.Text)
			}
			if diff := cmp.Diff(tt.said, said); diff != "" {
				t.Errorf("said (-want +got):\n%s", diff)
			}
			if turn.Wait != tt.wait || turn.Handover != tt.handover || turn.End != tt.end {
				t.Errorf("wait %q handover %v end %v; want %q %v %v", turn.Wait, turn.Handover, turn.End, tt.wait, tt.handover, tt.end)
			}
			if diff := cmp.Diff(tt.saved, turn.Answers); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
		})
	}
	// Deterministic: the same state and answer give the same turn.
	a := f.Answer(chatflow.State{Wait: "topic"}, "Sales", true)
	b := f.Answer(chatflow.State{Wait: "topic"}, "Sales", true)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two runs differ:\n%s", diff)
	}
	// A step the version does not have stops the bot silently.
	if turn := f.Answer(chatflow.State{Wait: "gone", Answers: map[string]string{}}, "x", true); len(turn.Entries) != 0 || turn.Wait != "" {
		t.Errorf("answer to a missing step: %+v", turn)
	}
}

// TestAwayBranchRunsOnce: an away branch that leads back to its own
// handover (the address asked, then "on to the team") is a valid flow,
// and runs once: while nobody is available, the handover reached again
// in a conversation already handed over says its text and the bot stops,
// instead of running the away branch and asking again for ever.
func TestAwayBranchRunsOnce(t *testing.T) {
	handover := chatflow.Step{ID: "handover", Type: chatflow.StepHandover, Text: "Passing you to the team.", Away: "away"}
	f := chatflow.Flow{ID: "f", Name: "F", Kind: chatflow.KindBot, Bot: chatflow.Persona{Name: "R"}, Steps: []chatflow.Step{
		{ID: "problem", Type: chatflow.StepText, Text: "What went wrong?", Save: "problem", Next: "handover"},
		handover,
		{ID: "away", Type: chatflow.StepEmail, Text: "Nobody is in. Your address?", Save: "email", Next: "handover"},
	}}
	if _, probs := chatflow.Check(f, https); len(probs) > 0 {
		t.Fatalf("check: %v", probs)
	}
	said := func(turn chatflow.Turn) []string {
		var out []string
		for _, e := range turn.Entries {
			out = append(out, e.Text)
		}
		return out
	}
	turn := f.Answer(chatflow.State{Wait: "problem"}, "My order is late", false)
	if diff := cmp.Diff([]string{"Passing you to the team.", "Nobody is in. Your address?"}, said(turn)); diff != "" || turn.Wait != "away" || !turn.Handover {
		t.Fatalf("the handover: wait %q handover %v, said (-want +got):\n%s", turn.Wait, turn.Handover, diff)
	}
	turn = f.Answer(chatflow.State{Wait: turn.Wait, Answers: turn.Answers, HandedOver: true}, "ana@example.com", false)
	if diff := cmp.Diff([]string{"Passing you to the team."}, said(turn)); diff != "" || turn.Wait != "" {
		t.Errorf("back at the handover: wait %q, said (-want +got):\n%s", turn.Wait, diff)
	}
	if turn.Answers["email"] != "ana@example.com" {
		t.Errorf("answers %v", turn.Answers)
	}
}

// TestEmailStep: the email step takes an address as the contact does
// (shared/mail), saved with its domain in lower case, and asks again for
// anything else: no domain, or one without a dot inside it, a domain
// literal, a quoted local part, a display name, two addresses.
func TestEmailStep(t *testing.T) {
	f := chatflow.Flow{ID: "f", Name: "F", Kind: chatflow.KindBot, Bot: chatflow.Persona{Name: "R"}, Steps: []chatflow.Step{
		{ID: "email", Type: chatflow.StepEmail, Text: "Your address?", Save: "email", Next: "done"},
		{ID: "done", Type: chatflow.StepEnd, Text: "Thanks."},
	}}
	for in, want := range map[string]string{
		"ana@example.com":             "ana@example.com",
		" Ana.Lima+chat@Example.COM ": "Ana.Lima+chat@example.com",
		"ana@mail.example.co.uk":      "ana@mail.example.co.uk",
	} {
		if turn := f.Answer(chatflow.State{Wait: "email"}, in, true); turn.Wait != "" || turn.Answers["email"] != want {
			t.Errorf("%q: wait %q, saved %q; want it taken as %q", in, turn.Wait, turn.Answers["email"], want)
		}
	}
	for _, in := range []string{
		"not an address", "ana", "ana@", "@example.com", "john.smith@gmail", "ana@localhost.", "ana@.example.com", "ana@example..com",
		"a@[10.0.0.1]", `"john smith"@example.com`, `"john"@example.com`, `"a..b"@example.com`, `"a@b"@example.com`,
		"Ana <ana@example.com>", "ana@example.com, bob@example.com", "ana @example.com",
	} {
		turn := f.Answer(chatflow.State{Wait: "email"}, in, true)
		if turn.Wait != "email" || len(turn.Answers) != 0 {
			t.Errorf("%q taken as an address: wait %q, saved %q", in, turn.Wait, turn.Answers["email"])
		}
	}
}

// TestOpening: what the chat window shows on open is what Start says up
// to its first question, and never what depends on who is available.
func TestOpening(t *testing.T) {
	handover := chatflow.Step{ID: "handover", Type: chatflow.StepHandover, Text: "A person takes over.", Away: "away"}
	away := chatflow.Step{ID: "away", Type: chatflow.StepText, Text: "Nobody is in. Your question?", Next: "end"}
	end := chatflow.Step{ID: "end", Type: chatflow.StepEnd, Text: "Bye."}
	tests := []struct {
		name  string
		steps []chatflow.Step
		want  []chatflow.Entry
	}{
		{"messages up to the first question", twoBranches().Steps, []chatflow.Entry{
			{Step: "hello", Text: "I am a bot."},
			{Step: "topic", Text: "What brings you here?", Ask: chatflow.StepButtons, Buttons: []string{"Sales", "Support"}, FreeText: true},
		}},
		{"an email question first", []chatflow.Step{
			{ID: "email", Type: chatflow.StepEmail, Text: "Your address?", Save: "email", Next: "end"}, end,
		}, []chatflow.Entry{{Step: "email", Text: "Your address?", Ask: chatflow.StepEmail, FreeText: true}}},
		{"stops before a handover and its away branch", []chatflow.Step{
			{ID: "hello", Type: chatflow.StepMessage, Text: "I am a bot.", Next: "handover"}, handover, away, end,
		}, []chatflow.Entry{{Step: "hello", Text: "I am a bot."}}},
		{"stops before an end", []chatflow.Step{
			{ID: "hello", Type: chatflow.StepMessage, Text: "I am a bot.", Next: "end"}, end,
		}, []chatflow.Entry{{Step: "hello", Text: "I am a bot."}}},
		{"a handover first says nothing", []chatflow.Step{handover, away, end}, nil},
		{"no steps", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := twoBranches()
			f.Steps = tt.steps
			if diff := cmp.Diff(tt.want, f.Opening()); diff != "" {
				t.Errorf("opening (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVersioned(t *testing.T) {
	v1 := twoBranches()
	v1.Version = 1
	same := twoBranches()
	same.Version = 7 // a client's number is ignored
	changed := twoBranches()
	changed.Welcome = "Hello!"
	fresh := chatflow.Flow{ID: "other", Kind: chatflow.KindLive}
	got := chatflow.Versioned([]chatflow.Flow{v1}, []chatflow.Flow{same, fresh})
	if got[0].Version != 1 || got[1].Version != 1 {
		t.Errorf("versions %d, %d; want 1 (unchanged), 1 (new)", got[0].Version, got[1].Version)
	}
	if n := chatflow.Changed([]chatflow.Flow{v1}, got); len(n) != 1 || n[0].ID != "other" {
		t.Errorf("changed %+v, want the new flow only", n)
	}
	if got := chatflow.Versioned([]chatflow.Flow{v1}, []chatflow.Flow{changed}); got[0].Version != 2 {
		t.Errorf("changed flow version %d, want 2", got[0].Version)
	}
}
