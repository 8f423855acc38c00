package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/chatflow"
	"github.com/parleychat/parley/shared/mail"
)

// Limits of what a channel or an inbox stores.
const (
	MaxNameRunes         = 60
	MaxLauncherTextRunes = 40
	MaxGreetingRunes     = 500
	MaxAwayMessageRunes  = 500
	MaxWarningTextRunes  = 300
	MaxOrigins           = 50
	MaxURLLength         = 2048
	MaxTimeoutMinutes    = 24 * 60
	MaxWarningMinutes    = 60
	MaxCapacity          = 100
	MaxMembers           = 500
	MaxChatflows         = 10
	// MaxChannelBytes bounds a channel's stored document (its JSON), so
	// that its item stays well within DynamoDB's 400 KB.
	MaxChannelBytes = 256 << 10
	// MaxFileMegabytes is the largest file any channel may take, as the
	// MaxFileMegabytes parameter's own bound.
	MaxFileMegabytes = 100
	// MinContrast is the least contrast ratio of white on the theme
	// colour: WCAG 2.1's 3:1 for graphical objects (1.4.11, the launcher's
	// icon and the header's buttons) and large text (1.4.3, the header's
	// team name and a bold launcher text).
	MinContrast = 3.0
)

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// checker collects the problems of a document, each named by its JSON path.
type checker struct{ fields []chat.FieldError }

func (c *checker) add(field, format string, args ...any) {
	c.fields = append(c.fields, chat.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// err is nil when nothing was found, and otherwise a validation error
// naming every field at fault.
func (c *checker) err(what string) error {
	if len(c.fields) == 0 {
		return nil
	}
	return &chat.ValidationError{Message: what + " has invalid fields", Fields: c.fields}
}

// text checks a text field: at most max characters, and no control
// characters except line breaks where multiline; required ones must hold
// more than spaces. It returns the text with spaces trimmed at the ends.
func (c *checker) text(field, v string, max int, required, multiline bool) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		c.add(field, "is required")
	case utf8.RuneCountInString(v) > max:
		c.add(field, "must be at most %d characters", max)
	case strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && !(multiline && r == '\n') }):
		c.add(field, "must not contain control characters")
	}
	return v
}

func (c *checker) oneOf(field, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		c.add(field, "must be one of %s", strings.Join(allowed, ", "))
	}
}

// Contrast is the WCAG 2.1 contrast ratio of white on the colour
// "#rrggbb" (1 to 21).
func Contrast(color string) float64 {
	lum := 0.0
	for i, weight := range []float64{0.2126, 0.7152, 0.0722} {
		n, _ := strconv.ParseUint(color[1+2*i:3+2*i], 16, 8)
		c := float64(n) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		lum += weight * c
	}
	return 1.05 / (lum + 0.05)
}

// checkChannel validates a channel document (not its inbox, which the
// service looks up) and returns it normalised: trimmed texts, the colour
// in lower case, origins as browsers send them. senderDomain is the
// domain the deployment may send email from.
func checkChannel(ch Channel, senderDomain string) (Channel, error) {
	var c checker
	ch.Name = c.text("name", ch.Name, MaxNameRunes, true, false)
	ch.AllowedOrigins = c.origins(ch.AllowedOrigins)

	l := &ch.Look
	switch {
	case !hexColor.MatchString(l.Color):
		c.add("look.color", "must be a colour like #2f5bea")
	case Contrast(l.Color) < MinContrast:
		// Truncated, so a colour just below the line never reads 3.0:1.
		c.add("look.color", "contrast with white text is too low (%.1f:1, needs %g:1)", math.Floor(Contrast(l.Color)*10)/10, MinContrast)
	default:
		l.Color = strings.ToLower(l.Color)
	}
	l.LauncherText = c.text("look.launcherText", l.LauncherText, MaxLauncherTextRunes, false, false)
	c.oneOf("look.position", l.Position, PositionRight, PositionLeft)
	l.TeamName = c.text("look.teamName", l.TeamName, MaxNameRunes, true, false)
	if l.TeamAvatarURL != "" && !httpsURL(l.TeamAvatarURL) {
		c.add("look.teamAvatarUrl", "must be an https URL of at most %d characters", MaxURLLength)
	}
	l.Greeting = c.text("look.greeting", l.Greeting, MaxGreetingRunes, false, true)
	c.oneOf("look.language", l.Language, Languages...)

	if _, err := availability.New(ch.Availability); err != nil {
		var v *availability.ValidationError
		if !errors.As(err, &v) {
			return Channel{}, fmt.Errorf("check availability: %w", err)
		}
		for _, f := range v.Fields {
			c.add("availability."+f.Field, "%s", f.Message)
		}
	}

	c.oneOf("away.mode", ch.Away.Mode, AwayMessage, AwayHide)
	ch.Away.Message = c.text("away.message", ch.Away.Message, MaxAwayMessageRunes, ch.Away.Mode == AwayMessage, true)
	c.oneOf("typicalReplyTime", ch.TypicalReplyTime, ReplyMinutes, ReplyHours, ReplyDay)

	e := &ch.Email
	e.SenderName = c.text("email.senderName", e.SenderName, mail.MaxDisplayNameLen, false, false)
	if addr, err := mail.ParseAddress(e.SenderAddress); err != nil {
		c.add("email.senderAddress", "must be an email address")
	} else if _, domain, _ := strings.Cut(addr, "@"); domain != senderDomain {
		c.add("email.senderAddress", "must be an address at %s, the domain this deployment sends from", senderDomain)
	} else {
		e.SenderAddress = addr
	}

	in := &ch.Inactivity
	if in.TimeoutMinutes < 0 || in.TimeoutMinutes > MaxTimeoutMinutes {
		c.add("inactivity.timeoutMinutes", "must be between 0 (never close) and %d", MaxTimeoutMinutes)
	}
	switch {
	case in.WarningMinutes < 0 || in.WarningMinutes > MaxWarningMinutes:
		c.add("inactivity.warningMinutes", "must be between 0 (no warning) and %d", MaxWarningMinutes)
	case in.WarningMinutes > 0 && in.TimeoutMinutes > 0 && in.WarningMinutes >= in.TimeoutMinutes:
		c.add("inactivity.warningMinutes", "must be less than the timeout")
	}
	in.WarningText = c.text("inactivity.warningText", in.WarningText, MaxWarningTextRunes, false, false)

	if f := ch.Files; f.MaxMegabytes < 0 || f.MaxMegabytes > MaxFileMegabytes {
		c.add("files.maxMegabytes", "must be between 0 (the deployment's limit) and %d", MaxFileMegabytes)
	}
	if f := ch.Files; f.PerMessage < 0 || f.PerMessage > chat.MaxUploadsPerMessage {
		c.add("files.perMessage", "must be between 0 (the deployment's limit) and %d", chat.MaxUploadsPerMessage)
	}
	if d := ch.Retention.ClosedDays; d < 0 || d > MaxRetentionDays {
		c.add("retention.closedDays", "must be between 0 (keep forever) and %d", MaxRetentionDays)
	}
	ch.Chatflows = c.chatflows(ch.Chatflows)
	ch.Targeting = c.targeting(ch.Targeting, ch.Chatflows)
	if len(c.fields) == 0 {
		// Each field is bounded, but not their sum: the flows at their
		// limits would make an item DynamoDB refuses (400 KB), which every
		// function reads.
		if doc, err := json.Marshal(ch); err == nil && len(doc) > MaxChannelBytes {
			c.add("chatflows", "make the channel %d KB, more than the %d KB a channel may hold: shorten or remove steps", (len(doc)+1023)/1024, MaxChannelBytes/1024)
		}
	}
	return ch, c.err("the channel")
}

