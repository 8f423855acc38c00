package chatflow

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a flow.
const (
	MaxSteps          = 50
	MaxButtons        = 10
	MaxTextRunes      = 1000
	MaxLabelRunes     = 40
	MaxNameRunes      = 60
	MaxSessionMinutes = 24 * 60
	MaxURLLength      = 2048
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// Problem is one fault of a flow: the JSON path of the field (relative to
// the flow) and what is wrong, naming the step.
type Problem struct {
	Field   string
	Message string
}

type checker struct{ problems []Problem }

func (c *checker) add(field, format string, args ...any) {
	c.problems = append(c.problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) text(field, v string, max int, required bool) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		c.add(field, "is required")
	case utf8.RuneCountInString(v) > max:
		c.add(field, "must be at most %d characters", max)
	case strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }):
		c.add(field, "must not contain control characters")
	}
	return v
}

// Check validates a flow and returns it with its texts trimmed, or the
// problems found: a step leading to no step, a dead end (a step that
// neither ends, hands over nor leads on), a step no path reaches, a loop
// that never waits for the visitor. httpsURL tells a valid avatar URL.
func Check(f Flow, httpsURL func(string) bool) (Flow, []Problem) {
	var c checker
	if !idPattern.MatchString(f.ID) {
		c.add("id", "must be 1 to 40 lowercase letters, digits, - or _")
	}
	f.Name = c.text("name", f.Name, MaxNameRunes, true)
	f.Welcome = c.text("welcome", f.Welcome, MaxTextRunes, false)
	if f.SessionMinutes < 0 || f.SessionMinutes > MaxSessionMinutes {
		c.add("sessionMinutes", "must be between 0 (the inactivity timeout) and %d", MaxSessionMinutes)
	}
	switch f.Kind {
	case KindLive:
		if len(f.Steps) > 0 {
			c.add("steps", "a live chat flow has no steps")
		}
		return f, c.problems
	case KindBot:
	default:
		c.add("kind", "must be one of %s, %s", KindLive, KindBot)
		return f, c.problems
	}
	f.Bot.Name = c.text("bot.name", f.Bot.Name, MaxNameRunes, true)
	if f.Bot.AvatarURL != "" && !httpsURL(f.Bot.AvatarURL) {
		c.add("bot.avatarUrl", "must be an https URL of at most %d characters", MaxURLLength)
	}
	switch {
	case len(f.Steps) == 0:
		c.add("steps", "a bot needs at least one step")
		return f, c.problems
	case len(f.Steps) > MaxSteps:
		c.add("steps", "must hold at most %d steps", MaxSteps)
		return f, c.problems
	}
	index := map[string]int{}
	for i, s := range f.Steps {
		at := fmt.Sprintf("steps[%d]", i)
		switch _, dup := index[s.ID]; {
		case !idPattern.MatchString(s.ID):
			c.add(at+".id", "must be 1 to 40 lowercase letters, digits, - or _")
		case dup:
			c.add(at+".id", "step %q is defined twice", s.ID)
		default:
			index[s.ID] = i
		}
	}
	saved := map[string]bool{}
	for i := range f.Steps {
		f.Steps[i] = c.step(fmt.Sprintf("steps[%d]", i), f.Steps[i], index)
		if s := f.Steps[i]; s.asks() && s.Save != "" {
			saved[s.Save] = true
		}
	}
	for i, s := range f.Steps {
		if s.Type == StepBranch && s.On != "" && !saved[s.On] {
			c.add(fmt.Sprintf("steps[%d].on", i), "step %q branches on %q, which no step saves", s.ID, s.On)
		}
	}
	if len(c.problems) > 0 {
		// Reachability means something only once every link resolves.
		return f, c.problems
	}
	c.reach(f, index)
	if len(c.problems) == 0 && f.Welcome == "" && len(f.Start(true).Entries) == 0 {
		c.add("steps[0]", "step %q: the bot says nothing before it stops; add a welcome or a message", f.Steps[0].ID)
	}
	return f, c.problems
}

