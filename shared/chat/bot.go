package chat

// Bot: a channel's chatflow in its conversations. The engine
// (shared/chatflow) runs in the message path: the bot's entries are
// stored in the same write as the visitor's answer that prompts them, so
// they reach the visitor with the echo of the answer, and a retried or
// duplicated frame finds them stored with it (docs/chatflows.md).

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chatflow"
)

// Outcomes of a bot's part in a conversation.
const (
	// BotHandedOver: the bot gave the conversation to the inbox's routing
	// (it may still be running the away branch).
	BotHandedOver = "handed_over"
	// BotEnded: the bot ended the conversation; no person took part.
	BotEnded = "ended"
	// BotTakenOver: an agent took the conversation from the bot.
	BotTakenOver = "taken_over"
)

// CloseReasonBot closes a conversation the bot ended.
const CloseReasonBot = "bot"

// BotState is the bot's part in a conversation: the flow version it runs,
// the step waiting for the visitor ("" once the bot has stopped talking),
// the answers collected and how it went.
type BotState struct {
	FlowID    string
	Version   int
	Name      string
	AvatarURL string
	Wait      string
	Answers   map[string]string
	// AnswerOrder holds the names of Answers in the order the visitor
	// first gave them (conversations stored before it have none: their
	// answers come in name order).
	AnswerOrder []string
	Outcome     string
	// SessionTimeout is the flow's own timeout for a visitor who leaves
	// the bot waiting (0: the channel's inactivity timeout).
	SessionTimeout time.Duration
}

// Running reports whether the bot waits for the visitor's answer.
func (b BotState) Running() bool { return b.Wait != "" }

// flowState is where the engine takes the bot up.
func (b BotState) flowState() chatflow.State {
	return chatflow.State{Wait: b.Wait, Answers: b.Answers, HandedOver: b.Outcome == BotHandedOver}
}

// BotSummary is what agents see of the bot's part.
type BotSummary struct {
	FlowID  string      `json:"flowId"`
	Version int         `json:"version"`
	Name    string      `json:"name"`
	Running bool        `json:"running"`
	Outcome string      `json:"outcome,omitempty"`
	Answers []BotAnswer `json:"answers,omitempty"`
}

// BotAnswer is one answer the bot collected: the name its step saved it
// under and what the visitor gave. Answers travel as a list, in the order
// the visitor gave them: a JSON object would lose it (browsers put keys
// that look like numbers first).
type BotAnswer struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func (b BotState) summary() *BotSummary {
	if b.FlowID == "" {
		return nil
	}
	return &BotSummary{FlowID: b.FlowID, Version: b.Version, Name: b.Name, Running: b.Running(), Outcome: b.Outcome, Answers: b.OrderedAnswers()}
}

// OrderedAnswers are the answers in the order the visitor first gave
// them; names the order does not hold (answers stored before it) follow
// in name order.
func (b BotState) OrderedAnswers() []BotAnswer {
	if len(b.Answers) == 0 {
		return nil
	}
	out := make([]BotAnswer, 0, len(b.Answers))
	seen := make(map[string]bool, len(b.Answers))
	for _, name := range b.AnswerOrder {
		if v, ok := b.Answers[name]; ok && !seen[name] {
			seen[name] = true
			out = append(out, BotAnswer{Name: name, Value: v})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b.Answers)) {
		if !seen[name] {
			out = append(out, BotAnswer{Name: name, Value: b.Answers[name]})
		}
	}
	return out
}

func (b BotState) badge(c Conversation) *Badge {
	if b.FlowID == "" || c.AssigneeID != "" {
		return nil
	}
	return &Badge{Name: b.Name, AvatarURL: b.AvatarURL}
}

// Ask is how the visitor may answer a bot's question.
type Ask = chatflow.Ask

// botAuthor is the author of the bot's entries: its persona.
func (b BotState) author() Author {
	return Author{Type: RoleBot, Name: b.Name, AvatarURL: b.AvatarURL}
}

