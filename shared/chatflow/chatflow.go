// Package chatflow is what a chat channel does when a visitor opens the
// chat: live chat, or a bot that greets, asks, collects answers and hands
// over to a person. It holds the flows as admins edit them, their
// validation (dead ends and unreachable steps named by step) and the
// engine, a pure function of a flow version, the step waiting for an
// answer and the answer: the same inputs always give the same entries.
// docs/chatflows.md.
package chatflow

// Kinds of flow.
const (
	// KindLive is live chat: the welcome message, then the team.
	KindLive = "live"
	// KindBot runs the flow's steps before a person takes over.
	KindBot = "bot"
)

// Step types.
const (
	// StepMessage says its text and goes on to Next.
	StepMessage = "message"
	// StepButtons asks with quick replies, each leading to its own step;
	// with FreeText a typed answer is taken too and leads to Next.
	StepButtons = "buttons"
	// StepText asks for free text and goes on to Next.
	StepText = "text"
	// StepEmail asks for an email address (checked; asked again until it
	// is one) and goes on to Next.
	StepEmail = "email"
	// StepBranch goes to the first case whose value equals the answer
	// saved under On (case and spaces aside), else to Next.
	StepBranch = "branch"
	// StepHandover says its text and hands the conversation to the inbox's
	// routing; when nobody is available it goes to Away first (the away
	// branch), when it names a step.
	StepHandover = "handover"
	// StepEnd says its text (if any) and ends the bot's conversation.
	StepEnd = "end"
)

// StepTypes lists every step type.
var StepTypes = []string{StepMessage, StepButtons, StepText, StepEmail, StepBranch, StepHandover, StepEnd}

// Flow is one chatflow of a channel as admins edit it.
type Flow struct {
	// ID names the flow within its channel (targeting rules refer to it).
	ID   string `json:"id"`
	Name string `json:"name"`
	// Version is set by the server: 1 for a new flow, one more with each
	// saved change. A conversation keeps the version it started with.
	Version int    `json:"version"`
	Kind    string `json:"kind"`
	// Welcome is shown when the visitor opens the chat (never before).
	Welcome string `json:"welcome"`
	// Bot is the name and picture the widget shows until a person takes
	// over.
	Bot Persona `json:"bot"`
	// SessionMinutes ends a bot conversation the visitor left waiting for
	// an answer that long (0: the channel's inactivity timeout applies).
	SessionMinutes int `json:"sessionMinutes"`
	// Steps run from the first one.
	Steps []Step `json:"steps"`
}

// Persona is how the bot appears to visitors.
type Persona struct {
	Name      string `json:"name"`
	AvatarURL string `json:"avatarUrl,omitempty"`
}

// Step is one step of a bot flow.
type Step struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	// Text is what the bot says (the question, for the asking steps).
	Text    string   `json:"text,omitempty"`
	Buttons []Button `json:"buttons,omitempty"`
	// FreeText lets the visitor type an answer to a buttons step.
	FreeText bool `json:"freeText,omitempty"`
	// Save names the answer an asking step collects (shown to agents).
	Save string `json:"save,omitempty"`
	// On is the answer a branch looks at; Cases its choices.
	On    string `json:"on,omitempty"`
	Cases []Case `json:"cases,omitempty"`
	// Next is the step after this one (a branch's when no case matches).
	Next string `json:"next,omitempty"`
	// Away is where a handover goes first while nobody is available.
	Away string `json:"away,omitempty"`
}

// Button is a quick reply and the step it leads to.
type Button struct {
	Label string `json:"label"`
	Next  string `json:"next"`
}

// Case is a branch's choice.
type Case struct {
	Equals string `json:"equals"`
	Next   string `json:"next"`
}

func (f Flow) step(id string) (Step, bool) {
	for _, s := range f.Steps {
		if s.ID == id {
			return s, true
		}
	}
	return Step{}, false
}

// asks reports whether a step waits for the visitor.
func (s Step) asks() bool {
	return s.Type == StepButtons || s.Type == StepText || s.Type == StepEmail
}

// next lists the steps a step may lead to, in order.
func (s Step) next() []string {
	var out []string
	for _, b := range s.Buttons {
		out = append(out, b.Next)
	}
	for _, c := range s.Cases {
		out = append(out, c.Next)
	}
	if s.Away != "" {
		out = append(out, s.Away)
	}
	if s.Next != "" {
		out = append(out, s.Next)
	}
	return out
}