func (c *checker) step(at string, s Step, index map[string]int) Step {
	if !slices.Contains(StepTypes, s.Type) {
		c.add(at+".type", "step %q: must be one of %s", s.ID, strings.Join(StepTypes, ", "))
		return s
	}
	link := func(field, to string) {
		if to == "" {
			c.add(at+"."+field, "step %q leads nowhere (a dead end): choose the next step", s.ID)
			return
		}
		if _, ok := index[to]; !ok {
			c.add(at+"."+field, "step %q leads to %q, which is no step", s.ID, to)
		}
	}
	asks := s.Type == StepButtons || s.Type == StepText || s.Type == StepEmail
	s.Text = c.text(at+".text", s.Text, MaxTextRunes, s.Type != StepEnd && s.Type != StepBranch)
	if s.Save != "" && (!asks || !idPattern.MatchString(s.Save)) {
		c.add(at+".save", "step %q: an asking step saves under 1 to 40 lowercase letters, digits, - or _", s.ID)
	}
	switch s.Type {
	case StepButtons:
		if len(s.Buttons) == 0 || len(s.Buttons) > MaxButtons {
			c.add(at+".buttons", "step %q needs 1 to %d buttons", s.ID, MaxButtons)
		}
		seen := map[string]bool{}
		for j := range s.Buttons {
			b := &s.Buttons[j]
			bat := fmt.Sprintf("%s.buttons[%d]", at, j)
			b.Label = c.text(bat+".label", b.Label, MaxLabelRunes, true)
			if k := fold(b.Label); seen[k] {
				c.add(bat+".label", "step %q has two buttons %q", s.ID, b.Label)
			} else {
				seen[k] = true
			}
			link(fmt.Sprintf("buttons[%d].next", j), b.Next)
		}
		if s.FreeText {
			link("next", s.Next)
		}
	case StepBranch:
		if s.On == "" {
			c.add(at+".on", "step %q: a branch needs the answer it looks at", s.ID)
		}
		for j := range s.Cases {
			s.Cases[j].Equals = c.text(fmt.Sprintf("%s.cases[%d].equals", at, j), s.Cases[j].Equals, MaxLabelRunes, true)
			link(fmt.Sprintf("cases[%d].next", j), s.Cases[j].Next)
		}
		link("next", s.Next)
	case StepHandover:
		if s.Away != "" {
			link("away", s.Away)
		}
	case StepEnd:
	default:
		link("next", s.Next)
	}
	return s
}

// reach walks the flow from its first step: every step must be reached,
// and every loop must pass a step that waits for the visitor (a loop
// without one would never stop talking).
func (c *checker) reach(f Flow, index map[string]int) {
	seen := make([]bool, len(f.Steps))
	var walk func(i int)
	walk = func(i int) {
		if seen[i] {
			return
		}
		seen[i] = true
		for _, n := range f.Steps[i].next() {
			walk(index[n])
		}
	}
	walk(0)
	for i, s := range f.Steps {
		if !seen[i] {
			c.add(fmt.Sprintf("steps[%d]", i), "step %q is unreachable: no step leads to it", s.ID)
		}
	}
	// A loop of steps that never ask: depth-first search over the steps
	// that go on by themselves.
	state := make([]int, len(f.Steps)) // 0 new, 1 on the path, 2 done
	var loop func(i int) bool
	loop = func(i int) bool {
		if f.Steps[i].asks() {
			return false
		}
		switch state[i] {
		case 1:
			c.add(fmt.Sprintf("steps[%d]", i), "step %q is in a loop that never waits for the visitor", f.Steps[i].ID)
			return true
		case 2:
			return false
		}
		state[i] = 1
		for _, n := range f.Steps[i].next() {
			if loop(index[n]) {
				return true
			}
		}
		state[i] = 2
		return false
	}
	for i := range f.Steps {
		if loop(i) {
			return
		}
	}
}

func fold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
