package chat_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

func (f *fakeStore) VisitorName(_ context.Context, visitorID string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.names[visitorID], nil
}

func (f *fakeStore) SetVisitorName(_ context.Context, visitorID, name string) ([]chat.Conversation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.names == nil {
		f.names = map[string]string{}
	}
	f.names[visitorID] = name
	var changed []chat.Conversation
	for id, c := range f.convs {
		if c.VisitorID == visitorID && c.VisitorName != name {
			c.VisitorName = name
			f.convs[id] = c
			changed = append(changed, c)
		}
	}
	return changed, nil
}

func (f *fakeStore) RecordPage(_ context.Context, conversationID string, r chat.Visit) (chat.Visit, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.visits == nil {
		f.visits = map[string]chat.Visit{}
	}
	v, ok := f.visits[conversationID]
	if !ok {
		v = chat.Visit{StartedAt: r.StartedAt, URL: r.URL, Title: r.Title, Referrer: r.Referrer}
	}
	v.Language, v.Device = r.Language, r.Device
	v.Pages = append(v.Pages, r.Pages...)
	if len(v.Pages) > chat.MaxPages {
		v.Pages = v.Pages[len(v.Pages)-chat.MaxPages:]
	}
	f.visits[conversationID] = v
	return v, nil
}

func (f *fakeStore) Visit(_ context.Context, conversationID string) (chat.Visit, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.visits[conversationID]
	if !ok {
		return v, chat.ErrNotFound
	}
	return v, nil
}

