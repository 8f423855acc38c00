package agentapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/agentapi"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/privacy"
)

// noFiles is a bucket holding no file.
type noFiles struct{}

func (noFiles) DeleteConversation(context.Context, string) (int, error) { return 0, nil }
func (noFiles) DeleteInbound(context.Context, []string) (int, error)    { return 0, nil }

// conversationOfNewVisitor starts a conversation in main by a visitor of
// its own and answers its id.
func (f *fixture) conversationOfNewVisitor(t *testing.T) string {
	t.Helper()
	vis := chat.Principal{Role: chat.RoleVisitor, ID: uuid.NewString()}
	conn := uuid.NewString()
	if err := f.st.SaveConnection(t.Context(), chat.Connection{ID: conn, Principal: vis, ConnectedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	m, err := f.svc.SendFromConnection(t.Context(), conn, chat.SendInput{ClientID: uuid.NewString(), Body: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	return m.ConversationID
}

// TestContactNamedByAddressIsTakenAsGiven: API Gateway decodes the path
// parameter before the function sees it, so "/agent/contacts/bob%2541@…"
// arrives as "bob%41@…", the address it names. Decoded a second time it
// named bobA@… (another contact, whom an erasure would have removed), and
// an address with a "%" before anything but two hex digits was refused.
func TestContactNamedByAddressIsTakenAsGiven(t *testing.T) {
	f := newFixture(t)
	d := deps(t, f.svc, f.st, f.dir)
	rights, err := privacy.New(f.st, noFiles{}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	d.Privacy = rights
	if f.h, err = agentapi.New(d); err != nil {
		t.Fatal(err)
	}
	other := f.conversationOfNewVisitor(t)
	third := f.conversationOfNewVisitor(t)
	for _, c := range []struct{ cid, addr string }{{f.cid, "bob%41@example.com"}, {other, "boba@example.com"}, {third, "50%off@example.com"}} {
		if st, body := f.call(t, "PUT /agent/conversations/{id}/contact", c.cid, `{"email":"`+c.addr+`"}`, boss, nil); st != http.StatusOK {
			t.Fatalf("set contact %s: %d %s", c.addr, st, body)
		}
	}
	visitorOf := func(cid string) string {
		var card struct{ Card struct{ VisitorID string } }
		if st, body := f.call(t, "GET /agent/conversations/{id}/contact", cid, "", boss, &card); st != http.StatusOK {
			t.Fatalf("contact of %s: %d %s", cid, st, body)
		}
		return card.Card.VisitorID
	}
	for _, c := range []struct{ addr, cid string }{{"bob%41@example.com", f.cid}, {"50%off@example.com", third}} {
		var exp struct {
			Contact struct{ VisitorID, Email string }
		}
		st, body := f.call(t, "GET /agent/contacts/{id}/export", c.addr, "", boss, &exp)
		if want := visitorOf(c.cid); st != http.StatusOK || exp.Contact.VisitorID != want {
			t.Errorf("export of %s = %d %.200s; want visitor %s", c.addr, st, body, want)
		}
	}

	if st, body := f.call(t, "DELETE /agent/contacts/{id}", "bob%41@example.com", "", boss, nil); st != http.StatusOK {
		t.Fatalf("erase bob%%41@example.com = %d %s", st, body)
	}
	if st, _ := f.call(t, "GET /agent/conversations/{id}", f.cid, "", boss, nil); st != http.StatusNotFound {
		t.Errorf("the erased contact's conversation = %d, want 404", st)
	}
	if st, _ := f.call(t, "GET /agent/conversations/{id}", other, "", boss, nil); st != http.StatusOK {
		t.Errorf("boba@example.com's conversation = %d after erasing bob%%41@example.com, want 200", st)
	}
}

// TestContactNamedByABadAddress: what cannot be an address is refused
// before it reaches the table (whose keys are bounded).
func TestContactNamedByABadAddress(t *testing.T) {
	f := newFixture(t)
	for _, ref := range []string{strings.Repeat("a", 250) + "@example.com", "a\x00b@example.com", "a@\xffexample.com"} {
		f.db.Calls()
		st, body := f.call(t, "GET /agent/contacts/{id}/export", ref, "", boss, nil)
		if st != http.StatusBadRequest || !strings.Contains(body, "email address") {
			t.Errorf("export of %.20q = %d %s; want 400 naming the email address", ref, st, body)
		}
		if calls := f.db.Calls(); calls["GetItem"]+calls["Query"] > 1 {
			t.Errorf("export of %.20q read the contacts: %v", ref, calls)
		}
	}
}
