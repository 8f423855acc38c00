package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/infra/localcloud/awsemu"
	"github.com/parleychat/parley/infra/localcloud/oidc"
	"github.com/parleychat/parley/shared/identity"
)

// TestWireSamples drives the real functions through the local cloud and
// records one sample of the answer of every HTTP route of the template, of
// the error shapes, and of every frame type the Go code builds, sent to an
// agent and to a visitor, each labelled with the type of web/shared/wire.ts
// it must satisfy. The samples must keep the shapes committed in
// web/test/wire-samples.json (-update rewrites them); make test checks
// wire.ts against them (web/test/check-wire.mjs). The samples carry the
// optional members: an assigned conversation, email-channel messages, a
// bounced address, a conflict naming the owner, rate limits with
// retryAfter. The lists of the whole inbox (agents, quarantine) are cut to
// the entries this test made, so the samples do not depend on what other
// tests left in the shared cloud.
func TestWireSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second local cloud for the rate limits")
	}
	wd, _ := os.Getwd()
	root, err := localcloud.RepoRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	rec := newWireRecorder(t)
	api := cloud.Endpoints().HTTPAPI
	tag := uuid.NewString()[:8]
	anyone := caller{base: api}
	site := caller{base: api, origin: widgetOrigin()}
	alice := caller{base: api, bearer: agentToken(t, "alice")}
	aliceSub, benSub, chiaraSub := demoSub(t, "alice"), demoSub(t, "ben"), demoSub(t, "chiara")
	const (
		conversationRoute = "GET /agent/conversations/{id}"
		replyRoute        = "POST /agent/conversations/{id}/messages"
		takeOverRoute     = "POST /agent/conversations/{id}/takeover"
	)

	// ---- the agent: profile (with every optional member, restored
	// afterwards), the team, a ticket.
	var profile struct{ DisplayName, AvatarURL, MeetingsURL string }
	_, body := rec.call(alice, "GET /agent/me", "/agent/me", nil, http.StatusOK)
	if err := json.Unmarshal(body, &profile); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		alice.call(t, http.MethodPut, "/agent/me", map[string]string{"displayName": profile.DisplayName, "avatarUrl": profile.AvatarURL, "meetingsUrl": profile.MeetingsURL})
	})
	rec.answer("", alice, "PUT /agent/me", "/agent/me", map[string]string{
		"displayName": "Alice Moreau", "avatarUrl": "https://cdn.example.com/avatars/alice.png", "meetingsUrl": "https://meet.example.com/alice",
	}, http.StatusOK)
	rec.answer("", alice, "GET /agent/me", "/agent/me", nil, http.StatusOK)
	// Ben has a profile: he is assigned below.
	rec.call(caller{base: api, bearer: agentToken(t, "ben")}, "GET /agent/me", "/agent/me", nil, http.StatusOK)
	_, body = rec.call(alice, "GET /agent/agents", "/agent/agents", nil, http.StatusOK)
	rec.keep("", "GET /agent/agents", http.StatusOK, keepEntries(t, body, "agents", func(e map[string]any) bool { return e["id"] == aliceSub }))
	rec.answer("", alice, "POST /agent/ticket", "/agent/ticket", nil, http.StatusOK)

	// ---- the widget opens: its look, a session, a ticket.
	rec.answer("", anyone, "GET /widget/config", "/widget/config?channelId=main", nil, http.StatusOK)
	body = rec.answer("new visitor", site, "POST /widget/session", "/widget/session", map[string]string{"channelId": "main"}, http.StatusOK)
	var session struct{ VisitorToken string }
	if err := json.Unmarshal(body, &session); err != nil {
		t.Fatal(err)
	}
	v, _, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), "main", session.VisitorToken)
	if err != nil {
		t.Fatal(err)
	}
	visitor := caller{base: api, origin: widgetOrigin(), bearer: v.Token}
	rec.answer("", visitor, "POST /widget/ticket", "/widget/ticket", nil, http.StatusOK)

	// ---- a conversation, live on both sides.
	vtab := connect(t, v)
	atab := connect(t, newAgent(t, "alice"))
	first := uuid.NewString()
	if err := chatclient.SendMessageWithID(wait(t), vtab, first, "", "Hello! Where is my order?"); err != nil {
		t.Fatal(err)
	}
	conv := rec.frame("text", "visitor", vtab, func(f chatclient.Frame) bool { return msgClientID(f) == first }).ConversationID
	threadPath := "/agent/conversations/" + conv
	rec.frame("a new conversation", "agent", atab, chatclient.IsType("message", conv))
	rec.answer("", alice, takeOverRoute, threadPath+"/takeover", map[string]string{"expectedAssigneeId": ""}, http.StatusOK)
	rec.frame("assigned", "visitor", vtab, isEvent(conv, "assigned"))
	rec.frame("assigned", "agent", atab, isEvent(conv, "assigned"))

	// The inbox opens the thread, the widget resumes.
	sendFrame(t, atab, map[string]any{"action": "resume", "conversationId": conv, "afterSeq": 0})
	rec.frame("", "agent", atab, chatclient.IsType("messages", conv))
	sendFrame(t, vtab, map[string]any{"action": "resume", "conversationId": conv, "afterSeq": 0})
	rec.frame("", "visitor", vtab, chatclient.IsType("messages", conv))

	// Typing both ways.
	sendFrame(t, atab, map[string]any{"action": "typing", "conversationId": conv, "on": true})
	rec.frame("the agent types", "visitor", vtab, chatclient.IsType("typing", conv))
	sendFrame(t, vtab, map[string]any{"action": "typing", "conversationId": conv, "on": true})
	rec.frame("the visitor types", "agent", atab, chatclient.IsType("typing", conv))

	// Agents together: Ben's inbox is open; Alice views the thread, Ben
	// types a note, Alice's note mentions Ben (twice, so his
	// notifications have a second page), Ben reads one.
	btab := connect(t, newAgent(t, "ben"))
	sendFrame(t, atab, map[string]any{"action": "view", "conversationId": conv, "on": true})
	rec.frame("", "agent", atab, chatclient.IsType("viewers", conv))
	sendFrame(t, btab, map[string]any{"action": "typing", "conversationId": conv, "on": true, "note": true})
	rec.frame("a note", "agent", atab, func(f chatclient.Frame) bool {
		return f.Type == "typing" && strings.Contains(string(f.Raw), `"note":true`)
	})
	noteBody := map[string]string{"clientId": uuid.NewString(), "body": "@Ben Richter the customer is a reseller, see the CRM"}
	rec.answer("note", alice, "POST /agent/conversations/{id}/notes", threadPath+"/notes", noteBody, http.StatusCreated)
	rec.frame("note", "agent", atab, func(f chatclient.Frame) bool { m, err := f.Msg(); return err == nil && m.Kind == "note" })
	rec.frame("", "agent", btab, chatclient.IsType("notification"))
	rec.call(alice, "POST /agent/conversations/{id}/notes", threadPath+"/notes", map[string]string{"clientId": uuid.NewString(), "body": "@Ben Richter and the invoice"}, http.StatusCreated)
	ben := caller{base: api, bearer: agentToken(t, "ben")}
	body = rec.answer("", ben, "GET /agent/notifications", "/agent/notifications?limit=1", nil, http.StatusOK)
	var notes struct{ Notifications []struct{ ID string } }
	if err := json.Unmarshal(body, &notes); err != nil || len(notes.Notifications) != 1 {
		t.Fatalf("notifications %s: %v", body, err)
	}
	rec.answer("", ben, "POST /agent/notifications/read", "/agent/notifications/read", map[string]any{"ids": []string{notes.Notifications[0].ID}}, http.StatusOK)
	rec.answer("", ben, "GET /agent/me/preferences", "/agent/me/preferences", nil, http.StatusOK)
	rec.answer("", ben, "PUT /agent/me/preferences", "/agent/me/preferences", map[string]any{"sound": false, "desktop": map[string]bool{"newConversations": true, "assigned": true, "mentions": true, "messages": false}}, http.StatusOK)

	// A reply, and read markers both ways.
	body = rec.answer("chat", alice, replyRoute, threadPath+"/messages", map[string]string{"clientId": uuid.NewString(), "body": "It ships today."}, http.StatusCreated)
	// The visitor's read marker is stored and pushed to the open thread
	// only (the "Seen" under the reply).
	answered := seqOf(t, body)
	sendFrame(t, vtab, map[string]any{"action": "read", "conversationId": conv, "seq": answered})
	rec.frame("read by the visitor", "agent", atab, func(f chatclient.Frame) bool {
		return isConversation(conv)(f) && strings.Contains(string(f.Raw), fmt.Sprintf(`"visitorReadSeq":%d`, answered))
	})
	// An agent's resume answers with the visitor's marker.
	sendFrame(t, atab, map[string]any{"action": "resume", "conversationId": conv, "afterSeq": answered, "subscription": uuid.NewString()})
	rec.frame("with the visitor's read", "agent", atab, func(f chatclient.Frame) bool {
		return chatclient.IsType("messages", conv)(f) && strings.Contains(string(f.Raw), fmt.Sprintf(`"visitorReadSeq":%d`, answered))
	})
	second := uuid.NewString()
	if err := chatclient.SendMessageWithID(wait(t), vtab, second, conv, "Great, thanks!"); err != nil {
		t.Fatal(err)
	}
	f, err := vtab.Next(wait(t), func(f chatclient.Frame) bool { return msgClientID(f) == second })
	if err != nil {
		t.Fatal(err)
	}
	rec.answer("", alice, "POST /agent/conversations/{id}/read", threadPath+"/read", map[string]int64{"seq": mustMsg(t, f).Seq}, http.StatusOK)
	rec.frame("read by the agent", "visitor", vtab, isConversation(conv))
	rec.frame("read by the agent", "agent", atab, isConversation(conv))

	// Files both ways: the visitor's screenshot over the socket, the
	// agent's invoice over HTTP; each side downloads the other's.
	var shot, invoice slot
	body = rec.answer("", visitor, "POST /widget/uploads", "/widget/uploads", map[string]any{"conversationId": conv, "filename": "shot.png", "size": len(pngBytes)}, http.StatusOK)
	if err := json.Unmarshal(body, &shot); err != nil {
		t.Fatal(err)
	}
	if status, body := postForm(t, shot, pngBytes, nil); status != http.StatusNoContent {
		t.Fatalf("upload = %d %s", status, body)
	}
	withFile := uuid.NewString()
	sendFrame(t, vtab, map[string]any{"action": "sendMessage", "clientId": withFile, "conversationId": conv, "body": "A screenshot", "attachments": []any{shot.upload(len(pngBytes))}})
	shotFrame := rec.frame("with files", "visitor", vtab, func(f chatclient.Frame) bool { return msgClientID(f) == withFile })
	rec.frame("with files", "agent", atab, func(f chatclient.Frame) bool { return msgClientID(f) == withFile })
	rec.answer("", visitor, "POST /widget/conversations/{id}/attachments/{attachmentId}", "/widget/conversations/"+conv+"/attachments/"+filesOf(t, shotFrame)[0].ID, nil, http.StatusOK)
	pdf := []byte("%PDF-1.4 invoice")
	body = rec.answer("", alice, "POST /agent/conversations/{id}/uploads", threadPath+"/uploads", map[string]any{"filename": "invoice.pdf", "size": len(pdf)}, http.StatusOK)
	if err := json.Unmarshal(body, &invoice); err != nil {
		t.Fatal(err)
	}
	if status, body := postForm(t, invoice, pdf, nil); status != http.StatusNoContent {
		t.Fatalf("upload = %d %s", status, body)
	}
	rec.answer("with files", alice, replyRoute, threadPath+"/messages", map[string]any{"clientId": uuid.NewString(), "body": "Your invoice", "attachments": []any{invoice.upload(len(pdf))}}, http.StatusCreated)

	// Pings, and frames refused: too long, and a store that fails.
	sendFrame(t, vtab, map[string]string{"action": "ping"})
	rec.frame("", "visitor", vtab, chatclient.IsType("pong"))
	sendFrame(t, atab, map[string]string{"action": "ping"})
	rec.frame("", "agent", atab, chatclient.IsType("pong"))
	long := uuid.NewString()
	if err := chatclient.SendMessageWithID(wait(t), vtab, long, conv, strings.Repeat("a", 5001)); err != nil {
		t.Fatal(err)
	}
	rec.frame("too long", "visitor", vtab, isError(long))
	// The fault targets this message's write (its client id): the
	// functions that run in the background write transactions too.
	failed := uuid.NewString()
	t.Cleanup(cloud.AWS().FailNext("TransactWriteItems", 3, awsemu.FaultInternal, failed))
	if err := chatclient.SendMessageWithID(wait(t), atab, failed, conv, "Written while the table fails"); err != nil {
		t.Fatal(err)
	}
	rec.frame("the store failed", "agent", atab, isError(failed))

	// ---- email: the visitor leaves an address and confirms it.
	addr := "wire-" + tag + "@visitor.test"
	rec.answer("", visitor, "PUT /widget/contact", "/widget/contact", map[string]string{"email": addr, "name": "Ada Lovelace", "pageUrl": "https://shop.example.com/orders"}, http.StatusOK)
	link := confirmLink(t, addr, 1)
	rec.page("GET /widget/contact/confirm", link, "")
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	rec.page("POST /widget/contact/confirm", link, "token="+u.Query().Get("token"))
	rec.answer("", alice, conversationRoute, threadPath, nil, http.StatusOK)

	// The agent answers by email; the visitor answers the mail with a file.
	rec.answer("email", alice, replyRoute, threadPath+"/messages", map[string]string{"clientId": uuid.NewString(), "body": "Here is the tracking link.", "channel": "email"}, http.StatusCreated)
	sent := mailTo(t, addr, "Your conversation")
	if len(sent) != 1 {
		t.Fatalf("%d replies mailed to %s, want 1", len(sent), addr)
	}
	replyTo, inReplyTo := sent[0].Headers["Reply-To"], strings.Trim(sent[0].Headers["Message-Id"], "<>")
	// The email links the conversation's files; the widget's file page
	// trades a link's token for a download.
	_, token, ok := strings.Cut(linkIn(t, sent[0].Text, "shot.png"), "#")
	if !ok {
		t.Fatalf("the email does not link shot.png:\n%s", sent[0].Text)
	}
	rec.answer("", site, "POST /widget/downloads", "/widget/downloads", map[string]string{"token": token}, http.StatusOK)
	sendSMTP(t, addr, replyTo, fmt.Sprintf("From: Ada Lovelace <%[1]s>\nTo: %[2]s\nSubject: Re: Your conversation\nMessage-ID: <%[3]s@mail.visitor.test>\nIn-Reply-To: <%[4]s>\nMIME-Version: 1.0\n"+
		"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nThe receipt is attached.\n"+
		"--b\nContent-Type: image/png\nContent-Disposition: attachment; filename=\"receipt-%[3]s.png\"\nContent-Transfer-Encoding: base64\n\n%[5]s\n--b--\n",
		addr, replyTo, tag, inReplyTo, b64("\x89PNG\r\n\x1a\n receipt")))
	var files []byte
	eventually(t, "the mailed file listed", func() error {
		_, files = rec.call(alice, "GET /agent/conversations/{id}/attachments", threadPath+"/attachments", nil, http.StatusOK)
		if !strings.Contains(string(files), "receipt-"+tag) {
			return fmt.Errorf("attachments: %s", files)
		}
		return nil
	})
	rec.keep("", "GET /agent/conversations/{id}/attachments", http.StatusOK, files)
	var list struct{ Attachments []struct{ ID string } }
	if err := json.Unmarshal(files, &list); err != nil || len(list.Attachments) != 3 {
		t.Fatalf("attachments %s: %v; want the chat's two and the mailed one", files, err)
	}
	rec.answer("", alice, "GET /agent/conversations/{id}/attachments/{attachmentId}", threadPath+"/attachments/"+list.Attachments[0].ID, nil, http.StatusOK)
	eventually(t, "the mailed answer in the thread", func() error {
		_, body := rec.call(alice, conversationRoute, threadPath+"?limit=100", nil, http.StatusOK)
		if !strings.Contains(string(body), "The receipt is attached.") {
			return fmt.Errorf("thread: %s", body)
		}
		return nil
	})

	// A reply that is only the quote: stored whole, marked for agents.
	sendSMTP(t, addr, replyTo, replyMail(addr, replyTo, uuid.NewString()+"@mail.visitor.test", inReplyTo, "",
		"On Sat, 21 Nov 2026 at 19:42, Alice <chat@example.com> wrote:\n> Here is the tracking link.\n"))
	eventually(t, "the quote-only reply in the thread, marked", func() error {
		_, body := rec.call(alice, conversationRoute, threadPath+"?limit=100", nil, http.StatusOK)
		if !strings.Contains(string(body), `"extraction":"full"`) {
			return fmt.Errorf("thread: %s", body)
		}
		rec.keep("email extraction", conversationRoute, http.StatusOK, body)
		return nil
	})

	// A stranger writes to the conversation's reply address: kept aside.
	stranger := "stranger-" + tag + "@elsewhere.test"
	sendSMTP(t, stranger, replyTo, replyMail(stranger, replyTo, uuid.NewString()+"@elsewhere.test", inReplyTo, "", "Let me in."))
	var mails []byte
	eventually(t, "the stranger's mail in quarantine", func() error {
		_, body := rec.call(alice, "GET /agent/quarantine", "/agent/quarantine?limit=100", nil, http.StatusOK)
		mails = keepEntries(t, body, "mails", func(e map[string]any) bool { return e["from"] == stranger })
		if !strings.Contains(string(mails), stranger) {
			return fmt.Errorf("quarantine: %s", body)
		}
		return nil
	})
	rec.keep("", "GET /agent/quarantine", http.StatusOK, mails)

	// Both sides read the history.
	rec.answer("", visitor, "GET /widget/conversations/{id}/messages", "/widget/conversations/"+conv+"/messages?limit=100", nil, http.StatusOK)
	rec.answer("", alice, "GET /agent/conversations/{id}/messages", threadPath+"/messages?after=0&limit=100", nil, http.StatusOK)

	// ---- assignment, a conflict, close, transcript, reopen.
	rec.answer("", alice, "POST /agent/conversations/{id}/assign", threadPath+"/assign", map[string]string{"agentId": benSub, "expectedAssigneeId": aliceSub}, http.StatusOK)
	rec.refusal("conflict", alice, takeOverRoute, threadPath+"/takeover", map[string]string{"expectedAssigneeId": ""}, http.StatusConflict)
	rec.answer("", alice, "POST /agent/conversations/{id}/unassign", threadPath+"/unassign", map[string]string{"expectedAssigneeId": benSub}, http.StatusOK)
	rec.answer("", alice, "POST /agent/conversations/{id}/close", threadPath+"/close", nil, http.StatusOK)
	rec.frame("closed", "visitor", vtab, isEvent(conv, "closed"))
	rec.answer("", alice, "POST /agent/conversations/{id}/transcript", threadPath+"/transcript", map[string]string{"to": "boss-" + tag + "@visitor.test", "subject": "Your order"}, http.StatusCreated)
	rec.answer("", alice, "POST /agent/conversations/{id}/reopen", threadPath+"/reopen", nil, http.StatusOK)
	rec.call(alice, takeOverRoute, threadPath+"/takeover", map[string]string{"expectedAssigneeId": ""}, http.StatusOK)

	// ---- a second conversation, whose address bounces.
	v2 := newVisitor(t)
	tab2, conv2, _ := startConversation(t, v2, "Please write to me later.")
	tab2.Close()
	thread2 := "/agent/conversations/" + conv2
	rec.call(alice, takeOverRoute, thread2+"/takeover", map[string]string{"expectedAssigneeId": ""}, http.StatusOK)
	rec.answer("", alice, "PUT /agent/conversations/{id}/contact", thread2+"/contact", map[string]string{"email": "bounce+" + tag + "@simulator.amazonses.com", "name": "Bo Bounce"}, http.StatusOK)
	rec.call(alice, replyRoute, thread2+"/messages", map[string]string{"clientId": uuid.NewString(), "body": "Here is the answer.", "channel": "email"}, http.StatusCreated)
	var blocked []byte
	eventually(t, "the bounce marks the address undeliverable", func() error {
		_, blocked = rec.call(alice, conversationRoute, thread2, nil, http.StatusOK)
		if !strings.Contains(string(blocked), `"emailBlocked"`) {
			return fmt.Errorf("thread: %s", blocked)
		}
		return nil
	})
	rec.keep("email blocked", conversationRoute, http.StatusOK, blocked)

	// Alice's own open conversations, one a page: there is a next page.
	rec.answer("", alice, "GET /agent/conversations", "/agent/conversations?status=open&view=mine&limit=1", nil, http.StatusOK)

	// ---- the widget again: identified, and the visitor's conversation
	// with its assignee's badge.
	user := "wire-" + tag
	body = rec.answer("", site, "POST /widget/identify", "/widget/identify", map[string]string{"externalId": user, "signature": identity.Sign(identitySecret(t), user)}, http.StatusOK)
	var identified struct{ VisitorID string }
	if err := json.Unmarshal(body, &identified); err != nil {
		t.Fatal(err)
	}
	rec.answer("", site, "POST /widget/session", "/widget/session", map[string]string{"channelId": "main", "visitorToken": v.Token}, http.StatusOK)

	// ---- who the visitor is: a user the site identifies with a name and
	// an address, two conversations, attributes, the page the chat window
	// is on (in a country), the card beside the thread; then the site
	// revokes the user.
	if err := cloud.SetViewer(localcloud.Viewer{Country: "IT"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.SetViewer(localcloud.Viewer{}) })
	secret := identitySecret(t)
	asserted := identity.Assertion{ExternalID: "wire-asserted-" + tag, Name: "Grace Hopper", Email: "grace-" + tag + "@visitor.test", IssuedAt: cloud.Now().Unix()}
	asserted.Signature = identity.SignAssertion(secret, asserted)
	body = rec.answer("signed name and address", site, "POST /widget/identify", "/widget/identify", asserted, http.StatusOK)
	var grace struct{ VisitorID, VisitorToken string }
	if err := json.Unmarshal(body, &grace); err != nil {
		t.Fatal(err)
	}
	user2 := chatclient.NewVisitorWithToken(endpoints(), widgetOrigin(), grace.VisitorID, grace.VisitorToken)
	gtab, earlier, _ := startConversation(t, user2, "Where is my invoice?")
	rec.call(alice, "POST /agent/conversations/{id}/close", "/agent/conversations/"+earlier+"/close", nil, http.StatusOK)
	if _, err := gtab.Next(wait(t), isEvent(earlier, "closed")); err != nil {
		t.Fatal(err)
	}
	later := uuid.NewString()
	if err := chatclient.SendMessageWithID(wait(t), gtab, later, "", "And the receipt?"); err != nil {
		t.Fatal(err)
	}
	latest, err := gtab.Next(wait(t), func(f chatclient.Frame) bool { return msgClientID(f) == later })
	if err != nil {
		t.Fatal(err)
	}
	gconv := latest.ConversationID
	rec.answer("", caller{base: api, origin: widgetOrigin(), bearer: grace.VisitorToken}, "PUT /widget/attributes", "/widget/attributes",
		map[string]any{"attributes": map[string]any{"plan": "pro", "seats": 12, "trial": false}}, http.StatusOK)
	sendFrame(t, atab, map[string]any{"action": "resume", "conversationId": gconv, "afterSeq": 0})
	if _, err := atab.Next(wait(t), chatclient.IsType("messages", gconv)); err != nil {
		t.Fatal(err)
	}
	sendFrame(t, gtab, map[string]any{"action": "page", "conversationId": gconv, "url": "https://shop.example.com/invoices?year=2026",
		"title": "Invoices – Shop", "referrer": "https://search.example.com/", "language": "en-GB"})
	rec.frame("", "agent", atab, chatclient.IsType("visit", gconv))
	rec.answer("", alice, "GET /agent/conversations/{id}/contact", "/agent/conversations/"+gconv+"/contact", nil, http.StatusOK)
	now := cloud.Now().Unix()
	rec.answer("", anyone, "POST /widget/identify/revoke", "/widget/identify/revoke",
		identity.Revocation{ExternalID: asserted.ExternalID, IssuedAt: now, Signature: identity.SignRevoke(secret, asserted.ExternalID, now)}, http.StatusOK)

	// ---- settings (an inbox and a channel of this test's own, in business
	// hours with every optional member), the caller's inboxes, its status.
	admin := alice
	body = rec.answer("", admin, "POST /agent/settings/inboxes", "/agent/settings/inboxes", map[string]string{"name": "Wire " + tag}, http.StatusCreated)
	inboxID := idOf(t, body)
	rec.answer("", admin, "PUT /agent/settings/inboxes/{id}", "/agent/settings/inboxes/"+inboxID,
		map[string]any{"name": "Wire " + tag, "memberIds": []string{}, "routing": map[string]any{"mode": "round_robin", "capacity": 3}}, http.StatusOK)
	_, body = rec.call(admin, "GET /agent/settings/inboxes", "/agent/settings/inboxes", nil, http.StatusOK)
	rec.keep("", "GET /agent/settings/inboxes", http.StatusOK, keepEntries(t, body, "inboxes", func(e map[string]any) bool { return e["id"] == inboxID || e["id"] == "main" }))
	body = rec.answer("", admin, "POST /agent/settings/channels", "/agent/settings/channels", map[string]string{"inboxId": inboxID, "name": "Shop " + tag}, http.StatusCreated)
	channelID := idOf(t, body)
	var ch map[string]any
	if err := json.Unmarshal(body, &ch); err != nil {
		t.Fatal(err)
	}
	hours := []map[string]string{{"start": "09:00", "end": "12:30"}, {"start": "14:00", "end": "18:00"}}
	ch["allowedOrigins"] = []string{siteOrigin()}
	ch["look"].(map[string]any)["teamAvatarUrl"] = "https://cdn.example.com/team.png"
	ch["retention"] = map[string]any{"closedDays": 90}
	ch["availability"] = map[string]any{"mode": "hours", "timeZone": "Europe/Rome",
		"week": map[string]any{"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours,
			"sat": []map[string]string{{"start": "10:00", "end": "12:00"}}, "sun": []map[string]string{{"start": "00:00", "end": "24:00"}}},
		"holidays": []map[string]any{{"date": "2030-12-25", "name": "Christmas"}, {"date": "2030-12-24", "hours": []map[string]string{{"start": "09:00", "end": "12:00"}}},
			{"date": "2030-12-31", "endDate": "2031-01-06"}}}
	rec.answer("", admin, "PUT /agent/settings/channels/{id}", "/agent/settings/channels/"+channelID, ch, http.StatusOK)
	rec.answer("", admin, "GET /agent/settings/channels/{id}", "/agent/settings/channels/"+channelID, nil, http.StatusOK)
	_, body = rec.call(admin, "GET /agent/settings/channels", "/agent/settings/channels", nil, http.StatusOK)
	rec.keep("", "GET /agent/settings/channels", http.StatusOK, keepEntries(t, body, "channels", func(e map[string]any) bool { return e["id"] == channelID }))
	rec.answer("in business hours", anyone, "GET /widget/config", "/widget/config?channelId="+channelID, nil, http.StatusOK)
	ch["look"].(map[string]any)["color"] = "#ffd700"
	rec.refusal("invalid_request, fields named", admin, "PUT /agent/settings/channels/{id}", "/agent/settings/channels/"+channelID, ch, http.StatusBadRequest)
	rec.refusal("forbidden", caller{base: api, bearer: agentToken(t, "ben")}, "GET /agent/settings/channels", "/agent/settings/channels", nil, http.StatusForbidden)
	rec.answer("", alice, "GET /agent/inboxes", "/agent/inboxes", nil, http.StatusOK)
	t.Cleanup(func() { alice.call(t, http.MethodPut, "/agent/me/status", map[string]string{"status": "available"}) })
	rec.answer("", alice, "PUT /agent/me/status", "/agent/me/status", map[string]string{"status": "away"}, http.StatusOK)
	rec.frame("", "agent", atab, chatclient.IsType("agent"))

	// ---- a bot: a channel of an inbox of its own whose chatflow uses
	// every member of a flow; a visitor runs it to the handover.
	flow := botFlow("How many seats?")
	flow["bot"] = map[string]any{"name": "Robin", "avatarUrl": "https://cdn.example.com/robin.png"}
	flow["sessionMinutes"] = 30
	steps := flow["steps"].([]map[string]any)
	steps[0]["freeText"], steps[0]["next"] = true, "route"
	flow["steps"] = append(steps, map[string]any{"id": "route", "type": "branch", "on": "topic",
		"cases": []map[string]any{{"equals": "sales", "next": "seats"}}, "next": "problem"})
	botAdmin := newAgent(t, "alice")
	botCh, bea, beaTab := botChannel(t, botAdmin, flow)
	botDoc := getChannel(t, botAdmin, botCh)
	botDoc["targeting"] = map[string]any{"rules": []any{
		map[string]any{"pages": "example.com/pricing*", "flow": "greeter"},
		map[string]any{"pages": "/checkout*", "hide": true},
	}, "otherPages": map[string]any{"flow": "greeter"}}
	putChannel(t, botAdmin, botDoc)
	pastTheCaches(t)
	rec.answer("a bot", admin, "GET /agent/settings/channels/{id}", "/agent/settings/channels/"+botCh, nil, http.StatusOK)
	rec.answer("a bot", anyone, "GET /widget/config", "/widget/config?channelId="+botCh, nil, http.StatusOK)
	bot := openBot(t, botCh)
	f = rec.frame("a bot's question", "visitor", bot.tab, func(f chatclient.Frame) bool { m, err := f.Msg(); return err == nil && m.Ask != nil })
	m := mustMsg(t, f)
	bot.conv, bot.entries[m.Seq] = f.ConversationID, m
	rec.frame("a bot's conversation", "agent", beaTab, chatclient.IsType("message", bot.conv))
	// The welcome came before the question the recorder waited for.
	heard, err := bot.v.Messages(wait(t), bot.conv)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range heard {
		bot.entries[m.Seq] = m
	}
	for _, answer := range []string{"Sales", "12", "ana@example.com"} {
		bot.answer(t, answer)
	}
	beaTok, err := cloud.Issuer().Mint(bea.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	beaCaller := caller{base: api, bearer: beaTok}
	// Routing gives the handed-over conversation to Bea, off the message
	// path: the sample is taken once it has, or whether it names an
	// assignee would depend on the timing.
	eventually(t, "routing assigns the handed-over conversation", func() error {
		var th struct {
			Conversation struct{ AssigneeID string } `json:"conversation"`
		}
		if err := bea.Agent.Call(wait(t), http.MethodGet, "/agent/conversations/"+bot.conv, nil, &th); err != nil {
			return err
		}
		if th.Conversation.AssigneeID != bea.ID {
			return fmt.Errorf("assigned to %q", th.Conversation.AssigneeID)
		}
		return nil
	})
	rec.answer("a bot handed over", beaCaller, conversationRoute, "/agent/conversations/"+bot.conv, nil, http.StatusOK)
	rec.answer("bot answers", beaCaller, "GET /agent/conversations/{id}/contact", "/agent/conversations/"+bot.conv+"/contact", nil, http.StatusOK)

	// ---- search: a reply naming the run's tag, then the tag found in it
	// (one a page: a cursor follows) and in the contact's address.
	rec.call(alice, replyRoute, threadPath+"/messages", map[string]string{"clientId": uuid.NewString(), "body": "Order " + tag + " left the warehouse."}, http.StatusCreated)
	indexed(t)
	body = rec.answer("a message, one a page", alice, "GET /agent/search", "/agent/search?limit=1&q="+tag, nil, http.StatusOK)
	var found struct{ NextCursor string }
	if err := json.Unmarshal(body, &found); err != nil || found.NextCursor == "" {
		t.Fatalf("search %s = %s, %v; want a next page", tag, body, err)
	}
	rec.answer("the contact", alice, "GET /agent/search", "/agent/search?limit=1&q="+tag+"&cursor="+found.NextCursor, nil, http.StatusOK)

	// ---- saved replies: a shared one (alice is an admin) and a personal
	// one, each changed and deleted.
	mine := func(e map[string]any) bool { return strings.Contains(fmt.Sprint(e["title"]), tag) }
	var saved struct{ Reply struct{ ID string } }
	body = rec.answer("", alice, "POST /agent/saved-replies/shared", "/agent/saved-replies/shared",
		map[string]string{"title": "Shipping " + tag, "body": "Hi {{visitor.name|there}}, it ships today.", "category": "Orders"}, http.StatusCreated)
	if err := json.Unmarshal(body, &saved); err != nil {
		t.Fatal(err)
	}
	sharedPath := "/agent/saved-replies/shared/" + saved.Reply.ID
	rec.answer("", alice, "PUT /agent/saved-replies/shared/{id}", sharedPath, map[string]string{"title": "Shipping " + tag, "body": "It ships tomorrow.", "category": "Orders"}, http.StatusOK)
	body = rec.answer("", alice, "POST /agent/saved-replies/personal", "/agent/saved-replies/personal", map[string]string{"title": "Mine " + tag, "body": "Talk soon, {{agent.name}}"}, http.StatusCreated)
	if err := json.Unmarshal(body, &saved); err != nil {
		t.Fatal(err)
	}
	personalPath := "/agent/saved-replies/personal/" + saved.Reply.ID
	rec.answer("", alice, "PUT /agent/saved-replies/personal/{id}", personalPath, map[string]string{"title": "Mine " + tag, "body": "Talk soon!"}, http.StatusOK)
	_, body = rec.call(alice, "GET /agent/saved-replies", "/agent/saved-replies", nil, http.StatusOK)
	rec.keep("", "GET /agent/saved-replies", http.StatusOK, keepEntries(t, body, "replies", mine))
	rec.answer("", alice, "DELETE /agent/saved-replies/personal/{id}", personalPath, nil, http.StatusOK)
	rec.answer("", alice, "DELETE /agent/saved-replies/shared/{id}", sharedPath, nil, http.StatusOK)

	// ---- errors.
	rec.refusal("not_found", alice, conversationRoute, "/agent/conversations/"+uuid.NewString(), nil, http.StatusNotFound)
	rec.refusal("invalid_request", alice, "GET /agent/conversations", "/agent/conversations?limit=many", nil, http.StatusBadRequest)
	rec.refusal("too_large", alice, replyRoute, threadPath+"/messages", map[string]string{"clientId": uuid.NewString(), "body": strings.Repeat("a", 5001)}, http.StatusRequestEntityTooLarge)
	rec.refusal("unauthorized", caller{base: api, origin: widgetOrigin(), bearer: "not-a-token"}, "POST /widget/ticket", "/widget/ticket", nil, http.StatusUnauthorized)
	status, body := rec.call(caller{base: api, bearer: "not-a-token"}, "GET /agent/me", "/agent/me", nil, http.StatusUnauthorized)
	rec.keepRefusal("unauthorized by the gateway", "GET /agent/me", status, body, true)

	// ---- sign-out (chiara) and access (an admin enables her).
	t.Cleanup(nextSecond)
	chiaraTab := connect(t, newAgent(t, "chiara"))
	rec.answer("", caller{base: api, bearer: agentToken(t, "chiara")}, "POST /agent/signout", "/agent/signout", nil, http.StatusOK)
	rec.frame("signed out", "agent", chiaraTab, chatclient.IsType("closing"))
	rec.answer("", alice, "PUT /agent/agents/{id}/access", "/agent/agents/"+chiaraSub+"/access", map[string]bool{"disabled": false}, http.StatusOK)

	// ---- the team: an invitation, its role and inboxes, the list (cut to
	// Alice, with an avatar, and the invited agent).
	body = rec.answer("invited", alice, "POST /agent/team", "/agent/team", map[string]any{
		"email": "wire-" + tag + "@example.com", "name": "Noor Haddad", "role": "agent", "inboxIds": []string{"main"},
	}, http.StatusCreated)
	var invited struct{ ID string }
	if err := json.Unmarshal(body, &invited); err != nil {
		t.Fatal(err)
	}
	rec.answer("", alice, "PUT /agent/team/{id}", "/agent/team/"+invited.ID, map[string]any{"role": "admin", "inboxIds": []string{"main"}}, http.StatusOK)
	_, body = rec.call(alice, "GET /agent/team", "/agent/team", nil, http.StatusOK)
	rec.keep("", "GET /agent/team", http.StatusOK, keepEntries(t, body, "members", func(e map[string]any) bool { return e["id"] == aliceSub || e["id"] == invited.ID }))

	// ---- reports: a conversation of an inbox of its own, answered and
	// closed by Alice, so every number of the day is there.
	recordReport(t, rec, alice, aliceSub)

	// ---- the conversation's contact: everything about them exported
	// (messages by chat and email, files, the address), then erased.
	// The one whose address bounced, a host site's user, and the user
	// with attributes and pages, too.
	rec.answer("", alice, "GET /agent/contacts/{id}/export", "/agent/contacts/"+v.ID+"/export", nil, http.StatusOK)
	rec.answer("bounced address", alice, "GET /agent/contacts/{id}/export", "/agent/contacts/"+v2.ID+"/export", nil, http.StatusOK)
	rec.answer("identified", alice, "GET /agent/contacts/{id}/export", "/agent/contacts/"+identified.VisitorID+"/export", nil, http.StatusOK)
	rec.answer("attributes and pages", alice, "GET /agent/contacts/{id}/export", "/agent/contacts/"+grace.VisitorID+"/export", nil, http.StatusOK)
	rec.answer("", alice, "DELETE /agent/contacts/{id}", "/agent/contacts/"+v.ID, nil, http.StatusOK)

	// ---- rate limits, on a cloud of their own with low limits.
	recordLimits(t, rec, aliceSub)

	rec.checkCoverage(t, templateRoutes(cloud), codeFrameTypes(t, root))
	compareWire(t, root, rec.got)
}