// takeTurn moves the conversation by a turn of the engine and returns
// the turn's entries for the seq stream: what the bot said, then the
// handover and the close, each only when this turn makes it (a close of
// a conversation the bot handed over is never the bot's: the team has it).
func takeTurn(c *Conversation, t chatflow.Turn, now time.Time) []Message {
	prev, open := c.Bot, c.Status == StatusOpen
	applyTurn(c, t)
	var out []Message
	for _, e := range t.Entries {
		m := Message{Kind: KindText, Author: prev.author(), Body: e.Text, CreatedAt: now}
		if e.Ask != "" {
			m.Ask = e.Asks()
		}
		out = append(out, m)
	}
	if prev.Outcome != BotHandedOver && c.Bot.Outcome == BotHandedOver {
		out = append(out, Message{Kind: KindEvent, Author: prev.author(), Event: &Event{Type: EventHandedOver}, CreatedAt: now})
	}
	if open && c.Status == StatusClosed {
		out = append(out, Message{Kind: KindEvent, Author: prev.author(), Event: &Event{Type: EventClosed, Reason: CloseReasonBot}, CreatedAt: now})
	}
	return out
}

// applyTurn moves the conversation's bot state by a turn of the engine:
// an end closes the conversation unless the bot handed it over.
func applyTurn(c *Conversation, t chatflow.Turn) {
	if len(c.Bot.AnswerOrder) == 0 && len(c.Bot.Answers) > 0 {
		// Answers stored before their order was kept: name order.
		c.Bot.AnswerOrder = slices.Sorted(maps.Keys(c.Bot.Answers))
	}
	// A turn saves at most one new answer; name order keeps it
	// deterministic if a flow ever saves more.
	for _, name := range slices.Sorted(maps.Keys(t.Answers)) {
		if !slices.Contains(c.Bot.AnswerOrder, name) {
			c.Bot.AnswerOrder = append(c.Bot.AnswerOrder, name)
		}
	}
	c.Bot.Wait, c.Bot.Answers = t.Wait, t.Answers
	if t.Handover {
		c.Bot.Outcome = BotHandedOver
	}
	if t.End {
		c.Bot.Wait = ""
		if c.Bot.Outcome != BotHandedOver {
			c.Bot.Outcome = BotEnded
			c.Status = StatusClosed
			stopTimer(c)
		}
	}
}

// stopBot is what an agent's hand on the conversation does to the bot:
// it stops at once, mid-flow. A bot stopped while its session timeout
// ran gives the conversation the channel's inactivity timer in back (its
// warning included, none when the channel has no timeout), from the
// visitor's last activity: the timer the conversation would have had
// without the bot. in comes from Service.timerAfterBot.
func stopBot(c *Conversation, in Inactivity) {
	if c.Bot.FlowID == "" {
		return
	}
	if from, ok := sessionTimerFrom(*c); ok {
		armTimer(c, in, from)
	}
	c.Bot.Wait = ""
	if c.Bot.Outcome == "" {
		c.Bot.Outcome = BotTakenOver
	}
}

// flowOf returns the flow version a conversation's bot runs: the
// channel's current one when it is that version, else the stored one.
func (s *Service) flowOf(ctx context.Context, conv Conversation) (chatflow.Flow, error) {
	ch, err := s.channelOf(ctx, conv.ChannelID)
	if err != nil {
		return chatflow.Flow{}, err
	}
	if f, ok := ch.flow(conv.Bot.FlowID); ok && f.Version == conv.Bot.Version {
		return f, nil
	}
	f, err := s.channels.FlowVersion(ctx, conv.ChannelID, conv.Bot.FlowID, conv.Bot.Version)
	if err != nil {
		return chatflow.Flow{}, fmt.Errorf("flow %s v%d of %s: %w", conv.Bot.FlowID, conv.Bot.Version, conv.ChannelID, err)
	}
	return f, nil
}

// available tells whether a person could take a conversation of the
// channel now: its business hours, or in team mode whether a member of
// its inbox is available.
func (s *Service) available(ctx context.Context, ch Channel) (bool, error) {
	if ch.Hours == nil {
		return true, nil
	}
	team := false
	if ch.Hours.Mode() == availability.Team {
		var err error
		if team, err = s.TeamAvailable(ctx, ch.InboxID); err != nil {
			return false, err
		}
	}
	return ch.Hours.Status(s.now(), team).Available, nil
}

func (s *Service) channelAvailable(ctx context.Context, channelID string) (bool, error) {
	ch, err := s.channelOf(ctx, channelID)
	if err != nil {
		return false, err
	}
	return s.available(ctx, ch)
}

