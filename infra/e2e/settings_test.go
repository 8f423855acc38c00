package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/settings"
)

// channelDoc is a chat channel as the settings routes send it, loosely
// typed so a test changes a field and sends the rest back as it came.
type channelDoc = map[string]any

// newChannel makes a chat channel of the main inbox for one test, which
// the demo site embeds.
func newChannel(t *testing.T, admin *chatclient.Agent, name string) channelDoc {
	t.Helper()
	var ch channelDoc
	if err := admin.Call(wait(t), http.MethodPost, "/agent/settings/channels", map[string]string{"inboxId": "main", "name": name}, &ch); err != nil {
		t.Fatal(err)
	}
	ch["allowedOrigins"] = []string{siteOrigin()}
	return putChannel(t, admin, ch)
}

func putChannel(t *testing.T, admin *chatclient.Agent, ch channelDoc) channelDoc {
	t.Helper()
	var out channelDoc
	if err := admin.Call(wait(t), http.MethodPut, "/agent/settings/channels/"+ch["id"].(string), ch, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// widgetConfig asks GET /widget/config as the loader does (no origin, no
// cookie) and returns the answer and how long it may be cached.
func widgetConfig(t *testing.T, channel string) (map[string]any, int) {
	t.Helper()
	req, err := http.NewRequestWithContext(wait(t), http.MethodGet, endpoints().HTTPAPI+"/widget/config?channelId="+channel, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &cfg) != nil {
		t.Fatalf("config of %s = %d %s", channel, resp.StatusCode, body)
	}
	if len(resp.Cookies()) > 0 {
		t.Errorf("the config set cookies %v", resp.Cookies())
	}
	maxAge, err := strconv.Atoi(strings.TrimPrefix(resp.Header.Get("Cache-Control"), "public, max-age="))
	if err != nil || maxAge > int(settings.WidgetMaxAge/time.Second) {
		t.Errorf("Cache-Control %q, want public, max-age of at most %v", resp.Header.Get("Cache-Control"), settings.WidgetMaxAge)
	}
	return cfg, maxAge
}

// pastTheCaches moves the cloud's clock past every function's settings
// cache: what an admin changed is what every function reads now.
func pastTheCaches(t *testing.T) { advance(t, settings.CacheTTL) }

// TestSettingsReachTheWidget: an admin changes a channel's colour,
// greeting and launcher text; the widget's config shows them once the
// functions' cache window has passed, without a restart; markup stays
// text. The channel's own visitors start conversations in it.
func TestSettingsReachTheWidget(t *testing.T) {
	admin := newAgent(t, "alice")
	ch := newChannel(t, admin, "Look "+uuid.NewString()[:8])
	id := ch["id"].(string)
	pastTheCaches(t)
	before, _ := widgetConfig(t, id)

	look := ch["look"].(map[string]any)
	look["color"], look["launcherText"] = "#1f6f43", "Chat with us"
	look["greeting"] = "Ciao! <img src=x onerror=alert(1)> Come possiamo aiutarti?"
	putChannel(t, admin, ch)
	pastTheCaches(t)
	after, _ := widgetConfig(t, id)
	for _, k := range []string{"color", "launcherText", "greeting"} {
		if after[k] != look[k] || after[k] == before[k] {
			t.Errorf("config %s = %q (before %q), want %q", k, after[k], before[k], look[k])
		}
	}

	// A visitor of the channel, in the chat window: its conversation is
	// the channel's.
	v, _, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	_, conv, _ := startConversation(t, v, "Hello from the shop")
	var thread struct{ Conversation chat.Summary }
	if err := admin.Call(wait(t), http.MethodGet, "/agent/conversations/"+conv, nil, &thread); err != nil || thread.Conversation.ChannelID != id || thread.Conversation.InboxID != "main" {
		t.Errorf("conversation %+v, %v; want one of channel %s in main", thread.Conversation, err, id)
	}
	// Visitors' sessions come from the chat window alone: a site the
	// channel lists frames it but is refused like any other.
	for _, site := range []string{siteOrigin(), "https://elsewhere.example"} {
		if _, _, err := chatclient.NewVisitor(wait(t), endpoints(), site, id, ""); apiStatus(err) != http.StatusUnauthorized {
			t.Errorf("a session from the site %s: %v, want 401", site, err)
		}
	}
}

// refusedSave saves doc as channel id, which the API must refuse with
// 400, and returns the fields it names.
func refusedSave(t *testing.T, admin *chatclient.Agent, id string, doc channelDoc) []chat.FieldError {
	t.Helper()
	err := admin.Call(wait(t), http.MethodPut, "/agent/settings/channels/"+id, doc, nil)
	var apiErr *chatclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
		t.Fatalf("save = %v, want 400", err)
	}
	var body struct {
		Error struct{ Fields []chat.FieldError }
	}
	if err := json.Unmarshal([]byte(apiErr.Body), &body); err != nil {
		t.Fatal(err)
	}
	return body.Error.Fields
}

// TestSettingsValidation: every field at fault is named; hostile input is
// refused or kept as text, and a refused change stores nothing.
func TestSettingsValidation(t *testing.T) {
	admin := newAgent(t, "alice")
	ch := newChannel(t, admin, "Checks "+uuid.NewString()[:8])
	path := "/agent/settings/channels/" + ch["id"].(string)
	bad := map[string]any{}
	for k, v := range ch {
		bad[k] = v
	}
	bad["look"] = map[string]any{"color": "#ffe066", "launcherText": strings.Repeat("x", 41), "position": "middle", "teamName": "Team",
		"greeting": strings.Repeat("<b>hello</b>", 100_000), "poweredBy": true, "language": "en"}
	bad["allowedOrigins"] = []string{"http://shop.example.com", "https://shop.example.com/cart"}
	bad["email"] = map[string]any{"transcriptOnClose": true, "senderName": "", "senderAddress": "help@elsewhere.test"}
	bad["availability"] = map[string]any{"mode": "hours", "timeZone": "Europe/Rome", "week": map[string]any{"mon": []map[string]string{{"start": "18:00", "end": "09:00"}}}}
	b, err := json.Marshal(bad)
	if err != nil {
		t.Fatal(err)
	}
	status, body := rawCall(t, http.MethodPut, path, "", agentToken(t, "alice"), string(b))
	var answer struct {
		Error struct {
			Code   string
			Fields []chat.FieldError
		}
	}
	if err := json.Unmarshal([]byte(body), &answer); err != nil || status != http.StatusBadRequest || answer.Error.Code != "invalid_request" {
		t.Fatalf("PUT with bad fields = %d %.300s", status, body)
	}
	var fields []string
	for _, f := range answer.Error.Fields {
		fields = append(fields, f.Field)
	}
	want := []string{"allowedOrigins[0]", "allowedOrigins[1]", "look.color", "look.launcherText", "look.position", "look.greeting",
		"availability.week.mon[0].end", "email.senderAddress"}
	if !slices.Equal(fields, want) {
		t.Errorf("fields named %q, want %q", fields, want)
	}
	var stored channelDoc
	if err := admin.Call(wait(t), http.MethodGet, path, nil, &stored); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(stored) != fmt.Sprint(ch) {
		t.Errorf("after the refusal the channel is %v, want it unchanged: %v", stored, ch)
	}
}

// TestSettingsAreTheAdmins: an agent gets 403 on every settings and team
// route, whatever it names; the list is the template's, so a new settings
// or team route without a row here fails.
func TestSettingsAreTheAdmins(t *testing.T) {
	rows := map[string]string{ // route -> body
		"GET /agent/settings/channels":      "",
		"POST /agent/settings/channels":     `{"inboxId":"main","name":"Mine"}`,
		"GET /agent/settings/channels/{id}": "",
		"PUT /agent/settings/channels/{id}": `{"name":"Mine"}`,
		"GET /agent/settings/inboxes":       "",
		"POST /agent/settings/inboxes":      `{"name":"Mine"}`,
		"PUT /agent/settings/inboxes/{id}":  `{"name":"Mine","memberIds":[],"routing":{"mode":"manual","capacity":5}}`,
		"PUT /agent/agents/{id}/access":     `{"disabled":true}`,
		"GET /agent/team":                   "",
		"POST /agent/team":                  `{"email":"mine@example.com","name":"Mine","role":"admin","inboxIds":["main"]}`,
		"PUT /agent/team/{id}":              `{"role":"admin","inboxIds":["main"]}`,
	}
	var routes []string
	for _, r := range templateRoutes(cloud) {
		if strings.Contains(r, " /agent/settings/") || strings.Contains(r, " /agent/team") {
			routes = append(routes, r)
		}
	}
	if len(routes) == 0 {
		t.Fatal("the template has no settings route")
	}
	routes = append(routes, "PUT /agent/agents/{id}/access")
	agent := agentToken(t, "ben")
	for _, route := range routes {
		body, ok := rows[route]
		if !ok {
			t.Errorf("settings route %s has no row in this test", route)
			continue
		}
		method, path, _ := strings.Cut(route, " ")
		for _, id := range []string{"main", "no-such-id"} {
			status, got := rawCall(t, method, strings.ReplaceAll(path, "{id}", id), "", agent, body)
			what := "change settings"
			switch {
			case strings.HasPrefix(path, "/agent/agents/"):
				what = "turn an agent's access on or off"
			case strings.HasPrefix(path, "/agent/team"):
				what = "manage the team"
			}
			want := `{"error":{"code":"forbidden","message":"only admins can ` + what + `"}}`
			if status != http.StatusForbidden || got != want {
				t.Errorf("%s as an agent (id %s) = %d %s, want 403 forbidden", route, id, status, got)
			}
		}
	}
	// The routes every agent has: its own inboxes and status.
	var mine struct{ Inboxes []settings.InboxRef }
	if err := newAgent(t, "ben").Call(wait(t), http.MethodGet, "/agent/inboxes", nil, &mine); err != nil || len(mine.Inboxes) == 0 || mine.Inboxes[0].ID != "main" {
		t.Errorf("ben's inboxes %+v, %v", mine, err)
	}
}

// TestBusinessHoursAcrossDaylightSaving: a channel open 09:00-12:30 and
// 14:00-18:00 in Europe/Rome, every day, with a holiday the day after the
// next change of the clocks there. The cloud's clock walks through that
// weekend: the config is available exactly inside the hours, in Rome's
// time on both sides of the change, closed on the holiday, and names the
// next change.
func TestBusinessHoursAcrossDaylightSaving(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	// The day of Rome's next clock change, two days away or more.
	change := cloud.Now().In(rome).Add(48 * time.Hour)
	_, offset := change.Zone()
	for {
		change = change.Add(time.Hour)
		if _, o := change.Zone(); o != offset {
			break
		}
	}
	y, m, d := change.Date()
	at := func(day int, clock string) time.Time {
		hh, mm, _ := strings.Cut(clock, ":")
		h, _ := strconv.Atoi(hh)
		mi, _ := strconv.Atoi(mm)
		return time.Date(y, m, d+day, h, mi, 0, 0, rome)
	}
	holiday := at(1, "00:00").Format(time.DateOnly)

	admin := newAgent(t, "alice")
	ch := newChannel(t, admin, "Hours "+uuid.NewString()[:8])
	shifts := []map[string]string{{"start": "09:00", "end": "12:30"}, {"start": "14:00", "end": "18:00"}}
	week := map[string]any{}
	for _, day := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		week[day] = shifts
	}
	ch["availability"] = map[string]any{"mode": "hours", "timeZone": "Europe/Rome", "week": week,
		"holidays": []map[string]string{{"date": holiday, "name": "Pasquetta or so"}}}
	id := putChannel(t, admin, ch)["id"].(string)

	steps := []struct {
		at        time.Time
		available bool
		next      time.Time
	}{
		{at(-1, "17:59").Add(30 * time.Second), true, at(-1, "18:00")},
		{at(-1, "18:00"), false, at(0, "09:00")},
		{at(0, "08:59").Add(30 * time.Second), false, at(0, "09:00")},
		{at(0, "09:00"), true, at(0, "12:30")},
		{at(0, "12:30"), false, at(0, "14:00")},
		{at(0, "14:00"), true, at(0, "18:00")},
		{at(0, "18:00"), false, at(2, "09:00")}, // the holiday is skipped
		{at(1, "10:00"), false, at(2, "09:00")},
		{at(2, "09:00"), true, at(2, "12:30")},
	}
	for _, s := range steps {
		d := s.at.Sub(cloud.Now())
		if d <= 0 {
			t.Fatalf("the cloud's clock is past %v already", s.at)
		}
		advance(t, d)
		asked := cloud.Now()
		cfg, maxAge := widgetConfig(t, id)
		next := s.next.UTC().Format(time.RFC3339)
		if cfg["available"] != s.available || cfg["nextChange"] != next {
			t.Errorf("at %s: available %v, next change %v; want %v, %s", s.at.Format("Mon 2006-01-02 15:04:05 MST"), cfg["available"], cfg["nextChange"], s.available, next)
		}
		if time.Duration(maxAge)*time.Second > s.next.Sub(asked) {
			t.Errorf("at %s: cacheable for %d s, past the next change %s later", s.at.Format(time.TimeOnly), maxAge, s.next.Sub(asked))
		}
	}
}

