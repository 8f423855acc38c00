package settings_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/chatflow"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/settings"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/store/storetest"
	"github.com/parleychat/parley/shared/team"
)

var ddb *storetest.Server

func TestMain(m *testing.M) {
	ddb = storetest.Start()
	code := m.Run()
	ddb.Close()
	os.Exit(code)
}

var seed = settings.Seed{
	ChannelID: "main", InboxID: "main", TeamName: "Northwind Coffee", Color: "#8A4B2A",
	AllowedOrigins: []string{"https://www.example.com", "not an origin", "http://localhost:3000"}, Language: "it",
	Inactivity:    settings.Inactivity{TimeoutMinutes: 30, WarningMinutes: 2},
	SenderAddress: "chat@example.com", SenderDomain: "example.com",
	Files: attachment.FileLimits{MaxBytes: 10 << 20, MaxFiles: 5},
}

type nopNotifier struct{}

func (nopNotifier) Push(context.Context, []string, any) []string { return nil }

// fixture is the settings over a table of their own, with a clock the
// test moves.
type fixture struct {
	table string
	st    *store.Store
	db    *storetest.Counting
	cache *settings.Cache
	svc   *settings.Service
	chat  *chat.Service
	// members changes inboxes' members (PutInbox).
	members *team.Service
	now     time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.NewCounting(ddb.Client())
	f := &fixture{table: ddb.NewTable(t), db: db, now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	f.st = store.New(db, f.table, nil)
	f.cache = f.newCache(t)
	var err error
	f.chat, err = chat.NewService(f.st, nopNotifier{}, chat.Options{ChannelID: "main", Channels: f.cache, AgentInboxes: []string{"main"},
		SocketFrames: ratelimit.New(f.st, ratelimit.Limits{}, nil), Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	if f.svc, err = settings.NewService(f.cache, f.chat, nil); err != nil {
		t.Fatal(err)
	}
	if f.members, err = team.New(f.st, access.New(f.st, noSockets{}, f.chat, nil), f.svc, nil, func() time.Time { return f.now }); err != nil {
		t.Fatal(err)
	}
	return f
}

// noSockets closes no socket: these tests open none.
type noSockets struct{}

func (noSockets) PostToConnection(context.Context, *apigatewaymanagementapi.PostToConnectionInput, ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	return &apigatewaymanagementapi.PostToConnectionOutput{}, nil
}

func (noSockets) DeleteConnection(context.Context, *apigatewaymanagementapi.DeleteConnectionInput, ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error) {
	return &apigatewaymanagementapi.DeleteConnectionOutput{}, nil
}

// newCache is the cache of another function over the same table.
func (f *fixture) newCache(t *testing.T) *settings.Cache {
	t.Helper()
	c, err := settings.NewCache(f.st, seed, func() time.Time { return f.now })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSeed(t *testing.T) {
	f := newFixture(t)
	ch, err := f.svc.Channel(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	want := settings.Channel{
		ID: "main", InboxID: "main", Name: settings.DefaultChannelName,
		AllowedOrigins: []string{"https://www.example.com", "http://localhost:3000"},
		Look:           settings.Look{Color: "#8a4b2a", Position: "right", TeamName: "Northwind Coffee", Greeting: settings.DefaultGreeting, PoweredBy: true, Language: "it"},
		Availability:   availability.Settings{Mode: availability.Always},
		Away:           settings.Away{Mode: "message", Message: settings.DefaultAwayMessage}, TypicalReplyTime: "minutes",
		Email:      settings.Email{TranscriptOnClose: true, SenderAddress: "chat@example.com"},
		Inactivity: settings.Inactivity{TimeoutMinutes: 30, WarningMinutes: 2},
		Chatflows:  []chatflow.Flow{},
		Targeting:  chatflow.Targeting{Rules: []chatflow.Rule{}},
	}
	if diff := cmp.Diff(want, ch); diff != "" {
		t.Errorf("seeded channel (-want +got):\n%s", diff)
	}
	inboxes, err := f.svc.Inboxes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	wantInboxes := []settings.Inbox{{ID: "main", Name: "Northwind Coffee", MemberIDs: []string{}, ChannelIDs: []string{"main"},
		Routing: settings.Routing{Mode: "manual", Capacity: settings.DefaultCapacity}}}
	if diff := cmp.Diff(wantInboxes, inboxes); diff != "" {
		t.Errorf("seeded inboxes (-want +got):\n%s", diff)
	}
}

// TestSeedIsIdempotentUnderConcurrency: functions starting at once (each
// with its own cache) seed one inbox and one channel, and every one of
// them reads that channel.
func TestSeedIsIdempotentUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	const functions = 16
	var wg sync.WaitGroup
	errs := make([]error, functions)
	got := make([]chat.Channel, functions)
	for i := range functions {
		c := f.newCache(t)
		wg.Go(func() { got[i], errs[i] = c.Channel(t.Context(), "main") })
	}
	wg.Wait()
	for i := range functions {
		if errs[i] != nil || got[i].InboxID != "main" || got[i].Inactivity.Timeout != 30*time.Minute {
			t.Errorf("function %d read %+v, %v", i, got[i], errs[i])
		}
	}
	channels, err := f.st.Channels(t.Context())
	if err != nil || len(channels) != 1 {
		t.Errorf("%d channels stored (%v), want 1", len(channels), err)
	}
	inboxes, err := f.st.Inboxes(t.Context())
	if err != nil || len(inboxes) != 1 {
		t.Errorf("%d inboxes stored (%v), want 1", len(inboxes), err)
	}
}

// TestSeedKeepsTheEmailSettingsOfBefore: a deployment that set its
// channel's email settings before channels were stored whole keeps them.
func TestSeedKeepsTheEmailSettingsOfBefore(t *testing.T) {
	f := newFixture(t)
	_, err := ddb.Client().PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &f.table, Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "CHANNEL#main"}, "sk": &types.AttributeValueMemberS{Value: "EMAIL"},
		"transcriptOnClose": &types.AttributeValueMemberS{Value: "off"}, "senderName": &types.AttributeValueMemberS{Value: "Northwind Support"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := f.svc.Channel(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	want := settings.Email{TranscriptOnClose: false, SenderName: "Northwind Support", SenderAddress: "chat@example.com"}
	if diff := cmp.Diff(want, ch.Email); diff != "" {
		t.Errorf("email settings (-want +got):\n%s", diff)
	}
}

// TestCacheWindow: a change another function stores reaches this one's
// readers once CacheTTL has run out, and no sooner reads the table again;
// unknown channels are remembered too, and ids that cannot be channels
// are never looked up.
func TestCacheWindow(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.cache.Channel(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	admin, err := settings.NewService(f.newCache(t), f.chat, nil)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := admin.Channel(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	ch.Inactivity.TimeoutMinutes = 45
	if _, err := admin.PutChannel(ctx, "main", ch); err != nil {
		t.Fatal(err)
	}
	f.db.Calls()
	f.now = f.now.Add(settings.CacheTTL - time.Millisecond)
	if c, _ := f.cache.Channel(ctx, "main"); c.Inactivity.Timeout != 30*time.Minute {
		t.Errorf("within the window: timeout %v, want the cached 30m", c.Inactivity.Timeout)
	}
	if calls := f.db.Calls(); len(calls) != 0 {
		t.Errorf("a read within the window called %v", calls)
	}
	f.now = f.now.Add(time.Millisecond)
	if c, _ := f.cache.Channel(ctx, "main"); c.Inactivity.Timeout != 45*time.Minute {
		t.Errorf("after the window: timeout %v, want 45m", c.Inactivity.Timeout)
	}

	for range 3 {
		if _, err := f.cache.Channel(ctx, "nope"); !errors.Is(err, chat.ErrNotFound) {
			t.Fatalf("unknown channel: %v", err)
		}
	}
	for _, id := range []string{"", "Main", "main#x", strings.Repeat("a", 65)} {
		if _, err := f.cache.Channel(ctx, id); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("channel %q: %v, want not found", id, err)
		}
	}
	if calls := f.db.Calls(); calls["GetItem"] != 2 || len(calls) != 1 {
		t.Errorf("calls %v, want one GetItem for main and one for the unknown channel", calls)
	}
}

// TestContrast: the WCAG ratio of white on a colour, and where 3:1 falls.
func TestContrast(t *testing.T) {
	tests := []struct {
		color string
		want  float64
	}{
		{"#ffffff", 1}, {"#000000", 21}, {"#2f5bea", 5.51}, {"#777777", 4.48}, {"#949494", 3.03}, {"#959595", 2.99},
	}
	for _, tt := range tests {
		if got := settings.Contrast(tt.color); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("Contrast(%s) = %.3f, want %.2f", tt.color, got, tt.want)
		}
	}
}

func TestPutChannelValidates(t *testing.T) {
	tests := []struct {
		name   string
		change func(*settings.Channel)
		want   []string // "field: message" contains
	}{
		{"light colour", func(c *settings.Channel) { c.Look.Color = "#ffd700" }, []string{"look.color: contrast with white text is too low (1.4:1, needs 3:1)"}},
		{"just below the line", func(c *settings.Channel) { c.Look.Color = "#959595" }, []string{"look.color: contrast with white text is too low (2.9:1, needs 3:1)"}},
		{"not a colour", func(c *settings.Channel) { c.Look.Color = "red;background:url(x)" }, []string{"look.color: must be a colour"}},
		{"origin with a path", func(c *settings.Channel) { c.AllowedOrigins = []string{"https://shop.example.com/cart"} }, []string{"allowedOrigins[0]: must be an origin"}},
		{"plain http", func(c *settings.Channel) {
			c.AllowedOrigins = []string{"https://ok.example.com", "http://shop.example.com"}
		}, []string{"allowedOrigins[1]: must use https"}},
		{"too many origins", func(c *settings.Channel) {
			c.AllowedOrigins = nil
			for i := range settings.MaxOrigins + 1 {
				c.AllowedOrigins = append(c.AllowedOrigins, fmt.Sprintf("https://s%d.example.com", i))
			}
		}, []string{"allowedOrigins: must list at most 50"}},
		{"huge greeting", func(c *settings.Channel) { c.Look.Greeting = strings.Repeat("Hi ", 100_000) }, []string{"look.greeting: must be at most 500 characters"}},
		{"control characters in the team name", func(c *settings.Channel) { c.Look.TeamName = "Team\r\nBcc: x" }, []string{"look.teamName: must not contain control characters"}},
		{"no team name", func(c *settings.Channel) { c.Look.TeamName = "  " }, []string{"look.teamName: is required"}},
		{"avatar over http", func(c *settings.Channel) { c.Look.TeamAvatarURL = "http://cdn.example.com/a.png" }, []string{"look.teamAvatarUrl: must be an https URL"}},
		{"enumerations", func(c *settings.Channel) {
			c.Look.Position, c.Look.Language, c.Away.Mode, c.TypicalReplyTime = "top", "es", "blink", "weeks"
		}, []string{"look.position: must be one of right, left", "look.language: must be one of en, de, it, fr, pl", "away.mode: must be one of message, hide", "typicalReplyTime: must be one of minutes, hours, day"}},
		{"no away message", func(c *settings.Channel) { c.Away.Message = "" }, []string{"away.message: is required"}},
		{"sender elsewhere", func(c *settings.Channel) { c.Email.SenderAddress = "help@elsewhere.test" }, []string{"email.senderAddress: must be an address at example.com"}},
		{"sender at a subdomain", func(c *settings.Channel) { c.Email.SenderAddress = "help@mail.example.com" }, []string{"email.senderAddress: must be an address at example.com"}},
		{"sender look-alike", func(c *settings.Channel) { c.Email.SenderAddress = "help@example.com.evil.test" }, []string{"email.senderAddress: must be an address at example.com"}},
		{"inactivity", func(c *settings.Channel) { c.Inactivity = settings.Inactivity{TimeoutMinutes: 5, WarningMinutes: 5} }, []string{"inactivity.warningMinutes: must be less than the timeout"}},
		{"inactivity out of range", func(c *settings.Channel) {
			c.Inactivity = settings.Inactivity{TimeoutMinutes: 1441, WarningMinutes: -1}
		}, []string{"inactivity.timeoutMinutes: must be between 0", "inactivity.warningMinutes: must be between 0"}},
		{"availability", func(c *settings.Channel) {
			c.Availability = availability.Settings{Mode: availability.Hours, TimeZone: "Mars/Olympus", Week: availability.Week{Mon: []availability.Interval{{Start: "18:00", End: "09:00"}}}}
		}, []string{"availability.timeZone: is not a known time zone", "availability.week.mon[0].end: must be after the start"}},
		{"no inbox", func(c *settings.Channel) { c.InboxID = "nowhere" }, []string{"inboxId: must name an inbox"}},
		{"file limits out of range", func(c *settings.Channel) { c.Files = settings.Files{MaxMegabytes: 101, PerMessage: -1} },
			[]string{"files.maxMegabytes: must be between 0 (the deployment's limit) and 100", "files.perMessage: must be between 0 (the deployment's limit) and 10"}},
		{"retention below zero", func(c *settings.Channel) { c.Retention.ClosedDays = -1 },
			[]string{"retention.closedDays: must be between 0 (keep forever) and 3650"}},
		{"retention past ten years", func(c *settings.Channel) { c.Retention.ClosedDays = 3651 },
			[]string{"retention.closedDays: must be between 0 (keep forever) and 3650"}},
		{"flows that together make the channel too large", func(c *settings.Channel) {
			for i := range settings.MaxChatflows {
				f := chatflow.Flow{ID: fmt.Sprintf("f%d", i), Name: "Flow", Kind: chatflow.KindBot, Welcome: "Hi", Bot: chatflow.Persona{Name: "Robin"}}
				for j := range chatflow.MaxSteps - 1 {
					f.Steps = append(f.Steps, chatflow.Step{ID: fmt.Sprintf("s%d", j), Type: chatflow.StepMessage, Text: strings.Repeat("<é>", chatflow.MaxTextRunes/3), Next: fmt.Sprintf("s%d", j+1)})
				}
				f.Steps = append(f.Steps, chatflow.Step{ID: fmt.Sprintf("s%d", chatflow.MaxSteps-1), Type: chatflow.StepHandover, Text: "A person takes over."})
				c.Chatflows = append(c.Chatflows, f)
			}
		}, []string{"chatflows: make the channel"}},
		{"targeting: bad patterns and a flow the channel lacks", func(c *settings.Channel) {
			c.Chatflows = []chatflow.Flow{{ID: "hello", Name: "Hello", Kind: chatflow.KindLive}}
			c.Targeting = chatflow.Targeting{Rules: []chatflow.Rule{
				{Pages: "https://example.com/pricing", Show: chatflow.Show{Flow: "hello"}},
				{Pages: "/pricing?plan=pro", Show: chatflow.Show{Hide: true}},
				{Pages: "/docs/*", Show: chatflow.Show{Flow: "sales"}},
			}, OtherPages: chatflow.Show{Flow: "gone"}}
		}, []string{
			"targeting.rules[0].pages: leave out the scheme", "targeting.rules[1].pages: the query and the fragment are not matched",
			`targeting.rules[2].flow: "sales" is no chatflow of this channel`, `targeting.otherPages.flow: "gone" is no chatflow of this channel`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			before, err := f.svc.Channel(t.Context(), "main")
			if err != nil {
				t.Fatal(err)
			}
			ch := before
			ch.AllowedOrigins = append([]string(nil), before.AllowedOrigins...)
			tt.change(&ch)
			_, err = f.svc.PutChannel(t.Context(), "main", ch)
			var v *chat.ValidationError
			if !errors.As(err, &v) || !errors.Is(err, chat.ErrInvalid) {
				t.Fatalf("PutChannel = %v, want a validation error", err)
			}
			var got []string
			for _, fe := range v.Fields {
				got = append(got, fe.Field+": "+fe.Message)
			}
			for _, w := range tt.want {
				if !strings.Contains(strings.Join(got, "\n"), w) {
					t.Errorf("field errors %q, want one with %q", got, w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("field errors %q, want %d", got, len(tt.want))
			}
			after, err := f.svc.Channel(t.Context(), "main")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("a refused change was stored (-before +after):\n%s", diff)
			}
		})
	}
}

// TestFileLimits: a channel takes the deployment's file limits until an
// admin sets its own; each limit falls back on its own, and a new limit
// holds once the cache window has passed.
func TestFileLimits(t *testing.T) {
	tests := []struct {
		name  string
		files settings.Files
		want  attachment.FileLimits
	}{
		{"the deployment's", settings.Files{}, attachment.FileLimits{MaxBytes: 10 << 20, MaxFiles: 5}},
		{"the channel's size", settings.Files{MaxMegabytes: 25}, attachment.FileLimits{MaxBytes: 25 << 20, MaxFiles: 5}},
		{"the channel's own", settings.Files{MaxMegabytes: 1, PerMessage: 2}, attachment.FileLimits{MaxBytes: 1 << 20, MaxFiles: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ch, err := f.svc.Channel(t.Context(), "main")
			if err != nil {
				t.Fatal(err)
			}
			ch.Files = tt.files
			if _, err := f.svc.PutChannel(t.Context(), "main", ch); err != nil {
				t.Fatal(err)
			}
			f.now = f.now.Add(settings.CacheTTL + time.Second)
			got, err := f.newCache(t).FileLimits(t.Context(), "main")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("file limits (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unknown channel", func(t *testing.T) {
		f := newFixture(t)
		if _, err := f.cache.FileLimits(t.Context(), "nowhere"); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("FileLimits of an unknown channel = %v, want ErrNotFound", err)
		}
	})
}

// TestPutChannelStoresText: markup is text like any other, kept as given;
// origins and the colour are kept as browsers send and compare them.
func TestPutChannelStoresText(t *testing.T) {
	f := newFixture(t)
	ch, err := f.svc.Channel(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	ch.ID = "ignored"
	ch.Look.Greeting = "<script>alert(1)</script>\nWelcome & <b>hello</b>"
	ch.Look.Color = "#1F6F43"
	ch.AllowedOrigins = []string{"https://WWW.Example.com:443/", "https://www.example.com", "http://127.0.0.1:8080"}
	ch.Email.SenderAddress = "Help@Example.COM"
	got, err := f.svc.PutChannel(t.Context(), "main", ch)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := f.svc.Channel(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, stored); diff != "" {
		t.Errorf("answer and stored channel differ (-answer +stored):\n%s", diff)
	}
	if stored.ID != "main" || stored.Look.Greeting != ch.Look.Greeting || stored.Look.Color != "#1f6f43" || stored.Email.SenderAddress != "Help@example.com" ||
		!cmp.Equal(stored.AllowedOrigins, []string{"https://www.example.com", "http://127.0.0.1:8080"}) {
		t.Errorf("stored %+v", stored)
	}
}

func TestCreateChannelAndInbox(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.svc.CreateChannel(ctx, "nowhere", "Shop"); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("channel in no inbox: %v, want invalid", err)
	}
	if _, err := f.svc.CreateInbox(ctx, " "); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("inbox without a name: %v, want invalid", err)
	}
	sales, err := f.svc.CreateInbox(ctx, "Sales")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := f.svc.CreateChannel(ctx, sales.ID, "Shop")
	if err != nil {
		t.Fatal(err)
	}
	if ch.InboxID != sales.ID || len(ch.AllowedOrigins) != 0 || ch.Look.Color != "#8a4b2a" || ch.Look.Language != "it" || len(ch.ID) != 16 {
		t.Errorf("new channel %+v: want the deployment's defaults, no origin yet", ch)
	}
	// The domain sees it at once: its conversations land in Sales.
	if got, err := f.cache.Channel(ctx, ch.ID); err != nil || got.InboxID != sales.ID {
		t.Errorf("chat channel %+v, %v", got, err)
	}
	inboxes, err := f.svc.Inboxes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string][]string{}
	for _, in := range inboxes {
		byID[in.ID] = in.ChannelIDs
	}
	if diff := cmp.Diff(map[string][]string{"main": {"main"}, sales.ID: {ch.ID}}, byID); diff != "" {
		t.Errorf("channels by inbox (-want +got):\n%s", diff)
	}
}

// TestPutInboxMembers: an inbox's members are set with it; an id that
// names no agent changes nothing.
func TestPutInboxMembers(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	for _, id := range []string{"ann", "bob"} {
		if _, err := f.chat.Me(ctx, chat.Principal{Role: chat.RoleAgent, ID: id, Name: id}, ""); err != nil {
			t.Fatal(err)
		}
	}
	routing := settings.Routing{Mode: settings.RoutingRoundRobin, Capacity: 2}
	got, err := f.svc.PutInbox(ctx, "main", settings.Inbox{Name: "Support", MemberIDs: []string{"ann"}, Routing: routing}, f.members)
	if err != nil {
		t.Fatal(err)
	}
	want := settings.Inbox{ID: "main", Name: "Support", MemberIDs: []string{"ann"}, ChannelIDs: []string{"main"}, Routing: routing}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inbox (-want +got):\n%s", diff)
	}
	_, err = f.svc.PutInbox(ctx, "main", settings.Inbox{Name: "Support", MemberIDs: []string{"bob", "ghost"}, Routing: routing}, f.members)
	var v *chat.ValidationError
	if !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != "memberIds[1]" {
		t.Errorf("unknown member: %v, want a field error on memberIds[1]", err)
	}
	if members, _ := f.chat.InboxMembers(ctx, "main"); !cmp.Equal(members, []string{"ann"}) {
		t.Errorf("members after the refusal %v, want [ann]", members)
	}
	// A rename that leaves the members out is refused: an inbox is put
	// whole, and taking it as "no member" would remove everyone.
	_, err = f.svc.PutInbox(ctx, "main", settings.Inbox{Name: "Support desk", Routing: routing}, f.members)
	if !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != "memberIds" {
		t.Errorf("inbox without memberIds: %v, want a field error on memberIds", err)
	}
	if members, _ := f.chat.InboxMembers(ctx, "main"); !cmp.Equal(members, []string{"ann"}) {
		t.Errorf("members after a put without memberIds %v, want [ann]", members)
	}
	// An agent in as many inboxes as an agent may be joins no other.
	var full []string
	for i := range team.MaxInboxes {
		full = append(full, fmt.Sprintf("inbox-%d", i))
	}
	if _, err := f.st.EnsureAgent(ctx, chat.Agent{ID: "busy", DisplayName: "Busy", Inboxes: full}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.PutInbox(ctx, "main", settings.Inbox{Name: "Support", MemberIDs: []string{"ann", "busy"}, Routing: routing}, f.members)
	if !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != "memberIds[1]" || !strings.Contains(v.Fields[0].Message, "inboxes already") {
		t.Errorf("an agent in %d inboxes added to another: %v, want a field error on memberIds[1]", team.MaxInboxes, err)
	}
	if members, _ := f.chat.InboxMembers(ctx, "main"); !cmp.Equal(members, []string{"ann"}) {
		t.Errorf("members after adding a full agent %v, want [ann]", members)
	}
	if _, err := f.svc.PutInbox(ctx, "nowhere", want, f.members); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("unknown inbox: %v, want not found", err)
	}
	if _, err := f.svc.PutInbox(ctx, "main", settings.Inbox{Name: "Support", Routing: settings.Routing{Mode: "random", Capacity: 0}}, f.members); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("bad routing: %v, want invalid", err)
	}
}
