package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// TimerStage is what a conversation's inactivity timer does when it fires.
type TimerStage string

const (
	TimerWarn  TimerStage = "warn"
	TimerClose TimerStage = "close"
)

// Why a conversation closed (Event.Reason of an EventClosed).
const (
	CloseReasonAgent      = "agent"
	CloseReasonInactivity = "inactivity"
)

// DefaultInactivityTimeout closes a quiet conversation when a channel sets
// nothing else.
const DefaultInactivityTimeout = 30 * time.Minute

// systemAuthor signs the messages the inactivity timer writes.
var systemAuthor = Author{Type: RoleSystem, ID: "inactivity"}

// Inactivity is a chat channel's inactivity timer: the conversation closes
// Timeout after the visitor's last message, and when Warning is set the
// visitor is warned that long before.
type Inactivity struct {
	// Timeout <= 0 disables the timer for the channel.
	Timeout time.Duration
	// Warning is the lead time of the warning; 0 (or >= Timeout) sends none.
	Warning time.Duration
	// Language of the built-in warning text (en, de, it, fr, pl); unknown
	// languages fall back to English.
	Language string
	// WarningText replaces the built-in text; "{minutes}" is replaced by the
	// minutes left.
	WarningText string
}

var warningTexts = map[string]string{
	"en": "Are you still there? This chat closes in {minutes} minutes if there is no reply.",
	"de": "Sind Sie noch da? Dieser Chat wird in {minutes} Minuten geschlossen, wenn keine Antwort kommt.",
	"it": "Sei ancora lì? Questa chat verrà chiusa tra {minutes} minuti se non ricevo risposta.",
	"fr": "Êtes-vous toujours là ? Cette conversation sera fermée dans {minutes} minutes sans réponse.",
	"pl": "Czy nadal tu jesteś? Ten czat zostanie zamknięty za {minutes} min, jeśli nie będzie odpowiedzi.",
}

// WarningLanguages are the languages with a built-in warning text.
func WarningLanguages() []string { return []string{"en", "de", "it", "fr", "pl"} }

// WarningMessage is the text of the warning for this channel.
func (in Inactivity) WarningMessage() string {
	text := in.WarningText
	if text == "" {
		text = warningTexts[in.Language]
	}
	if text == "" {
		text = warningTexts["en"]
	}
	minutes := int((in.Warning + time.Minute - 1) / time.Minute)
	return strings.ReplaceAll(text, "{minutes}", fmt.Sprint(max(minutes, 1)))
}

// inactivityOf returns the inactivity timer of a conversation's channel
// (from the channels' cache: no call per message).
func (s *Service) inactivityOf(ctx context.Context, c Conversation) (Inactivity, error) {
	ch, err := s.channelOf(ctx, c.ChannelID)
	return ch.Inactivity, err
}

// armTimer starts the conversation's inactivity timer in afresh from the
// visitor's activity at from. It only changes fields of the conversation
// item the message transaction writes anyway, so the timer costs no extra
// call per message.
func armTimer(c *Conversation, in Inactivity, from time.Time) {
	switch {
	case in.Timeout <= 0 || c.Status != StatusOpen:
		c.TimerAt, c.TimerStage = time.Time{}, ""
	case in.Warning > 0 && in.Warning < in.Timeout:
		c.TimerAt, c.TimerStage = from.Add(in.Timeout-in.Warning), TimerWarn
	default:
		c.TimerAt, c.TimerStage = from.Add(in.Timeout), TimerClose
	}
}

func stopTimer(c *Conversation) { c.TimerAt, c.TimerStage = time.Time{}, "" }

// TimerIndex lists conversations whose inactivity timer is due.
type TimerIndex interface {
	// TimerShards is the number of index partitions to read.
	TimerShards() int
	// DueTimers returns up to limit ids of conversations in shard whose
	// timer fires at or before now, oldest first, continuing after the
	// cursor after ("" for the start); next is "" at the end.
	DueTimers(ctx context.Context, shard int, now time.Time, limit int, after string) (ids []string, next string, err error)
}

// ExpireOutcome is what Expire did to one conversation.
type ExpireOutcome string

const (
	ExpireNone   ExpireOutcome = "none"   // not due (any more), or closed
	ExpireWarned ExpireOutcome = "warned" // the warning was written
	ExpireClosed ExpireOutcome = "closed" // closed with reason inactivity
)

