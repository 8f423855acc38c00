package browser

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// scanTable returns the items of the table that the filter keeps.
func scanTable(t *testing.T, filter string, names map[string]string, values map[string]types.AttributeValue) []map[string]types.AttributeValue {
	t.Helper()
	db := dynamodb.New(dynamodb.Options{
		Region:       cloud.Model().Region,
		BaseEndpoint: aws.String(cloud.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{
		TableName: aws.String(cloud.Model().Tables[0].Name), FilterExpression: aws.String(filter),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, out.Items...)
	}
	return items
}

// visitorSockets lists the live connections of visitors, as the table
// holds them.
func visitorSockets(t *testing.T) []string {
	t.Helper()
	items := scanTable(t, "sk = :conn AND #role = :visitor", map[string]string{"#role": "role"},
		map[string]types.AttributeValue{":conn": &types.AttributeValueMemberS{Value: "CONN"}, ":visitor": &types.AttributeValueMemberS{Value: "visitor"}})
	return connectionIDs(items)
}

// agentSockets lists the live connections of one agent, as the table
// holds them.
func agentSockets(t *testing.T, agentID string) []string {
	t.Helper()
	items := scanTable(t, "sk = :conn AND #role = :agent AND principalId = :id", map[string]string{"#role": "role"},
		map[string]types.AttributeValue{
			":conn": &types.AttributeValueMemberS{Value: "CONN"}, ":agent": &types.AttributeValueMemberS{Value: "agent"},
			":id": &types.AttributeValueMemberS{Value: agentID},
		})
	return connectionIDs(items)
}

func connectionIDs(items []map[string]types.AttributeValue) []string {
	var ids []string
	for _, it := range items {
		if v, ok := it["connectionId"].(*types.AttributeValueMemberS); ok {
			ids = append(ids, v.Value)
		}
	}
	return ids
}

// channelConversations counts the conversations of a channel, as the
// table holds them.
func channelConversations(t *testing.T, channelID string) int {
	t.Helper()
	return len(scanTable(t, "sk = :meta AND channelId = :ch AND attribute_exists(conversationId)", nil,
		map[string]types.AttributeValue{":meta": &types.AttributeValueMemberS{Value: "META"}, ":ch": &types.AttributeValueMemberS{Value: channelID}}))
}

// TestReconnect: the visitor's socket drops; a message written while it is
// down is sent once when it is back, and the thread resumes by seq.
func TestReconnect(t *testing.T) {
	browser := newBrowser(t)
	visitor := newTab(t, browser)
	agent := newTab(t, browser)
	signIn(t, agent, "chiara")
	step(t, visitor, "open the chat", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat := frame(t, visitor)
	typeInto(t, chat, "textarea.input", "Before the drop\r")
	waitFor(t, chat, "the first message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
	waitFor(t, agent, "the chat is listed", `[...document.querySelectorAll(".item")].some(i => i.textContent.includes("Before the drop"))`)
	step(t, agent, "open it", chromedp.Click(chromedp.CSS(".item")))

	// Hold the next ticket request, so the socket stays down while the
	// visitor writes.
	tickets := holdRequests(t, chat, "*/widget/ticket")
	dropVisitorSockets(t)
	ticket := tickets.next("a new ticket")
	typeInto(t, chat, "textarea.input", "Written while offline\r")
	waitFor(t, chat, "the message waits", `document.querySelector(".receipt").textContent.startsWith("Not sent")`)

	// The agent writes meanwhile: the widget must catch up by seq.
	typeInto(t, agent, "textarea.reply", "Are you still there?\r")
	waitFor(t, agent, "the reply is stored", `document.querySelector(".tlog").textContent.includes("Are you still there?") && !document.querySelector(".msg.pending")`)

	tickets.release(ticket)
	waitFor(t, chat, "the message is sent after the reconnect", `document.querySelector(".log").textContent.includes("Written while offline") && !document.querySelector(".pending")`)
	waitFor(t, chat, "the missed reply arrives by resume", `document.querySelector(".log").textContent.includes("Are you still there?")`)
	waitFor(t, agent, "the agent gets the message", `document.querySelector(".tlog").textContent.includes("Written while offline")`)
	if n := eval[int](t, agent, `[...document.querySelectorAll(".tlog .body")].filter(b => b.textContent === "Written while offline").length`); n != 1 {
		t.Errorf("the agent sees the message %d times, want once", n)
	}
}

// TestWidgetOnASilentSocket: the visitor's socket goes half-open (a phone
// or a laptop that slept: the browser still thinks it open, nothing gets
// through either way). A message written then is not answered, so the
// chat window probes the socket, finds it dead, opens a new one and sends
// the message there: it is stored once and shown as sent within seconds,
// not at the 30-second resends, which the dead socket would swallow too.
func TestWidgetOnASilentSocket(t *testing.T) {
	tag := uuid.NewString()[:8]
	visitor := newTab(t, newBrowser(t))
	step(t, visitor, "open the chat", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat := frame(t, visitor)
	first := "Before the sleep " + tag
	typeInto(t, chat, "textarea.input", first+"\r")
	waitFor(t, chat, "the first message is stored", `document.querySelector(".receipt").textContent === "Sent"`)

	silenced := visitorSockets(t)
	for _, id := range silenced {
		cloud.SilenceSocket(id)
	}
	after := "After the sleep " + tag
	typeInto(t, chat, "textarea.input", after+"\r")
	waitWithin(t, chat, 15*time.Second, "the message is sent on a new socket",
		`document.querySelector(".log").textContent.includes(`+js(after)+`) && !document.querySelector(".pending") && document.querySelector(".receipt").textContent === "Sent"`)
	agent := newTab(t, newBrowser(t))
	signIn(t, agent, "chiara")
	openConversation(t, agent, after)
	if n := eval[int](t, agent, `[...document.querySelectorAll(".tlog .body")].filter(b => b.textContent === `+js(after)+`).length`); n != 1 {
		t.Errorf("the agent sees the message %d times, want once", n)
	}
	for _, id := range visitorSockets(t) {
		if slices.Contains(silenced, id) {
			t.Errorf("the silent socket %s is still open", id)
		}
	}
}

// sendMessage sends text in chat and waits until it is stored.
func sendMessage(t *testing.T, chat context.Context, text string) {
	t.Helper()
	typeInto(t, chat, "textarea.input", text+"\r")
	waitFor(t, chat, "the message is stored", `document.querySelector(".log").textContent.includes(`+js(text)+`) && document.querySelector(".receipt").textContent === "Sent"`)
}

// leaveUnsent sends first in chat and waits until it is stored, then
// silences the visitor sockets (dead, as after a sleep) and writes kept,
// which stays on its way.
func leaveUnsent(t *testing.T, chat context.Context, first, kept string) {
	t.Helper()
	sendMessage(t, chat, first)
	for _, id := range visitorSockets(t) {
		cloud.SilenceSocket(id)
	}
	typeInto(t, chat, "textarea.input", kept+"\r")
	waitFor(t, chat, "the message is on its way", `document.querySelector(".log .pending") !== null`)
}

// storedWith returns the message items whose text is body.
func storedWith(t *testing.T, body string) []map[string]types.AttributeValue {
	t.Helper()
	return scanTable(t, "body = :b", nil, map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: body}})
}

// storedOnceBeside checks that body is stored once, in the conversation
// that holds first.
func storedOnceBeside(t *testing.T, body, first string) {
	t.Helper()
	items, firsts := storedWith(t, body), storedWith(t, first)
	if len(items) != 1 || len(firsts) != 1 {
		t.Fatalf("%q is stored %d times and %q %d times, want once each", body, len(items), first, len(firsts))
	}
	if a, b := items[0]["pk"].(*types.AttributeValueMemberS).Value, firsts[0]["pk"].(*types.AttributeValueMemberS).Value; a != b {
		t.Errorf("%q went to %s, want the conversation of %q, %s", body, a, first, b)
	}
}

// unsentInANewTab opens the chat in a new visitor's tab and leaves there
// the message "Written on a dead socket <tag>" unsent after "Before the
// reload <tag>" (leaveUnsent); it returns the tag, the tab and the chat
// window.
func unsentInANewTab(t *testing.T) (tag string, visitor context.Context, chat target.ID) {
	t.Helper()
	tag = uuid.NewString()[:8]
	visitor = newTab(t, newBrowser(t))
	window := openChat(t, visitor, "")
	leaveUnsent(t, window, "Before the reload "+tag, "Written on a dead socket "+tag)
	return tag, visitor, frameID(window)
}

// TestUnsentMessageOutlivesAReload: a message written on a socket that
// died unseen, with the page reloaded before the window noticed, is not
// lost: the reloaded window shows it on its way and sends it, and the
// agent gets it once.
func TestUnsentMessageOutlivesAReload(t *testing.T) {
	tag, visitor, old := unsentInANewTab(t)
	first, kept := "Before the reload "+tag, "Written on a dead socket "+tag
	step(t, visitor, "reload before the window notices", chromedp.Reload())
	step(t, visitor, "open the chat again", chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat := frame(t, visitor, old)
	waitFor(t, chat, "the reloaded window sends the message", `document.querySelector(".log").textContent.includes(`+js(kept)+`) &&
		!document.querySelector(".pending") && document.querySelector(".receipt").textContent === "Sent"`)

	agent := newTab(t, newBrowser(t))
	signIn(t, agent, "chiara")
	openConversation(t, agent, kept)
	if got := eval[[]string](t, agent, `[...document.querySelectorAll(".tlog .body")].map(b => b.textContent).filter(s => s.includes(`+js(tag)+`))`); !slices.Equal(got, []string{first, kept}) {
		t.Errorf("the agent sees %q, want each message once, in order", got)
	}
}

// TestUnsentMessageAcrossAFailingSession: the reloaded window's session
// fails a few times (a function crashing, a flaky network) and the
// visitor writes meanwhile: what the last page left still goes, once,
// and so does the new message.
func TestUnsentMessageAcrossAFailingSession(t *testing.T) {
	tag, visitor, old := unsentInANewTab(t)
	first, kept := "Before the reload "+tag, "Written on a dead socket "+tag
	step(t, visitor, "reload", chromedp.Reload(), chromedp.WaitVisible(launcher))
	if err := cloud.CrashNext("WidgetApiFunction", 4); err != nil {
		t.Fatal(err)
	}
	step(t, visitor, "open the chat again", chromedp.Click(launcher))
	chat := frame(t, visitor, old)
	next := "Written after the reload " + tag
	typeInto(t, chat, "textarea.input", next+"\r")
	waitWithin(t, chat, 30*time.Second, "both messages are sent", `(t => t.includes(`+js(kept)+`) && t.includes(`+js(next)+`))(document.querySelector(".log").textContent) &&
		!document.querySelector(".pending")`)
	storedOnceBeside(t, kept, first)
	storedOnceBeside(t, next, first)
	sk := func(body string) string { return storedWith(t, body)[0]["sk"].(*types.AttributeValueMemberS).Value }
	if !(sk(first) < sk(kept) && sk(kept) < sk(next)) {
		t.Errorf("stored out of the order written: %s, %s, %s", sk(first), sk(kept), sk(next))
	}
}

// TestResumeUnansweredAfterReconnect: the socket drops, the visitor writes
// while it is down, and on the new socket the resume's function fails
// (API Gateway answers nothing of it). The message waits for the resume
// only so long: it goes, once.
func TestResumeUnansweredAfterReconnect(t *testing.T) {
	tag := uuid.NewString()[:8]
	tab := newTab(t, newBrowser(t))
	chat := openChat(t, tab, "")
	first := "First " + tag
	sendMessage(t, chat, first)
	tickets := holdRequests(t, chat, "*/widget/ticket")
	dropVisitorSockets(t)
	id := tickets.next("the ticket of the new socket")
	down := "Written while down " + tag
	typeInto(t, chat, "textarea.input", down+"\r")
	waitFor(t, chat, "the message is on its way", `document.querySelector(".log .pending") !== null`)
	if err := cloud.CrashNext("WsMessageFunction", 1); err != nil {
		t.Fatal(err)
	}
	tickets.release(id)
	waitWithin(t, chat, 25*time.Second, "the message is sent", `document.querySelector(".log").textContent.includes(`+js(down)+`) && !document.querySelector(".pending")`)
	storedOnceBeside(t, down, first)
}
