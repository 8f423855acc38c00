package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/contact"
	"github.com/parleychat/parley/shared/identity"
)

// signedNow is a v1 identify assertion signed by the site's backend at the
// cloud's time.
func signedNow(secret []byte, externalID, name, email string) identity.Assertion {
	a := identity.Assertion{ExternalID: externalID, Name: name, Email: email, IssuedAt: cloud.Now().Unix()}
	a.Signature = identity.SignAssertion(secret, a)
	return a
}

func isUnauthorized(err error) bool {
	var apiErr *chatclient.APIError
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized
}

// summaryName is the visitorName of an agent's summary.
func summaryName(t *testing.T, c chatclient.Conversation) string {
	t.Helper()
	var s chat.Summary
	if err := json.Unmarshal(c.Raw, &s); err != nil {
		t.Fatal(err)
	}
	return s.VisitorName
}

// TestIdentifyNameEmailAndAttributes: a signed identify sets the user's
// name and address (verified); an identify whose signature does not cover
// the name or address it asserts is refused and changes nothing;
// attributes the page sets are kept unverified and bounded; agents see
// the name in the list and the thread instead of "Visitor XXXX".
func TestIdentifyNameEmailAndAttributes(t *testing.T) {
	secret := identitySecret(t)
	user := "user-" + uuid.NewString()
	addr := "ada-" + uuid.NewString()[:8] + "@example.com"
	agent := newAgent(t, "alice")

	device := newVisitor(t)
	if _, err := device.IdentifyAs(wait(t), signedNow(secret, user, "Ada Lovelace", addr)); err != nil {
		t.Fatal(err)
	}
	_, convID, _ := startConversation(t, device, "Where is my order?")
	card, err := agent.Card(wait(t), convID)
	if err != nil {
		t.Fatal(err)
	}
	want := contact.Card{
		VisitorID: device.ID, Name: "Ada Lovelace", Email: addr, EmailVerified: true, ExternalID: user,
		Attributes: contact.Attributes{}, Conversations: []chat.PastConversation{},
	}
	if diff := cmp.Diff(want, card); diff != "" {
		t.Errorf("card after a signed identify (-want +got):\n%s", diff)
	}
	thread, err := agent.Get(wait(t), convID)
	if err != nil {
		t.Fatal(err)
	}
	if got := summaryName(t, thread.Conversation); got != "Ada Lovelace" {
		t.Errorf("the thread names the visitor %q, want Ada Lovelace", got)
	}

	// A signed name is stored like any other name: spaces collapsed and
	// trimmed (controls and line breaks are refused with the signature's
	// checks, the canonical string being line-based).
	other := newVisitor(t)
	if _, err := other.IdentifyAs(wait(t), signedNow(secret, "user-"+uuid.NewString(), "  Grace   Hopper ", "")); err != nil {
		t.Fatal(err)
	}
	_, otherConv, _ := startConversation(t, other, "Hello")
	if got, err := agent.Card(wait(t), otherConv); err != nil || got.Name != "Grace Hopper" {
		t.Errorf("a signed name with runs of spaces is %q, %v; want Grace Hopper", got.Name, err)
	}

	// Signatures that do not cover what is asserted, from a stranger's
	// browser: refused alike, nothing changes.
	good := signedNow(secret, user, "Ada Lovelace", addr)
	bad := map[string]identity.Assertion{
		"another name":                 {ExternalID: user, Name: "Eve", Email: addr, IssuedAt: good.IssuedAt, Signature: good.Signature},
		"another address":              {ExternalID: user, Name: "Ada Lovelace", Email: "eve@example.com", IssuedAt: good.IssuedAt, Signature: good.Signature},
		"the id's signature with name": {ExternalID: user, Name: "Eve", Signature: identity.Sign(secret, user)},
		"signed with another secret": func() identity.Assertion {
			a := identity.Assertion{ExternalID: user, Name: "Eve", IssuedAt: good.IssuedAt}
			a.Signature = identity.SignAssertion([]byte("guess"), a)
			return a
		}(),
	}
	stranger := newVisitor(t)
	strangerID := stranger.ID
	var first string
	for name, a := range bad {
		_, err := stranger.IdentifyAs(wait(t), a)
		var apiErr *chatclient.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
			t.Fatalf("%s: identify = %v, want 401", name, err)
		}
		if first == "" {
			first = apiErr.Body
		} else if apiErr.Body != first {
			t.Errorf("%s answered %s, another refusal %s", name, apiErr.Body, first)
		}
	}
	if stranger.ID != strangerID {
		t.Errorf("refused identifies moved the stranger to %s", stranger.ID)
	}
	if after, err := agent.Card(wait(t), convID); err != nil || after.Name != "Ada Lovelace" || after.Email != addr {
		t.Errorf("after refused identifies the card is %+v, %v; want it unchanged", after, err)
	}

	// Attributes: kept, merged, bounded, unverified (the card says so by
	// keeping them apart from the signed name and address).
	attrs, err := device.SetAttributes(wait(t), map[string]any{"plan": "pro", "seats": 12, "trial": false, "<b>x</b>": `<img src=x onerror="window.__xss=1">`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := device.SetAttributes(wait(t), map[string]any{"trial": nil, "seats": 13}); err != nil {
		t.Fatal(err)
	}
	tooMany := map[string]any{}
	for i := range contact.MaxAttributes + 1 {
		tooMany[fmt.Sprintf("k%d", i)] = i
	}
	refusals := map[string]map[string]any{
		"21 keys":        tooMany,
		"a long string":  {"note": strings.Repeat("x", contact.MaxStringRunes+1)},
		"an object":      {"nested": map[string]any{"a": 1}},
		"a long key":     {strings.Repeat("k", contact.MaxKeyRunes+1): 1},
		"a control char": {"note": "a\u0000b"},
	}
	for name, in := range refusals {
		_, err := device.SetAttributes(wait(t), in)
		var apiErr *chatclient.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
			t.Errorf("attributes with %s: %v, want 400", name, err)
		}
	}
	card, err = agent.Card(wait(t), convID)
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs := contact.Attributes{"plan": "pro", "seats": 13.0, "<b>x</b>": attrs["<b>x</b>"]}
	if diff := cmp.Diff(wantAttrs, card.Attributes); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}

	// A new name reaches the conversations and the list.
	if _, err := device.IdentifyAs(wait(t), signedNow(secret, user, "Ada King", addr)); err != nil {
		t.Fatal(err)
	}
	list, err := agent.List(wait(t), "open", "all", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range list.Conversations {
		if c.ID == convID {
			found = true
			if got := summaryName(t, c); got != "Ada King" {
				t.Errorf("the list names the visitor %q, want Ada King", got)
			}
		}
	}
	if !found {
		t.Errorf("conversation %s is not in the list", convID)
	}
	// An agent edits the name; an address typed by a visitor shows as
	// unverified.
	if err := agent.Call(wait(t), http.MethodPut, "/agent/conversations/"+convID+"/contact", map[string]string{"name": "Augusta Ada King"}, nil); err != nil {
		t.Fatal(err)
	}
	if c, _ := agent.Card(wait(t), convID); c.Name != "Augusta Ada King" || c.Email != addr || !c.EmailVerified {
		t.Errorf("after the agent's rename the card is %+v", c)
	}
	typed := newVisitor(t)
	_, typedConv, _ := startConversation(t, typed, "Hello")
	if err := typed.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": "typed-" + uuid.NewString()[:8] + "@example.com"}, nil); err != nil {
		t.Fatal(err)
	}
	if c, _ := agent.Card(wait(t), typedConv); c.Email == "" || c.EmailVerified || c.ExternalID != "" {
		t.Errorf("a typed address: card %+v, want it unverified and no site id", c)
	}
	if th, _ := agent.Get(wait(t), typedConv); !strings.HasPrefix(summaryName(t, th.Conversation), "typed-") {
		t.Errorf("a visitor known by address only is named %q, want the address", summaryName(t, th.Conversation))
	}
}

