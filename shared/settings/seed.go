package settings

import (
	"slices"
	"strings"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chatflow"
)

// Seed is what the first inbox and its channel start from: the
// deployment's parameters. After the first use they are only defaults;
// admins change the stored settings.
type Seed struct {
	ChannelID string
	InboxID   string
	// TeamName, Color, AllowedOrigins, Language and Inactivity are the
	// template's TeamName, ThemeColor, AllowedOrigins, WidgetLanguage and
	// inactivity parameters.
	TeamName       string
	Color          string
	AllowedOrigins []string
	Language       string
	Inactivity     Inactivity
	// SenderAddress is the deployment's sender (MAIL_SENDER_ADDRESS) and
	// SenderDomain the domain every channel's sender must be at.
	SenderAddress string
	SenderDomain  string
	// Files are the deployment's file limits (the MaxFileMegabytes and
	// MaxFilesPerMessage parameters): those of every channel that keeps 0.
	Files attachment.FileLimits
}

// Defaults of what no parameter sets.
const (
	DefaultTeamName    = "Support"
	DefaultColor       = "#2f5bea"
	DefaultChannelName = "Website"
	DefaultGreeting    = "Hi! How can we help?"
	DefaultAwayMessage = "We're away right now. Leave your email and we'll answer by email."
	DefaultCapacity    = 5
	defaultLanguage    = "en"
)

// inbox is the first inbox.
func (s Seed) inbox() Inbox {
	return Inbox{ID: s.InboxID, Name: s.teamName(), Routing: Routing{Mode: RoutingManual, Capacity: DefaultCapacity}}
}

func (s Seed) teamName() string {
	name := strings.TrimSpace(s.TeamName)
	if name == "" || len([]rune(name)) > MaxNameRunes {
		return DefaultTeamName
	}
	return name
}

// channel is the first channel, as the parameters describe it.
func (s Seed) channel() Channel {
	ch := s.defaults(s.ChannelID, s.InboxID, DefaultChannelName)
	for _, o := range s.AllowedOrigins {
		var c checker
		ch.AllowedOrigins = append(ch.AllowedOrigins, c.origins([]string{o})...)
	}
	return ch
}

// defaults is a new channel as the parameters describe one, no origin
// allowed yet. Values a parameter got wrong fall back to the built-in
// defaults: a typo at deploy time never breaks the widget, and the admin
// sees and fixes the stored value.
func (s Seed) defaults(id, inboxID, name string) Channel {
	ch := Channel{
		ID: id, InboxID: inboxID, Name: name, AllowedOrigins: []string{}, Chatflows: []chatflow.Flow{},
		Targeting: chatflow.Targeting{Rules: []chatflow.Rule{}},
		Look: Look{
			Color: DefaultColor, Position: PositionRight, TeamName: s.teamName(),
			Greeting: DefaultGreeting, PoweredBy: true, Language: defaultLanguage,
		},
		Availability:     availability.Settings{Mode: availability.Always},
		Away:             Away{Mode: AwayMessage, Message: DefaultAwayMessage},
		TypicalReplyTime: ReplyMinutes,
		Email:            Email{TranscriptOnClose: true, SenderAddress: s.SenderAddress},
		Inactivity:       s.Inactivity,
	}
	if hexColor.MatchString(s.Color) {
		ch.Look.Color = strings.ToLower(s.Color)
	}
	if slices.Contains(Languages, s.Language) {
		ch.Look.Language = s.Language
	}
	return ch
}