func TestCleanPageValues(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", chat.MaxURLBytes)
	longEscaped := "https://example.com/" + strings.Repeat("é", chat.MaxURLBytes)
	tests := []struct {
		name, in, url, title string
	}{
		{"https", "https://shop.example.com/cart?id=7#top", "https://shop.example.com/cart?id=7#top", ""},
		{"http", "http://localhost:3000/", "http://localhost:3000/", ""},
		{"user info is dropped", "https://user:pass@example.com/a", "https://example.com/a", ""},
		{"script URL", "javascript:alert(1)", "", ""},
		{"data URL", "data:text/html,<script>alert(1)</script>", "", ""},
		{"relative", "/pricing", "", ""},
		{"no host", "https:///path", "", ""},
		{"control character", "https://example.com/\x00", "", ""},
		{"cut", long, long[:chat.MaxURLBytes], ""},
		{"cut before an escape", longEscaped, "https://example.com/" + strings.Repeat("%C3%A9", (chat.MaxURLBytes-20)/6), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chat.CleanURL(tt.in); got != tt.url {
				t.Errorf("CleanURL(%q) = %q, want %q", tt.in, got, tt.url)
			}
		})
	}
	titles := []struct{ in, want string }{
		{"  Pricing \n– Example\t", "Pricing – Example"},
		{"<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"},
		{"a\u2028b\u202ec\x00d", "a b c d"},
		{strings.Repeat("t", chat.MaxTitleRunes+5), strings.Repeat("t", chat.MaxTitleRunes)},
		{"bad \xff utf8", "bad utf8"},
	}
	for _, tt := range titles {
		if got := chat.CleanTitle(tt.in); got != tt.want {
			t.Errorf("CleanTitle(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	languages := []struct{ in, want string }{{"de-CH", "de-CH"}, {"pl", "pl"}, {"zh-Hant-TW", "zh-Hant-TW"}, {"en_US", ""}, {"<b>", ""}, {strings.Repeat("a", 40), ""}}
	for _, tt := range languages {
		if got := chat.CleanLanguage(tt.in); got != tt.want {
			t.Errorf("CleanLanguage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRecordPage: the visitor's pages reach the agents who have the
// conversation open, and nobody else; the visit keeps where it started
// and the newest pages; closed conversations and other people's record
// nothing.
func TestRecordPage(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	dev := chat.Device{Browser: "Firefox 133", OS: "Linux", Country: "IT"}
	if err := e.store.SaveConnection(ctx, chat.Connection{ID: "vconn", Principal: vis, Device: dev}); err != nil {
		t.Fatal(err)
	}
	m := e.start(t)
	cid := m.ConversationID
	// Ann has the thread open; Bob only the list.
	if err := e.svc.Resume(ctx, "aconn", cid, 0, ""); err != nil {
		t.Fatal(err)
	}
	e.push.take()

	report := func(conn, url string) error {
		return e.svc.RecordPage(ctx, conn, chat.PageReport{ConversationID: cid, URL: url, Title: "Page " + url, Referrer: "https://search.example/?q=shoes", Language: "it-IT"})
	}
	if err := report("vconn", "https://shop.example.com/"); err != nil {
		t.Fatal(err)
	}
	frames := e.push.take()
	if diff := cmp.Diff([]string{"aconn"}, who(frames)); diff != "" {
		t.Errorf("who heard the page (-want +got):\n%s", diff)
	}
	vf, ok := frames["aconn"][0].(chat.VisitFrame)
	if !ok || vf.Type != "visit" || vf.ConversationID != cid || vf.Visit.URL != "https://shop.example.com/" || vf.Visit.Device != dev || vf.Visit.Language != "it-IT" || vf.Visit.Referrer != "https://search.example/?q=shoes" {
		t.Fatalf("frame = %+v", frames["aconn"])
	}
	for i := range chat.MaxPages + 3 {
		if err := report("vconn", "https://shop.example.com/p/"+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	v := e.store.visits[cid]
	if v.URL != "https://shop.example.com/" || len(v.Pages) != chat.MaxPages || v.Pages[len(v.Pages)-1].URL != "https://shop.example.com/p/"+string(rune('a'+chat.MaxPages+2)) {
		t.Errorf("visit starts at %q with %d pages, last %+v", v.URL, len(v.Pages), v.Pages[len(v.Pages)-1])
	}

	refused := []struct {
		name, conn, conversation, url string
		want                          error
	}{
		{"not http(s)", "vconn", cid, "javascript:alert(1)", chat.ErrInvalid},
		{"another visitor's conversation", "oconn", cid, "https://x.example/", chat.ErrNotFound},
		{"an unknown conversation", "vconn", uuid.NewString(), "https://x.example/", chat.ErrNotFound},
		{"no conversation id", "vconn", "", "https://x.example/", chat.ErrInvalid},
		{"an agent", "aconn", cid, "https://x.example/", chat.ErrInvalid},
	}
	before := len(e.store.visits[cid].Pages)
	e.push.take()
	for _, r := range refused {
		err := e.svc.RecordPage(ctx, r.conn, chat.PageReport{ConversationID: r.conversation, URL: r.url})
		if !errors.Is(err, r.want) {
			t.Errorf("%s: %v, want %v", r.name, err, r.want)
		}
	}
	if _, err := e.svc.Close(ctx, ann, cid); err != nil {
		t.Fatal(err)
	}
	e.push.take()
	if err := report("vconn", "https://shop.example.com/after-close"); err != nil {
		t.Errorf("a page after close: %v, want it ignored", err)
	}
	if got := len(e.store.visits[cid].Pages); got != before {
		t.Errorf("refused and late reports changed the visit: %d pages, want %d", got, before)
	}
	if frames := e.push.take(); len(frames) > 0 {
		t.Errorf("refused and late reports pushed %v", who(frames))
	}
}

// TestVisitorHistory: the sidebar's conversations are the visitor's others
// in the agent's inboxes; an agent outside the inbox learns nothing.
func TestVisitorHistory(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	first := e.start(t)
	if _, err := e.svc.Close(ctx, ann, first.ConversationID); err != nil {
		t.Fatal(err)
	}
	second := e.start(t)
	conv, visit, past, err := e.svc.VisitorHistory(ctx, ann, second.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.ID != second.ConversationID || visit != nil {
		t.Errorf("conversation %s, visit %+v; want the second, no visit yet", conv.ID, visit)
	}
	want := []chat.PastConversation{{ID: first.ConversationID, Status: chat.StatusClosed, FirstLine: "hello", CreatedAt: first.CreatedAt, LastActivityAt: e.store.convs[first.ConversationID].LastActivityAt}}
	if diff := cmp.Diff(want, past); diff != "" {
		t.Errorf("past conversations (-want +got):\n%s", diff)
	}
	stranger := chat.Principal{Role: chat.RoleAgent, ID: "zed", Inboxes: []string{"sales"}}
	if _, _, _, err := e.svc.VisitorHistory(ctx, stranger, second.ConversationID); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("an agent of another inbox: %v, want ErrNotFound", err)
	}
}

// TestVisitorNames: a conversation starts with the contact's name, and a
// new name reaches the visitor's conversations and the inbox's lists.
func TestVisitorNames(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.store.names = map[string]string{vis.ID: "Zoë"}
	m := e.start(t)
	if got := e.store.convs[m.ConversationID].VisitorName; got != "Zoë" {
		t.Errorf("new conversation named %q, want Zoë", got)
	}
	if err := e.svc.NameVisitor(ctx, vis.ID, "zoe@example.com"); err != nil {
		t.Fatal(err)
	}
	frames := e.push.take()
	if diff := cmp.Diff([]string{"aconn", "bconn"}, who(frames)); diff != "" {
		t.Errorf("who heard the new name (-want +got):\n%s", diff)
	}
	f, ok := frames["aconn"][0].(chat.ConversationFrame)
	if s, _ := f.Conversation.(chat.Summary); !ok || s.VisitorName != "zoe@example.com" {
		t.Errorf("frame = %+v", frames["aconn"])
	}
	if err := e.svc.NameVisitor(ctx, vis.ID, "zoe@example.com"); err != nil {
		t.Fatal(err)
	}
	if frames := e.push.take(); len(frames) > 0 {
		t.Errorf("an unchanged name pushed to %v", who(frames))
	}
}