// TestVisitAndSidebar: nothing about the page is known before the chat
// window reports it; its reports reach the agent who has the
// conversation open as frames, live, and the card keeps where the chat
// started, the pages since, the device and the location the platform
// gave; the visitor's previous conversations are listed with their first
// lines.
func TestVisitAndSidebar(t *testing.T) {
	if err := cloud.SetViewer(localcloud.Viewer{Country: "IT"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.SetViewer(localcloud.Viewer{}) })
	agent := newAgent(t, "alice")
	visitor := newVisitor(t)

	// Two conversations before, both closed.
	var past []string
	for _, body := range []string{"First question", "Second question"} {
		tab, id, _ := startConversation(t, visitor, body)
		tab.Close()
		if _, err := agent.Act(wait(t), id, "close", nil); err != nil {
			t.Fatal(err)
		}
		past = append(past, id)
	}
	tab, convID, _ := startConversation(t, visitor, "Third one")
	card, err := agent.Card(wait(t), convID)
	if err != nil {
		t.Fatal(err)
	}
	if card.Visit != nil {
		t.Errorf("a visit before the chat window reported a page: %+v", card.Visit)
	}
	var firstLines []string
	for _, c := range card.Conversations {
		firstLines = append(firstLines, c.ID+" "+c.FirstLine+" "+string(c.Status))
	}
	wantPast := []string{past[1] + " Second question closed", past[0] + " First question closed"}
	if diff := cmp.Diff(wantPast, firstLines); diff != "" {
		t.Errorf("previous conversations, newest first (-want +got):\n%s", diff)
	}

	// The agent opens the thread; the visitor's window reports its page,
	// then a page it moved to.
	inbox := connect(t, agent)
	sendFrame(t, inbox, map[string]any{"action": "resume", "conversationId": convID, "afterSeq": 0})
	if _, err := inbox.Next(wait(t), chatclient.IsType("messages", convID)); err != nil {
		t.Fatal(err)
	}
	pages := []struct{ url, title string }{
		{"https://shop.example.com/shoes?size=42", "Shoes – Shop"},
		{"https://shop.example.com/checkout#pay", `<img src=x onerror="window.__xss=1">`},
	}
	var visit chat.Visit
	for _, p := range pages {
		sendFrame(t, tab, map[string]any{"action": "page", "conversationId": convID, "url": p.url, "title": p.title,
			"referrer": "https://search.example.com/?q=shoes", "language": "it-IT"})
		f, err := inbox.Next(wait(t), chatclient.IsType("visit", convID))
		if err != nil {
			t.Fatalf("the agent heard no page: %v", err)
		}
		var vf chat.VisitFrame
		if err := json.Unmarshal(f.Raw, &vf); err != nil {
			t.Fatal(err)
		}
		visit = vf.Visit
		if last := visit.Pages[len(visit.Pages)-1]; last.URL != p.url || last.Title != p.title {
			t.Errorf("frame's last page %+v, want %s %q", last, p.url, p.title)
		}
	}
	if visit.URL != pages[0].url || visit.Title != pages[0].title || visit.Referrer != "https://search.example.com/?q=shoes" ||
		visit.Language != "it-IT" || visit.Country != "IT" || len(visit.Pages) != 2 {
		t.Errorf("visit = %+v", visit)
	}
	card, err = agent.Card(wait(t), convID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&visit, card.Visit); diff != "" {
		t.Errorf("the card's visit and the last frame's (-frame +card):\n%s", diff)
	}

	// A page that is not http(s) is refused and stores nothing; another
	// visitor cannot report into this conversation.
	sendFrame(t, tab, map[string]any{"action": "page", "conversationId": convID, "url": "javascript:alert(1)"})
	if f, err := tab.Next(wait(t), chatclient.IsType("error")); err != nil || f.Code != "invalid_request" {
		t.Errorf("a javascript: page = %+v, %v; want invalid_request", f, err)
	}
	other := connect(t, newVisitor(t))
	sendFrame(t, other, map[string]any{"action": "page", "conversationId": convID, "url": "https://evil.example/"})
	if f, err := other.Next(wait(t), chatclient.IsType("error")); err != nil || f.Code != "not_found" {
		t.Errorf("another visitor's page = %+v, %v; want not_found", f, err)
	}
	if c, _ := agent.Card(wait(t), convID); len(c.Visit.Pages) != 2 {
		t.Errorf("refused reports changed the visit: %+v", c.Visit.Pages)
	}

	// An unknown conversation answers like a forbidden one.
	var apiErr *chatclient.APIError
	if _, err := agent.Card(wait(t), uuid.NewString()); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("card of an unknown conversation: %v, want 404", err)
	}
}