// recordLimits records the answer and the frames of a client over its
// rate limit: an IP's sessions, a visitor's messages, an agent's pings.
func recordLimits(t *testing.T, rec *wireRecorder, agentSub string) {
	t.Helper()
	lc := limitedCloud(t)
	e := lc.Endpoints()
	ep := chatclient.Endpoints{HTTPAPI: e.HTTPAPI, WebSocket: e.WebSocket, InboxOrigin: lc.URL()}
	site := e.WidgetOrigin() // the chat window calls from there

	flood := caller{base: e.HTTPAPI, origin: site, hc: clientFrom("127.0.0.3")}
	for n := 0; ; n++ {
		status, _, body := flood.call(t, http.MethodPost, "/widget/session", map[string]string{"channelId": "main"})
		if status == http.StatusTooManyRequests {
			rec.keepRefusal("rate_limited", "POST /widget/session", status, body, false)
			break
		}
		if status != http.StatusOK || n > 3*testPerIP {
			t.Fatalf("session %d from one address: %d %s, want 200 until 429", n, status, body)
		}
	}

	v, _, err := chatclient.NewVisitor(wait(t), ep, site, "main", "")
	if err != nil {
		t.Fatal(err)
	}
	tab := connect(t, v)
	conv := ""
	for n := 0; ; n++ {
		id := uuid.NewString()
		if err := chatclient.SendMessageWithID(wait(t), tab, id, conv, fmt.Sprintf("Message %d", n)); err != nil {
			t.Fatal(err)
		}
		f, err := tab.Next(wait(t), func(f chatclient.Frame) bool { return msgClientID(f) == id || isError(id)(f) })
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == "error" {
			if f.Code != "rate_limited" || n < testVisitorMessages {
				t.Fatalf("message %d refused: %s, want rate_limited after %d", n, f.Raw, testVisitorMessages)
			}
			rec.keepFrame("over the limit", "visitor", f)
			break
		}
		if n > 3*testVisitorMessages {
			t.Fatalf("%d messages and none refused", n)
		}
		conv = f.ConversationID
	}

	token, err := lc.Issuer().Mint(agentSub, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	sock := connect(t, chatclient.NewAgent(ep, token))
	for n := 0; ; n++ {
		sendFrame(t, sock, map[string]string{"action": "ping"})
		f, err := sock.Next(wait(t), func(f chatclient.Frame) bool { return f.Type == "pong" || f.Type == "error" })
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == "error" {
			if f.Code != "rate_limited" || n < testConnectionFrames {
				t.Fatalf("ping %d refused: %s, want rate_limited after %d", n, f.Raw, testConnectionFrames)
			}
			rec.keepFrame("over the limit", "agent", f)
			break
		}
		if n > 3*testConnectionFrames {
			t.Fatalf("%d pings and none refused", n)
		}
	}
}

func demoSub(t *testing.T, name string) string {
	t.Helper()
	sub, err := oidc.DemoSub(name)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func sendFrame(t *testing.T, s *chatclient.Socket, frame any) {
	t.Helper()
	if err := s.Send(wait(t), frame); err != nil {
		t.Fatal(err)
	}
}

// idOf is the id of the object a JSON answer is.
func idOf(t *testing.T, body []byte) string {
	t.Helper()
	var out struct{ ID string }
	if err := json.Unmarshal(body, &out); err != nil || out.ID == "" {
		t.Fatalf("no id in %s: %v", body, err)
	}
	return out.ID
}

// isConversation matches the conversation frames about one conversation.
func isConversation(id string) func(chatclient.Frame) bool {
	return func(f chatclient.Frame) bool {
		return f.Type == "conversation" && f.Conversation != nil && f.Conversation.ID == id
	}
}

// isError matches the error frame answering the frame of one client id.
func isError(clientID string) func(chatclient.Frame) bool {
	return func(f chatclient.Frame) bool { return f.Type == "error" && f.ClientID == clientID }
}

// seqOf is the seq of the message of a {"message"} answer.
func seqOf(t *testing.T, body []byte) int64 {
	t.Helper()
	var out struct{ Message struct{ Seq int64 } }
	if err := json.Unmarshal(body, &out); err != nil || out.Message.Seq == 0 {
		t.Fatalf("no message in %s: %v", body, err)
	}
	return out.Message.Seq
}

// keepEntries keeps, of the list under key in a JSON object, the entries keep
// accepts.
func keepEntries(t *testing.T, body []byte, key string, keep func(map[string]any) bool) []byte {
	t.Helper()
	var obj map[string]json.RawMessage
	var list []json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(obj[key], &list); err != nil {
		t.Fatalf("%s of %s: %v", key, body, err)
	}
	kept := []json.RawMessage{}
	for _, raw := range list {
		var e map[string]any
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		if keep(e) {
			kept = append(kept, raw)
		}
	}
	b, err := json.Marshal(kept)
	if err != nil {
		t.Fatal(err)
	}
	obj[key] = b
	out, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// recordReport records GET /agent/reports for an inbox whose one
// conversation Alice answered and closed today with the survey on, and
// the visitor rated: in the widget, then from the transcript's link (the
// rating routes and pages, the rated thread).
func recordReport(t *testing.T, rec *wireRecorder, alice caller, aliceSub string) {
	t.Helper()
	admin := newAgent(t, "alice")
	inbox, channel := newInbox(t, admin, "Wire reports "+time.Now().Format("150405.000"))
	setInbox(t, admin, inbox, "Wire reports", []member{{ID: aliceSub}}, "manual", 5)
	setCSAT(t, admin, channel, true)
	v, _, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), channel, "")
	if err != nil {
		t.Fatal(err)
	}
	tab, conv, _ := startConversation(t, v, "Hello")
	tab.Close()
	addr := "wire-rated-" + strings.ToLower(conv[:8]) + "@visitor.test"
	giveAddress(t, v, addr)
	confirmAddress(t, addr)
	if _, err := admin.Reply(wait(t), conv, "Hi!"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Act(wait(t), conv, "assign", map[string]string{"agentId": aliceSub, "expectedAssigneeId": ""}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Act(wait(t), conv, "close", map[string]string{}); err != nil {
		t.Fatal(err)
	}
	visitor := caller{base: alice.base, origin: widgetOrigin(), bearer: v.Token}
	rec.answer("", visitor, "PUT /widget/conversations/{id}/rating", "/widget/conversations/"+conv+"/rating", map[string]any{"score": 5, "comment": "Quick, thanks"}, http.StatusOK)
	links := ratingLinks(t, addr)
	rec.page("GET /widget/rating", links["4"], "")
	u, err := url.Parse(links["4"])
	if err != nil {
		t.Fatal(err)
	}
	rec.page("POST /widget/rating", u.Scheme+"://"+u.Host+u.Path, url.Values{"token": {u.Query().Get("token")}, "score": {"4"}, "comment": {"Quick, thanks"}}.Encode())
	rec.answer("rated", alice, "GET /agent/conversations/{id}", "/agent/conversations/"+conv, nil, http.StatusOK)
	reportsSettled(t, []string{conv})
	today := cloud.Now().UTC()
	q := url.Values{"inboxId": {inbox}, "from": {today.AddDate(0, 0, -1).Format(time.DateOnly)}, "to": {today.AddDate(0, 0, 1).Format(time.DateOnly)}}
	rec.answer("", alice, "GET /agent/reports", "/agent/reports?"+q.Encode(), nil, http.StatusOK)
}