// botAnswer runs the engine on the visitor's message to a conversation
// whose bot waits: it returns the change to make to the conversation and
// the bot's entries, which the visitor's write stores with the message.
// The engine is a pure function of the state read inside the write, so a
// write that retries on a fresh state answers what that state asks.
func (s *Service) botAnswer(ctx context.Context, conv Conversation, body string) (func(c *Conversation, now time.Time) []Message, error) {
	if !conv.Bot.Running() {
		return nil, nil
	}
	flow, err := s.flowOf(ctx, conv)
	if err != nil {
		return nil, err
	}
	// Who is available is read only when the answer leads to a first
	// handover (a probe on the state read; the write decides on its own
	// state): a conversation handed over runs no away branch again.
	avail := true
	if st := conv.Bot.flowState(); !st.HandedOver && flow.Answer(st, body, true).Handover {
		if avail, err = s.channelAvailable(ctx, conv.ChannelID); err != nil {
			return nil, err
		}
	}
	return func(c *Conversation, now time.Time) []Message {
		if !c.Bot.Running() || c.Bot.FlowID != flow.ID || c.Bot.Version != flow.Version {
			return nil
		}
		return takeTurn(c, flow.Answer(c.Bot.flowState(), body, avail), now)
	}, nil
}

// StartBot starts a bot of the visitor's channel: a new conversation
// whose first entries are the welcome message and the flow's first
// steps, up to its first question. flowID is the flow the loader chose
// for the page by the channel's targeting rules ("": the channel's
// default flow, or its first bot). clientID makes it idempotent: a retry
// answers with the conversation it started. A flow id that names no bot
// of the channel, or a channel without one, is invalid_request.
func (s *Service) StartBot(ctx context.Context, connectionID, clientID, flowID string) (Conversation, []Message, error) {
	if err := checkID("clientId", clientID); err != nil {
		return Conversation{}, nil, err
	}
	p, err := s.Principal(ctx, connectionID)
	if err != nil {
		return Conversation{}, nil, err
	}
	if p.Role != RoleVisitor {
		return Conversation{}, nil, invalid("only visitors start a bot")
	}
	ch, err := s.channelOf(ctx, p.ChannelID)
	if err != nil {
		return Conversation{}, nil, err
	}
	f, err := ch.bot(flowID)
	if err != nil {
		return Conversation{}, nil, err
	}
	t := f.Start(true)
	if t.Handover {
		avail, err := s.available(ctx, ch)
		if err != nil {
			return Conversation{}, nil, err
		}
		t = f.Start(avail)
	}
	now := s.now().UTC()
	cid := s.newID()
	c := Conversation{
		ID: cid, ChannelID: ch.ID, InboxID: ch.InboxID, VisitorID: p.ID, Status: StatusOpen,
		VisitorOnline: true, CreatedAt: now, LastActivityAt: now, VisitorName: s.visitorName(ctx, p.ID),
		Bot: BotState{FlowID: f.ID, Version: f.Version, Name: f.Bot.Name, AvatarURL: f.Bot.AvatarURL,
			SessionTimeout: time.Duration(f.SessionMinutes) * time.Minute},
	}
	entries := takeTurn(&c, t, now)
	if f.Welcome != "" {
		entries = append([]Message{{Kind: KindText, Author: c.Bot.author(), Body: f.Welcome, CreatedAt: now}}, entries...)
	}
	if len(entries) == 0 {
		return Conversation{}, nil, invalid("the bot has nothing to say")
	}
	c.Preview, c.FirstLine = preview(entries[0].Body), preview(entries[0].Body)
	for _, m := range entries {
		if m.Body != "" {
			c.Preview = preview(m.Body)
		}
	}
	if c.Status == StatusOpen {
		armTimer(&c, s.botTimer(c, ch.Inactivity), now)
	}
	first := entries[0]
	first.ClientID = clientID
	in := NewConversation{Conversation: c, Message: first, Follow: entries[1:], ClientKey: clientKey(p, clientID), Request: botStartDigest + flowID, Quota: s.visitorQuota(p)}
	res, err := s.store.CreateConversation(ctx, in)
	if err != nil {
		return Conversation{}, nil, fmt.Errorf("start bot: %w", err)
	}
	all := append([]Message{res.Message}, res.Follow...)
	if res.Duplicate {
		if all, err = s.botFollowing(ctx, res.Message); err != nil {
			return Conversation{}, nil, err
		}
	}
	if err := s.store.Subscribe(ctx, connectionID, res.Conversation.ID, p, ""); err != nil {
		slog.ErrorContext(ctx, "subscribe sender", "connectionId", connectionID, "conversationId", res.Conversation.ID, "error", err)
	}
	// The first entry goes to every tab of the visitor and to the inbox
	// (a new conversation); the rest to the tab that started it. Another
	// tab that takes the conversation up sends a resume after that first
	// entry, which subscribes it and brings the rest.
	s.fanout(ctx, res.Conversation, all[0], nil, true)
	tab := []Listener{{ConnectionID: connectionID, Principal: p}}
	for _, m := range all[1:] {
		s.fanout(ctx, res.Conversation, m, tab, false)
	}
	return res.Conversation, all, nil
}

