package chatflow

import (
	"maps"
	"strings"

	"github.com/parleychat/parley/shared/mail"
)

// Entry is what the bot says at one step: its text and, for an asking
// step, how the visitor may answer.
type Entry struct {
	// Step is the id of the step that said it.
	Step string
	Text string
	// Ask is the step type when the entry asks (buttons, text or email),
	// "" for a plain message.
	Ask     string
	Buttons []string
	// FreeText tells that a typed answer is taken (always for text and
	// email, by choice for buttons).
	FreeText bool
}

// Ask is how the visitor may answer a bot's question.
type Ask struct {
	// Type is the step's: buttons, text or email.
	Type    string   `json:"type"`
	Buttons []string `json:"buttons,omitempty"`
	// FreeText tells that a typed answer is taken.
	FreeText bool `json:"freeText"`
}

// Asks is how the visitor may answer the entry, nil for a plain message.
func (e Entry) Asks() *Ask {
	if e.Ask == "" {
		return nil
	}
	return &Ask{Type: e.Ask, Buttons: e.Buttons, FreeText: e.FreeText}
}

// Turn is what one run of the engine does: the entries to store in order,
// the step that then waits for the visitor ("" when the bot has stopped
// talking), the answers collected so far, and whether the conversation
// goes to a person (Handover) or ends (End).
type Turn struct {
	Entries  []Entry
	Wait     string
	Answers  map[string]string
	Handover bool
	End      bool
}

// Start runs the flow from its first step. available tells whether a
// person could take the conversation now (the away branch otherwise).
func (f Flow) Start(available bool) Turn {
	t := Turn{Answers: map[string]string{}}
	if len(f.Steps) > 0 {
		f.run(&t, f.Steps[0].ID, available)
	}
	return t
}

// State is where the bot of a conversation stands before a turn: the
// step that waits for the visitor, the answers collected, and whether it
// has handed the conversation over already.
type State struct {
	Wait       string
	Answers    map[string]string
	HandedOver bool
}

// Answer takes the visitor's answer to the step that waits in st and runs
// on. An answer the step does not take (a typed text where only buttons
// are, an address that is none) asks the step again. A step the flow no
// longer has, or none waiting, stops the bot: nothing is said. available
// tells whether a person could take the conversation now; a conversation
// handed over before runs no away branch again (it runs once), so a
// handover its away branch leads back to says its text and stops.
func (f Flow) Answer(st State, input string, available bool) Turn {
	t := Turn{Answers: maps.Clone(st.Answers)}
	if t.Answers == nil {
		t.Answers = map[string]string{}
	}
	s, ok := f.step(st.Wait)
	if !ok || !s.asks() {
		return t
	}
	available = available || st.HandedOver
	input = strings.TrimSpace(input)
	next := ""
	switch s.Type {
	case StepButtons:
		for _, b := range s.Buttons {
			if fold(b.Label) == fold(input) {
				next, input = b.Next, b.Label
				break
			}
		}
		if next == "" && s.FreeText {
			next = s.Next
		}
	case StepText:
		next = s.Next
	case StepEmail:
		if addr, err := mail.ParseAddress(input); err == nil {
			next, input = s.Next, addr
		}
	}
	if next == "" || input == "" {
		// Asked again: the same step, the same words.
		f.run(&t, s.ID, available)
		return t
	}
	if s.Save != "" {
		t.Answers[s.Save] = input
	}
	f.run(&t, next, available)
	return t
}

// run says the steps from id on until one asks (and waits), hands over
// or ends. Validation refuses loops that never ask; the bound keeps a
// flow stored before that check from running forever.
func (f Flow) run(t *Turn, id string, available bool) {
	for range 2 * len(f.Steps) {
		s, ok := f.step(id)
		if !ok {
			return
		}
		switch s.Type {
		case StepMessage:
			t.Entries = append(t.Entries, Entry{Step: s.ID, Text: s.Text})
			id = s.Next
		case StepButtons, StepText, StepEmail:
			e := Entry{Step: s.ID, Text: s.Text, Ask: s.Type, FreeText: s.Type != StepButtons || s.FreeText}
			for _, b := range s.Buttons {
				e.Buttons = append(e.Buttons, b.Label)
			}
			t.Entries = append(t.Entries, e)
			t.Wait = s.ID
			return
		case StepBranch:
			id = s.Next
			for _, c := range s.Cases {
				if fold(c.Equals) == fold(t.Answers[s.On]) {
					id = c.Next
					break
				}
			}
		case StepHandover:
			t.Entries = append(t.Entries, Entry{Step: s.ID, Text: s.Text})
			t.Handover = true
			if available || s.Away == "" {
				return
			}
			id, available = s.Away, true // the away branch runs once
		case StepEnd:
			if s.Text != "" {
				t.Entries = append(t.Entries, Entry{Step: s.ID, Text: s.Text})
			}
			t.End = true
			return
		}
	}
}

// Opening is what the bot says when the chat opens, before it depends on
// the visitor: the entries Start stores up to and with its first
// question, stopping before a handover (what follows one depends on who
// is available) or an end. The chat window shows them from the channel's
// config, and the conversation starts with the visitor's first answer.
func (f Flow) Opening() []Entry {
	var out []Entry
	for _, e := range f.Start(true).Entries {
		if s, _ := f.step(e.Step); s.Type == StepHandover || s.Type == StepEnd {
			break
		}
		out = append(out, e)
	}
	return out
}