// TestTeamStatusAvailability: a channel in team mode is available while a
// member of its inbox is: the last available agent setting away makes it
// away, coming back available; leaving the inbox (no socket) counts as
// away after 10 minutes. Each change shows in the config within the
// functions' cache window.
func TestTeamStatusAvailability(t *testing.T) {
	admin := newAgent(t, "alice")
	ch := newChannel(t, admin, "Team "+uuid.NewString()[:8])
	ch["availability"] = map[string]any{"mode": "team"}
	ch["away"] = map[string]any{"mode": "hide", "message": ""}
	id := putChannel(t, admin, ch)["id"].(string)
	setStatus := func(ctx context.Context, a *chatclient.Agent, status string) {
		t.Helper()
		if err := a.Call(ctx, http.MethodPut, "/agent/me/status", map[string]string{"status": status}, nil); err != nil {
			t.Error(err)
		}
	}
	available := func(step string, want bool) {
		t.Helper()
		pastTheCaches(t)
		if cfg, _ := widgetConfig(t, id); cfg["available"] != want {
			t.Errorf("%s: available %v, want %v", step, cfg["available"], want)
		}
	}
	// Whoever other tests left behind has been gone for 10 minutes.
	const awayAfter = 10 * time.Minute
	advance(t, awayAfter)
	available("nobody in the inbox", false)

	ben := newAgent(t, "ben")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		setStatus(ctx, ben, "available")
	})
	tab := connect(t, ben)
	available("ben opens the inbox", true)
	setStatus(wait(t), ben, "away")
	available("ben, the last one available, sets away", false)
	setStatus(wait(t), ben, "available")
	available("ben is back", true)

	tab.Close()
	// The grace starts when $disconnect has recorded the close.
	benSub := mustSub(t, "ben")
	eventually(t, "ben's socket closed", func() error {
		st := chatStore(t)
		p, err := st.AgentPresence(wait(t), benSub)
		if err != nil || len(p.Sockets) > 0 {
			// Whether each socket left is still a stored connection tells
			// a $disconnect that never came from one that missed it.
			var left []string
			for _, s := range p.Sockets {
				c, err := st.Connection(wait(t), s.ConnectionID)
				left = append(left, fmt.Sprintf("%s: connected at %s, %v", s.ConnectionID, c.ConnectedAt, err))
			}
			return fmt.Errorf("presence %+v (sockets left: %v), %v", p, left, err)
		}
		return nil
	})
	advance(t, awayAfter-settings.CacheTTL-time.Minute)
	available("ben left the inbox 9 minutes ago", true)
	advance(t, time.Minute)
	available("ben left 10 minutes ago", false)
	connect(t, newAgent(t, "chiara"))
	available("chiara opens the inbox", true)
}