// botStartDigest binds a start's client id to a start of the flow it
// asked for (any other request with it is client_id_reused).
const botStartDigest = "bot-start:"

// bot returns the bot flow a start runs: the one named, which must be a
// bot of the channel; without a name, the default flow when it is a bot,
// else the channel's first bot.
func (c Channel) bot(flowID string) (chatflow.Flow, error) {
	if flowID != "" {
		f, ok := c.flow(flowID)
		switch {
		case !ok:
			return chatflow.Flow{}, invalid("flowId names no chatflow of this channel")
		case f.Kind != chatflow.KindBot:
			return chatflow.Flow{}, invalid("flowId names a live chat flow, not a bot")
		}
		return f, nil
	}
	if f, ok := c.flow(c.DefaultFlow); ok && f.Kind == chatflow.KindBot {
		return f, nil
	}
	for _, f := range c.Flows {
		if f.Kind == chatflow.KindBot {
			return f, nil
		}
	}
	return chatflow.Flow{}, invalid("the channel has no bot")
}

// botFollowing reads, after a duplicate, the message m and the bot's
// entries stored with it (the following entries the bot wrote), so a
// retry sends them again.
func (s *Service) botFollowing(ctx context.Context, m Message) ([]Message, error) {
	page, _, err := s.store.Messages(ctx, MessageQuery{ConversationID: m.ConversationID, After: m.Seq, Limit: chatflow.MaxSteps + 3})
	if err != nil {
		return nil, fmt.Errorf("bot entries after %d: %w", m.Seq, err)
	}
	out := []Message{m}
	for _, e := range page {
		if e.Author.Type != RoleBot || e.ClientID != "" {
			break
		}
		out = append(out, e)
	}
	return out, nil
}

// sessionTimerFrom tells whether the conversation's timer is its bot's
// session timeout, and then the visitor's activity it runs from (the
// session timer has no warning: it closes SessionTimeout after it).
func sessionTimerFrom(c Conversation) (time.Time, bool) {
	if !c.Bot.Running() || c.Bot.SessionTimeout <= 0 || c.TimerAt.IsZero() || c.TimerStage != TimerClose {
		return time.Time{}, false
	}
	return c.TimerAt.Add(-c.Bot.SessionTimeout), true
}

// timerAfterBot is what stopBot needs, read before the write that stops
// the bot: the channel's inactivity timer when the bot of conv waits with
// a session timeout of its own, nothing otherwise (a bot that has stopped
// never waits again, so a fresher state of conv needs it no more than
// conv does).
func (s *Service) timerAfterBot(ctx context.Context, conv Conversation) (Inactivity, error) {
	if !conv.Bot.Running() || conv.Bot.SessionTimeout <= 0 {
		return Inactivity{}, nil
	}
	return s.inactivityOf(ctx, conv)
}

// botTimer is the timer of a conversation whose bot waits for the
// visitor: the flow's session timeout when it has one (no warning), the
// channel's inactivity timer otherwise.
func (s *Service) botTimer(c Conversation, in Inactivity) Inactivity {
	if c.Bot.Running() && c.Bot.SessionTimeout > 0 {
		return Inactivity{Timeout: c.Bot.SessionTimeout, Language: in.Language}
	}
	return in
}