// targeting checks the rules' patterns and the flows they name.
func (c *checker) targeting(t chatflow.Targeting, flows []chatflow.Flow) chatflow.Targeting {
	t, problems := chatflow.CheckTargeting(t, flows)
	for _, p := range problems {
		c.add("targeting."+p.Field, "%s", p.Message)
	}
	return t
}

// chatflows checks each flow (its problems named by their JSON path, the
// step in the message) and that no two share an id.
func (c *checker) chatflows(flows []chatflow.Flow) []chatflow.Flow {
	if len(flows) > MaxChatflows {
		c.add("chatflows", "must hold at most %d flows", MaxChatflows)
		return flows
	}
	seen := map[string]bool{}
	for i, f := range flows {
		at := fmt.Sprintf("chatflows[%d]", i)
		checked, problems := chatflow.Check(f, func(u string) bool { return httpsURL(u) })
		for _, p := range problems {
			c.add(at+"."+p.Field, "%s", p.Message)
		}
		if seen[checked.ID] {
			c.add(at+".id", "flow %q is defined twice", checked.ID)
		}
		seen[checked.ID] = true
		flows[i] = checked
	}
	return flows
}

// origins checks the allowed origins: https, except http on the local
// machine (a development site); each normalised as browsers send it.
func (c *checker) origins(list []string) []string {
	if len(list) > MaxOrigins {
		c.add("allowedOrigins", "must list at most %d origins", MaxOrigins)
		return list
	}
	out := make([]string, 0, len(list))
	for i, raw := range list {
		o, ok := auth.NormalizeOrigin(raw)
		u, _ := url.Parse(o)
		switch {
		case !ok || len(raw) > MaxURLLength:
			c.add(fmt.Sprintf("allowedOrigins[%d]", i), "must be an origin like https://www.example.com (no path)")
		case u.Scheme != "https" && !loopback(u.Hostname()):
			c.add(fmt.Sprintf("allowedOrigins[%d]", i), "must use https")
		case !slices.Contains(out, o):
			out = append(out, o)
		}
	}
	return out
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func httpsURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && len(raw) <= MaxURLLength
}

// checkInbox validates an inbox's own fields (its members are checked
// against the agents by the service).
func checkInbox(in Inbox) (Inbox, error) {
	var c checker
	in.Name = c.text("name", in.Name, MaxNameRunes, true, false)
	c.oneOf("routing.mode", in.Routing.Mode, RoutingManual, RoutingRoundRobin)
	if in.Routing.Capacity < 1 || in.Routing.Capacity > MaxCapacity {
		c.add("routing.capacity", "must be between 1 and %d", MaxCapacity)
	}
	if in.MemberIDs == nil {
		// An inbox is put whole: left out, its members would all go.
		c.add("memberIds", "is required (an empty list: no member)")
	}
	if len(in.MemberIDs) > MaxMembers {
		c.add("memberIds", "must list at most %d agents", MaxMembers)
	}
	return in, c.err("the inbox")
}