// Expire fires the conversation's inactivity timer if it is due at now: it
// writes the warning, or closes the conversation with reason inactivity, as
// a conditional write to the seq stream. Firing twice, or racing a visitor
// message, changes the conversation once: the write is conditional on the
// seq, and the decision is taken again on the fresh state when it loses.
func (s *Service) Expire(ctx context.Context, conversationID string) (ExpireOutcome, error) {
	conv, listeners, err := s.store.ConversationListeners(ctx, conversationID)
	if errors.Is(err, ErrNotFound) {
		return ExpireNone, nil
	}
	if err != nil {
		return ExpireNone, fmt.Errorf("expire %s: %w", conversationID, err)
	}
	now := s.now()
	ch, err := s.channelOf(ctx, conv.ChannelID)
	if err != nil {
		return ExpireNone, fmt.Errorf("expire %s: %w", conversationID, err)
	}
	in := ch.Inactivity
	decide := func(c *Conversation) (*Event, string) {
		if c.Status != StatusOpen || c.TimerAt.IsZero() || c.TimerAt.After(now) {
			return nil, ""
		}
		if c.TimerStage == TimerWarn && in.Warning > 0 {
			c.TimerAt, c.TimerStage = c.TimerAt.Add(in.Warning), TimerClose
			return &Event{Type: EventWarning}, in.WarningMessage()
		}
		c.Status = StatusClosed
		stopTimer(c)
		c.Survey = c.Survey || ch.Survey
		// A bot left waiting (its session timeout) stops with the close.
		c.Bot.Wait = ""
		return &Event{Type: EventClosed, Reason: CloseReasonInactivity, Survey: ch.Survey}, ""
	}
	probe := conv
	ev, body := decide(&probe)
	if ev == nil {
		return ExpireNone, nil
	}
	res, err := s.store.Append(ctx, Append{
		Current: conv,
		Message: Message{Kind: KindEvent, Author: systemAuthor, Event: ev, Body: body, CreatedAt: now},
		Change: func(c *Conversation) error {
			if e, _ := decide(c); e == nil || e.Type != ev.Type {
				return errNoop
			}
			return nil
		},
	})
	if errors.Is(err, errNoop) {
		return ExpireNone, nil
	}
	if err != nil {
		return ExpireNone, fmt.Errorf("expire %s: %w", conversationID, err)
	}
	s.fanout(ctx, res.Conversation, res.Message, listeners, false)
	if ev.Type == EventWarning {
		return ExpireWarned, nil
	}
	return ExpireClosed, nil
}

// SweepResult counts what one sweep did.
type SweepResult struct {
	Due    int `json:"due"`
	Warned int `json:"warned"`
	Closed int `json:"closed"`
	Failed int `json:"failed"`
	// Truncated is true when the sweep stopped at its deadline with due
	// timers left; the next sweep takes them.
	Truncated bool `json:"truncated"`
}

// sweepPage is how many due timers one index query returns.
const sweepPage = 500

// sweepWorkers is how many conversations one sweep expires at once.
const sweepWorkers = 8

// Sweep fires every due inactivity timer: it reads the due entries of each
// shard of idx and expires those conversations, several at a time. It stops
// taking new work when ctx's deadline is less than a few seconds away. A
// failure on one conversation is logged and counted; the next sweep retries
// it, because its timer is still due.
func (s *Service) Sweep(ctx context.Context, idx TimerIndex) (SweepResult, error) {
	var (
		res SweepResult
		mu  sync.Mutex
		wg  sync.WaitGroup
	)
	now := s.now()
	work := make(chan string)
	for range sweepWorkers {
		wg.Go(func() {
			for id := range work {
				out, err := s.Expire(ctx, id)
				mu.Lock()
				switch {
				case err != nil:
					res.Failed++
					slog.ErrorContext(ctx, "expire conversation", "conversationId", id, "error", err)
				case out == ExpireWarned:
					res.Warned++
				case out == ExpireClosed:
					res.Closed++
				}
				mu.Unlock()
			}
		})
	}
	stopBy, hasDeadline := ctx.Deadline()
	var listErr error
feed:
	for shard := range idx.TimerShards() {
		after := ""
		for {
			ids, next, err := idx.DueTimers(ctx, shard, now, sweepPage, after)
			if err != nil {
				listErr = fmt.Errorf("sweep shard %d: %w", shard, err)
				break feed
			}
			for _, id := range ids {
				if hasDeadline && time.Until(stopBy) < 3*time.Second {
					res.Truncated = true
					break feed
				}
				mu.Lock()
				res.Due++
				mu.Unlock()
				work <- id
			}
			if next == "" {
				break
			}
			after = next
		}
	}
	close(work)
	wg.Wait()
	return res, listErr
}