// tokenLife is how long a visitor token lives from its issue.
func tokenLife(t *testing.T, token string) time.Duration {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not three parts", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Iat, Exp int64 }
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return time.Duration(p.Exp-p.Iat) * time.Second
}

// TestIdentifiedTokenRenewalAndRevocation: an identified visitor's token
// lives 30 days and each identify renews it (a session does not); the
// site's backend revokes the user with a signed request: every token and
// every identify signed before it is refused, the user's open sockets
// close, and a fresh identify works again.
func TestIdentifiedTokenRenewalAndRevocation(t *testing.T) {
	secret := identitySecret(t)
	user := "user-" + uuid.NewString()
	device := newVisitor(t)
	anonymousToken := device.Token
	if got := tokenLife(t, anonymousToken); got != 365*24*time.Hour {
		t.Errorf("an anonymous token lives %v, want a year", got)
	}
	old := signedNow(secret, user, "Grace", "")
	s1, err := device.IdentifyAs(wait(t), old)
	if err != nil {
		t.Fatal(err)
	}
	t1 := s1.VisitorToken
	if got := tokenLife(t, t1); got != 30*24*time.Hour {
		t.Errorf("an identified token lives %v, want 30 days", got)
	}
	time.Sleep(1100 * time.Millisecond) // the next token is issued in another second
	s2, err := device.IdentifyAs(wait(t), signedNow(secret, user, "Grace", ""))
	if err != nil {
		t.Fatal(err)
	}
	t2 := s2.VisitorToken
	if t2 == t1 || s2.VisitorID != s1.VisitorID {
		t.Errorf("a second identify answered %s for %s, want a renewed token for the same visitor", s2.VisitorID, s1.VisitorID)
	}
	// A session with an identified token resumes it without renewing it.
	resumed, answer, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), "main", t1)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.ID != s1.VisitorID || answer.VisitorToken != t1 {
		t.Errorf("a session with the identified token answered visitor %s, same token %v", resumed.ID, answer.VisitorToken == t1)
	}
	tab, convID, _ := startConversation(t, device, "Before the revocation")

	// A revocation the site did not sign changes nothing.
	now := cloud.Now().Unix()
	for name, r := range map[string]identity.Revocation{
		"unsigned":       {ExternalID: user, IssuedAt: now},
		"another user's": {ExternalID: user, IssuedAt: now, Signature: identity.SignRevoke(secret, "someone-else", now)},
		"an old one":     {ExternalID: user, IssuedAt: now - 3600, Signature: identity.SignRevoke(secret, user, now-3600)},
	} {
		if _, err := chatclient.Revoke(wait(t), endpoints(), r); !isUnauthorized(err) {
			t.Errorf("%s revocation: %v, want 401", name, err)
		}
	}
	if _, err := device.Ticket(wait(t)); err != nil {
		t.Fatalf("after refused revocations the token is refused: %v", err)
	}

	closed, err := chatclient.Revoke(wait(t), endpoints(), identity.Revocation{ExternalID: user, IssuedAt: now, Signature: identity.SignRevoke(secret, user, now)})
	if err != nil {
		t.Fatal(err)
	}
	if closed != 1 {
		t.Errorf("the revocation closed %d sockets, want the user's one", closed)
	}
	select {
	case <-tab.Done():
	case <-wait(t).Done():
		t.Error("the user's socket stayed open after the revocation")
	}
	for name, tok := range map[string]string{"first": t1, "renewed": t2} {
		v := chatclient.NewVisitorWithToken(endpoints(), widgetOrigin(), s1.VisitorID, tok)
		if _, err := v.Ticket(wait(t)); !isUnauthorized(err) {
			t.Errorf("ticket with the %s token after the revocation: %v, want 401", name, err)
		}
		if _, err := v.Messages(wait(t), convID); !isUnauthorized(err) {
			t.Errorf("history with the %s token after the revocation: %v, want 401", name, err)
		}
		fresh, _, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), "main", tok)
		if err != nil {
			t.Fatal(err)
		}
		if fresh.ID == s1.VisitorID {
			t.Errorf("a session with the %s token resumed the revoked user", name)
		}
	}
	for name, a := range map[string]identity.Assertion{
		"signed before":     {ExternalID: user, Name: "Grace", IssuedAt: now - 1, Signature: identity.SignAssertion(secret, identity.Assertion{ExternalID: user, Name: "Grace", IssuedAt: now - 1})},
		"the original form": {ExternalID: user, Signature: identity.Sign(secret, user)},
	} {
		if _, err := newVisitor(t).IdentifyAs(wait(t), a); !isUnauthorized(err) {
			t.Errorf("identify %s the revocation: %v, want 401", name, err)
		}
	}
	// Signed since: the user is back, with the history.
	back := newVisitor(t)
	s3, err := back.IdentifyAs(wait(t), signedNow(secret, user, "Grace", ""))
	if err != nil {
		t.Fatal(err)
	}
	if s3.VisitorID != s1.VisitorID || len(s3.Conversations) != 1 || s3.Conversations[0].ID != convID {
		t.Errorf("identify after the revocation: visitor %s with %+v, want %s with %s", s3.VisitorID, s3.Conversations, s1.VisitorID, convID)
	}
	if _, err := back.Ticket(wait(t)); err != nil {
		t.Errorf("the new token: %v", err)
	}
	// The anonymous visitor of the first browser was never the user's.
	if v, _, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), "main", anonymousToken); err != nil || v.ID == s1.VisitorID {
		t.Errorf("the anonymous token resumed %v, %v", v, err)
	}
}
