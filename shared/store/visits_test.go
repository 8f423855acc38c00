package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/contact"
	"github.com/parleychat/parley/shared/email"
)

// TestRecordPage: the first report sets where the chat started, every one
// adds its page and the device, and the list keeps the newest MaxPages,
// also when reports race, over the wire.
func TestRecordPage(t *testing.T) {
	ctx := t.Context()
	st, _ := newStore(t)
	c := seed(t, st, t0)
	if _, err := st.Visit(ctx, c.ID); !errors.Is(err, chat.ErrNotFound) {
		t.Fatalf("visit before any report: %v, want ErrNotFound", err)
	}
	report := func(i int, dev chat.Device) chat.Visit {
		t.Helper()
		at := t0.Add(time.Duration(i) * time.Minute)
		url := fmt.Sprintf("https://shop.example.com/p/%d", i)
		v, err := st.RecordPage(ctx, c.ID, chat.Visit{
			StartedAt: at, URL: url, Title: fmt.Sprintf("Page %d", i), Referrer: "https://search.example/",
			Language: "de-CH", Device: dev, Pages: []chat.Page{{URL: url, Title: fmt.Sprintf("Page %d", i), At: at}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	first := report(0, chat.Device{Browser: "Chrome 131", OS: "Windows", Country: "CH"})
	want := chat.Visit{
		StartedAt: t0, URL: "https://shop.example.com/p/0", Title: "Page 0", Referrer: "https://search.example/", Language: "de-CH",
		Device: chat.Device{Browser: "Chrome 131", OS: "Windows", Country: "CH"},
		Pages:  []chat.Page{{URL: "https://shop.example.com/p/0", Title: "Page 0", At: t0}},
	}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first report (-want +got):\n%s", diff)
	}
	var last chat.Visit
	for i := 1; i < chat.MaxPages+5; i++ {
		last = report(i, chat.Device{Browser: "Chrome 131", OS: "Windows"})
	}
	if last.URL != want.URL || last.StartedAt != t0 || last.Country != "" || len(last.Pages) != chat.MaxPages || last.Pages[0].URL != "https://shop.example.com/p/5" {
		t.Errorf("after %d reports: start %q at %v, country %q, %d pages from %q", chat.MaxPages+5, last.URL, last.StartedAt, last.Country, len(last.Pages), last.Pages[0].URL)
	}
	stored, err := st.Visit(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(last, stored); diff != "" {
		t.Errorf("stored visit (-answered +stored):\n%s", diff)
	}

	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if _, err := st.RecordPage(ctx, c.ID, chat.Visit{StartedAt: t0, URL: "https://x.example/", Pages: []chat.Page{{URL: fmt.Sprintf("https://x.example/%d", i), At: t0}}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if v, _ := st.Visit(ctx, c.ID); len(v.Pages) < chat.MaxPages || len(v.Pages) > chat.MaxPages+10 {
		t.Errorf("after racing reports the visit lists %d pages", len(v.Pages))
	}
	// One more report trims whatever racing ones left over.
	if v := report(99, chat.Device{}); len(v.Pages) != chat.MaxPages {
		t.Errorf("after a quiet report the visit lists %d pages, want %d", len(v.Pages), chat.MaxPages)
	}
}

// TestVisitorName: a conversation's visitor name follows the contact (its
// name, else its address); only the conversations whose name changed are
// returned.
func TestVisitorName(t *testing.T) {
	ctx := t.Context()
	st, _ := newStore(t)
	c := seed(t, st, t0)
	if name, err := st.VisitorName(ctx, c.VisitorID); err != nil || name != "" {
		t.Fatalf("name without a contact = %q, %v", name, err)
	}
	if err := st.PutContact(ctx, email.Contact{VisitorID: c.VisitorID, Email: "zoe@example.com", UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if name, _ := st.VisitorName(ctx, c.VisitorID); name != "zoe@example.com" {
		t.Errorf("name of a contact with an address only = %q", name)
	}
	if err := st.PutContact(ctx, email.Contact{VisitorID: c.VisitorID, Email: "zoe@example.com", Name: "Zoë", UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if name, _ := st.VisitorName(ctx, c.VisitorID); name != "Zoë" {
		t.Errorf("name of a named contact = %q", name)
	}
	steps := []struct {
		name    string
		changed int
	}{{"Zoë", 1}, {"Zoë", 0}, {"", 1}, {"", 0}}
	for _, s := range steps {
		got, err := st.SetVisitorName(ctx, c.VisitorID, s.name)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != s.changed || (len(got) == 1 && got[0].VisitorName != s.name) {
			t.Errorf("SetVisitorName(%q) changed %+v, want %d", s.name, got, s.changed)
		}
		if conv, _ := st.Conversation(ctx, c.ID); conv.VisitorName != s.name {
			t.Errorf("after SetVisitorName(%q) the conversation is named %q", s.name, conv.VisitorName)
		}
	}
}

// TestAttributesAndProfile: attributes are written whole under a revision
// (a stale one is a conflict), and the profile reads contact, identity
// and attributes together.
func TestAttributesAndProfile(t *testing.T) {
	ctx := t.Context()
	st, _ := newStore(t)
	vid := "v-" + t.Name()
	if a, rev, err := st.Attributes(ctx, vid); err != nil || len(a) != 0 || rev != 0 {
		t.Fatalf("no attributes yet = %v, %d, %v", a, rev, err)
	}
	if p, err := st.Profile(ctx, vid); err != nil || p.Name != "" || len(p.Attributes) != 0 {
		t.Fatalf("empty profile = %+v, %v", p, err)
	}
	plan := contact.Attributes{"plan": "pro", "seats": 12.5, "trial": false}
	if err := st.PutAttributes(ctx, vid, plan, 0); err != nil {
		t.Fatal(err)
	}
	if err := st.PutAttributes(ctx, vid, contact.Attributes{"plan": "free"}, 0); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("a second first write: %v, want ErrConflict", err)
	}
	a, rev, err := st.Attributes(ctx, vid)
	if err != nil || rev != 1 {
		t.Fatalf("Attributes = %v, %d, %v", a, rev, err)
	}
	if diff := cmp.Diff(plan, a); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	if err := st.PutAttributes(ctx, vid, contact.Attributes{"plan": "team"}, rev); err != nil {
		t.Fatal(err)
	}
	if err := st.PutAttributes(ctx, vid, contact.Attributes{"plan": "stale"}, rev); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("a write at a stale revision: %v, want ErrConflict", err)
	}
	if err := st.SaveContact(ctx, email.Contact{VisitorID: vid, Email: "zoe@example.com", Name: "Zoë", UpdatedAt: t0, VerifiedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := st.LinkVisitor(ctx, "main", "user-"+t.Name(), vid); err != nil {
		t.Fatal(err)
	}
	p, err := st.Profile(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	want := contact.Profile{Name: "Zoë", Email: "zoe@example.com", EmailVerified: true, ExternalID: "user-" + t.Name(), Attributes: contact.Attributes{"plan": "team"}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("profile (-want +got):\n%s", diff)
	}
}
