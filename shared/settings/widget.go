package settings

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chatflow"
)

// WidgetMaxAge is how long browsers and the CDN may keep a widget config
// (never past its nextChange). With CacheTTL and the widget asking again
// every WidgetPoll, a change reaches an open page within
// WidgetPoll + WidgetMaxAge + CacheTTL = 60 s.
const (
	WidgetMaxAge = 20 * time.Second
	WidgetPoll   = 30 * time.Second
)

// WidgetConfig is the widget's public config: the same for every visitor,
// nothing personal, cacheable.
type WidgetConfig struct {
	ChannelID        string `json:"channelId"`
	TeamName         string `json:"teamName"`
	Color            string `json:"color"`
	TeamAvatarURL    string `json:"teamAvatarUrl,omitempty"`
	LauncherText     string `json:"launcherText"`
	Position         string `json:"position"`
	Greeting         string `json:"greeting"`
	PoweredBy        bool   `json:"poweredBy"`
	Language         string `json:"language"`
	TypicalReplyTime string `json:"typicalReplyTime"`
	// Available says whether the team is available now; Away says what to
	// do while it is not.
	Available bool `json:"available"`
	Away      Away `json:"away"`
	// NextChange is when Available flips next by the schedule (business
	// hours); absent when nothing is scheduled.
	NextChange *time.Time `json:"nextChange,omitempty"`
	// Targeting says which pages get which of Flows (the chatflows it
	// names, by id) or no widget: the loader matches the rules on the page
	// (the page's address never comes here) and hands the chat window the
	// config with Flow set to the page's flow. Flow as sent is the one
	// pages no rule matches get. All three are absent when every page
	// gets live chat with the greeting, and only Flow is sent when every
	// page gets that flow (no rule, and the other pages are not hidden).
	Targeting *chatflow.Targeting   `json:"targeting,omitempty"`
	Flows     map[string]WidgetFlow `json:"flows,omitempty"`
	Flow      *WidgetFlow           `json:"flow,omitempty"`
}

// WidgetFlow is what the widget needs of a chatflow: the welcome message
// it shows on open and, for a bot, its name and picture and its opening:
// the texts it says after the welcome up to its first question
// (chatflow.Flow.Opening), the question last, and how that question is
// answered (Ask, absent when the opening stops before a handover or an
// end). The window shows them on open; the conversation starts with the
// visitor's first answer, and the rest of the steps come from the server.
type WidgetFlow struct {
	ID      string            `json:"id"`
	Kind    string            `json:"kind"`
	Welcome string            `json:"welcome,omitempty"`
	Bot     *chatflow.Persona `json:"bot,omitempty"`
	Opening []string          `json:"opening,omitempty"`
	Ask     *chatflow.Ask     `json:"ask,omitempty"`
}

// targeting sets a config's rules, the flows they name as the widget
// takes them, and the flow of the pages no rule matches; nothing when
// every page gets live chat with the greeting, and that flow alone when
// every page gets it (the config stays small for the common case of one
// flow on the whole site).
func (cfg *WidgetConfig) targeting(ch Channel) {
	t := ch.Targeting
	if t.Zero() {
		return
	}
	if len(t.Rules) == 0 && !t.OtherPages.Hide {
		for _, f := range ch.Chatflows {
			if f.ID == t.OtherPages.Flow {
				w := widgetFlow(f)
				cfg.Flow = &w
			}
		}
		return
	}
	named := map[string]bool{t.OtherPages.Flow: true}
	for _, r := range t.Rules {
		named[r.Flow] = true
	}
	cfg.Targeting, cfg.Flows = &t, map[string]WidgetFlow{}
	for _, f := range ch.Chatflows {
		if !named[f.ID] {
			continue
		}
		w := widgetFlow(f)
		cfg.Flows[f.ID] = w
		if f.ID == t.OtherPages.Flow {
			cfg.Flow = &w
		}
	}
}

// widgetFlow is a flow as the widget takes it.
func widgetFlow(f chatflow.Flow) WidgetFlow {
	w := WidgetFlow{ID: f.ID, Kind: f.Kind, Welcome: f.Welcome}
	if f.Kind == chatflow.KindBot {
		w.Bot = &f.Bot
		for _, e := range f.Opening() {
			w.Opening, w.Ask = append(w.Opening, e.Text), e.Asks()
		}
	}
	return w
}

// WidgetConfig returns a channel's public config and how long it may be
// cached: WidgetMaxAge, or less when the availability changes sooner. The
// availability is the channel's schedule at this instant, or in team mode
// whether a member of its inbox is available (known within CacheTTL).
func (s *Service) WidgetConfig(ctx context.Context, channelID string) (WidgetConfig, time.Duration, error) {
	e, err := s.cache.get(ctx, channelID)
	if err != nil {
		return WidgetConfig{}, 0, err
	}
	now := s.cache.now()
	team := false
	if e.schedule.Mode() == availability.Team {
		if team, err = s.teamAvailable(ctx, e.ch.InboxID, now); err != nil {
			return WidgetConfig{}, 0, err
		}
	}
	st := e.schedule.Status(now, team)
	l := e.ch.Look
	cfg := WidgetConfig{
		ChannelID: e.ch.ID, TeamName: l.TeamName, Color: l.Color, TeamAvatarURL: l.TeamAvatarURL,
		LauncherText: l.LauncherText, Position: l.Position, Greeting: l.Greeting, PoweredBy: l.PoweredBy,
		Language: l.Language, TypicalReplyTime: e.ch.TypicalReplyTime, Available: st.Available, Away: e.ch.Away,
	}
	cfg.targeting(e.ch)
	maxAge := WidgetMaxAge
	if !st.NextChange.IsZero() {
		next := st.NextChange.UTC()
		cfg.NextChange = &next
		// Whole seconds, rounded down: a cached answer never outlives it.
		maxAge = min(maxAge, next.Sub(now).Truncate(time.Second))
	}
	return cfg, max(maxAge, 0), nil
}

// Color is a channel's theme colour, "#rrggbb" whatever is stored (the
// default when the channel cannot be read), safe to put in a style.
func (s *Service) Color(ctx context.Context, channelID string) string {
	if e, err := s.cache.get(ctx, channelID); err == nil && hexColor.MatchString(e.ch.Look.Color) {
		return e.ch.Look.Color
	}
	return DefaultColor
}

// teamCache keeps whether each inbox's team is available, CacheTTL long:
// a config miss in team mode reads the members' presence at most that
// often per function.
type teamCache struct {
	mu      sync.Mutex
	entries map[string]teamEntry
}

type teamEntry struct {
	available bool
	at        time.Time
}

func (t *teamCache) forget(inboxID string) {
	t.mu.Lock()
	delete(t.entries, inboxID)
	t.mu.Unlock()
}

func (s *Service) teamAvailable(ctx context.Context, inboxID string, now time.Time) (bool, error) {
	s.teams.mu.Lock()
	e, ok := s.teams.entries[inboxID]
	s.teams.mu.Unlock()
	if ok && now.Sub(e.at) < CacheTTL && !e.at.After(now) {
		return e.available, nil
	}
	available, err := s.team.TeamAvailable(ctx, inboxID)
	if err != nil {
		return false, fmt.Errorf("team of %s: %w", inboxID, err)
	}
	s.teams.mu.Lock()
	if len(s.teams.entries) >= maxCached {
		clear(s.teams.entries)
	}
	s.teams.entries[inboxID] = teamEntry{available: available, at: now}
	s.teams.mu.Unlock()
	return available, nil
}
