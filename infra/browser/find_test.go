package browser

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud/oidc"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/store"
)

// chatStore is the local cloud's chat table, to set up what would take
// too long through the widget (a hundred and more conversations).
func chatStore(t *testing.T) *store.Store {
	t.Helper()
	db := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(cloud.URL()),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
		}),
	})
	for _, tb := range cloud.Model().Tables {
		if tb.LogicalID == "ChatTable" {
			return store.New(db, tb.Name, nil)
		}
	}
	t.Fatal("the template has no ChatTable")
	return nil
}

// apiAgent is a demo agent calling the HTTP API from the test (to set up
// what a test starts from, or to check what the page did).
func apiAgent(t *testing.T, name string) *chatclient.Agent {
	t.Helper()
	sub, err := oidc.DemoSub(name)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cloud.Issuer().Mint(sub, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return chatclient.NewAgent(chatclient.Endpoints{HTTPAPI: cloud.Endpoints().HTTPAPI, WebSocket: cloud.Endpoints().WebSocket, InboxOrigin: cloud.URL()}, tok)
}

// TestLoadMorePast100: with more than 100 open conversations the list
// shows the newest 100 and a "Load more" button; each press adds the next
// ones below, without a row twice, and the rows shown stay the nodes they
// were; at the end of the list the button goes.
func TestLoadMorePast100(t *testing.T) {
	st := chatStore(t)
	tag := uuid.NewString()[:8]
	// Older than anything else in the inbox, so they are the list's tail.
	start := time.Now().UTC().Add(-30 * 24 * time.Hour)
	for i := range 130 {
		at := start.Add(time.Duration(i) * time.Minute)
		id := uuid.NewString()
		body := fmt.Sprintf("Old question %d %s", i, tag)
		if _, err := st.CreateConversation(t.Context(), chat.NewConversation{
			Conversation: chat.Conversation{ID: id, ChannelID: "main", InboxID: "main", VisitorID: uuid.NewString(), Status: chat.StatusOpen,
				Preview: body, CreatedAt: at, LastActivityAt: at},
			Message: chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: "v"}, Body: body, CreatedAt: at},
		}); err != nil {
			t.Fatal(err)
		}
	}
	browser := newBrowser(t)
	agent := newTab(t, browser)
	signIn(t, agent, "alice")
	rows := `document.querySelectorAll(".list .item").length`
	waitFor(t, agent, "the first 100 and the button", rows+` === 100 && document.querySelector(".list .more") !== null`)
	// Mark the nodes shown: they must be the same nodes afterwards.
	eval[bool](t, agent, `[...document.querySelectorAll(".list .item")].forEach(el => el.__shown = true) || true`)
	oldest := `[...document.querySelectorAll(".list .item")].some(i => i.textContent.includes("Old question 0 ` + tag + `"))`
	for press := 1; !eval[bool](t, agent, oldest); press++ {
		if press > 20 {
			t.Fatal("the oldest conversation never showed")
		}
		before := eval[int](t, agent, rows)
		step(t, agent, "load more", chromedp.Click(chromedp.CSS(".list .more")))
		waitFor(t, agent, "more rows", rows+` > `+fmt.Sprint(before)+` || !document.querySelector(".list .more")`)
	}
	waitFor(t, agent, "the end of the list: no button", `!document.querySelector(".list .more")`)
	if !eval[bool](t, agent, `(() => { const ids = [...document.querySelectorAll(".list .item")].map(i => i.dataset.id); return new Set(ids).size === ids.length })()`) {
		t.Error("a conversation is listed twice")
	}
	if n := eval[int](t, agent, `[...document.querySelectorAll(".list .item")].slice(0, 100).filter(el => el.__shown).length`); n != 100 {
		t.Errorf("%d of the first 100 rows are the nodes shown before loading more, want all", n)
	}
	screenshot(t, agent, "inbox-load-more.png")
}

// TestSearchResults: the agent types into the search box; the results
// replace the list, newest first, with the matching words marked (an
// accented word typed without its accents, markup as text); clearing the
// box brings the list back, and a result opens its conversation.
func TestSearchResults(t *testing.T) {
	tag := "s" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	older := newVisitor(t, "Ich möchte eine Rückerstattung für Bestellung "+tag)
	newer := newVisitor(t, `<img src=x onerror="window.__xss=1"> Rückerstattung bitte `+tag)
	browser := newBrowser(t)
	agent := newTab(t, browser)
	signIn(t, agent, "alice")
	waitFor(t, agent, "the list shows", `document.querySelector(".list .item") !== null`)
	typeInto(t, agent, ".search-input", "ruckerstattung "+tag)
	results := `[...document.querySelectorAll(".results .item")]`
	waitFor(t, agent, "two results", results+`.length === 2`)
	if got := eval[[]string](t, agent, results+`.map(i => i.dataset.id)`); len(got) != 2 || got[0] != newer.conversation || got[1] != older.conversation {
		t.Errorf("results %v, want %s then %s", got, newer.conversation, older.conversation)
	}
	if got := eval[[]string](t, agent, `[...document.querySelectorAll(".results .item")[1].querySelectorAll("mark")].map(m => m.textContent)`); strings.Join(got, "|") != "Rückerstattung|"+tag {
		t.Errorf("marked %v, want Rückerstattung and %s", got, tag)
	}
	if eval[bool](t, agent, `document.querySelector(".results img, .results svg") !== null || window.__xss !== undefined`) {
		t.Error("a snippet's markup was rendered")
	}
	if !eval[bool](t, agent, `document.querySelector(".results .snippet").textContent.includes("<img src=x")`) {
		t.Error("the markup in the message is not shown as text")
	}
	screenshot(t, agent, "inbox-search.png")
	step(t, agent, "open a result", chromedp.Click(chromedp.CSS(`.results .item[data-id="`+older.conversation+`"]`)))
	waitFor(t, agent, "the thread shows", `document.querySelector(".tlog") && document.querySelector(".tlog").textContent.includes("Bestellung `+tag+`")`)
	step(t, agent, "clear the search", chromedp.Click(chromedp.CSS(".search-clear")))
	waitFor(t, agent, "the list is back", `document.querySelector(".results") === null && document.querySelector(".filters") !== null && document.querySelector(".list .item") !== null`)
}

// TestSavedReplyBySlash: a "/" at the start of a word in the reply editor
// offers the saved replies its letters match; Enter inserts the chosen
// one with its placeholders filled (the visitor's name, the agent's),
// and the reply is text, markup included.
func TestSavedReplyBySlash(t *testing.T) {
	alice := apiAgent(t, "alice")
	tag := uuid.NewString()[:8]
	savedReply(t, alice, "Greeting "+tag, `Hi {{visitor.name|there}}, I'm {{agent.name}}. <b>Order</b> `+tag)
	v := newVisitor(t, "Can you greet me? "+tag)
	if err := alice.Call(t.Context(), http.MethodPut, "/agent/conversations/"+v.conversation+"/contact", map[string]string{"email": "ada-" + tag + "@visitor.test", "name": "Ada"}, &map[string]any{}); err != nil {
		t.Fatal(err)
	}
	me := displayName(t, alice)

	browser := newBrowser(t)
	agent := newTab(t, browser)
	signIn(t, agent, "alice")
	openConversation(t, agent, "Can you greet me? "+tag)
	waitFor(t, agent, "the contact's name is known", `document.querySelector(".thead .contact-addr") !== null`)
	typeInto(t, agent, "textarea.reply", "/greet"+tag[:2])
	option := `document.querySelector('.replies-list [role=option][aria-selected=true]')`
	waitFor(t, agent, "the reply is offered", option+` !== null && `+option+`.textContent.includes("Greeting `+tag+`")`)
	step(t, agent, "insert it", pressEnter)
	want := "Hi Ada, I'm " + me + ". <b>Order</b> " + tag
	waitFor(t, agent, "the editor holds the filled reply", `document.querySelector("textarea.reply").value === `+js(want)+` && document.querySelector(".replies-list") === null`)
	step(t, agent, "send it", pressEnter)
	waitFor(t, agent, "the reply is in the thread, as text", `[...document.querySelectorAll(".tlog .body")].some(b => b.textContent === `+js(want)+`) && document.querySelector(".tlog .body b") === null`)
}

// TestSavedRepliesPickerKeys: with half a reply written, the agent opens
// the saved replies with their button and searches. Enter with nothing
// matching does nothing; the arrows move the choice and Enter inserts the
// chosen reply at the caret. The draft is never sent meanwhile; Enter in
// the editor then sends the whole reply, once.
func TestSavedRepliesPickerKeys(t *testing.T) {
	alice := apiAgent(t, "alice")
	tag := uuid.NewString()[:8]
	savedReply(t, alice, "Pick A "+tag, "the first answer "+tag)
	savedReply(t, alice, "Pick B "+tag, "the second answer "+tag)
	v := newVisitor(t, "Which answer? "+tag)

	agent := newTab(t, newBrowser(t))
	signIn(t, agent, "alice")
	openConversation(t, agent, "Which answer? "+tag)
	const draft = "Half written: "
	typeInto(t, agent, "textarea.reply", draft)
	step(t, agent, "open the saved replies", chromedp.Click(chromedp.CSS(`.composer-bar button[aria-haspopup="listbox"]`)))
	waitFor(t, agent, "the picker's search field has the focus", `document.activeElement === document.querySelector(".replies-search")`)
	// Nothing sent: the editor holds the draft, the thread no reply.
	unsent := `document.querySelector("textarea.reply").value === ` + js(draft) + ` && !document.querySelector(".tlog .msg.from-agent")`

	nothing := "nothing " + tag
	step(t, agent, "search for nothing there", chromedp.KeyEvent(nothing))
	waitFor(t, agent, "nothing matches", `document.querySelector(".replies-foot")?.textContent.includes("No saved reply matches")`)
	step(t, agent, "press Enter", pressEnter)
	if !eval[bool](t, agent, unsent+` && document.querySelector(".replies-search") !== null`) {
		t.Fatal("Enter with nothing matching sent the draft, or closed the picker")
	}

	step(t, agent, "search again", chromedp.KeyEvent(strings.Repeat(kb.Backspace, len(nothing))+"pick "+tag))
	chosen := func(title string) string {
		return `document.querySelector(".replies-list [role=option][aria-selected=true] .reply-title")?.textContent === ` + js(title)
	}
	waitFor(t, agent, "both match, the first chosen", `document.querySelectorAll(".replies-list [role=option]").length === 2 && `+chosen("Pick A "+tag))
	step(t, agent, "arrow down", chromedp.KeyEvent(kb.ArrowDown))
	waitFor(t, agent, "the second is chosen", chosen("Pick B "+tag))
	step(t, agent, "arrow down, round to the first", chromedp.KeyEvent(kb.ArrowDown))
	waitFor(t, agent, "the first is chosen", chosen("Pick A "+tag))
	step(t, agent, "arrow up, round to the last", chromedp.KeyEvent(kb.ArrowUp))
	waitFor(t, agent, "the second is chosen again", chosen("Pick B "+tag))
	if !eval[bool](t, agent, unsent) {
		t.Fatal("the draft was sent while choosing a saved reply")
	}

	step(t, agent, "insert it", pressEnter)
	want := draft + "the second answer " + tag
	waitFor(t, agent, "the editor holds the draft and the reply, and has the focus", `document.querySelector("textarea.reply").value === `+js(want)+` &&
		document.activeElement === document.querySelector("textarea.reply") && document.querySelector(".replies-pop") === null`)
	if eval[bool](t, agent, `!!document.querySelector(".tlog .msg.from-agent")`) {
		t.Fatal("Enter in the picker sent the draft")
	}
	step(t, agent, "send", pressEnter)
	heard(t, v, want)
	got, err := alice.Get(t.Context(), v.conversation)
	if err != nil {
		t.Fatal(err)
	}
	var replies []string
	for _, m := range got.Messages {
		if m.Author.Type == "agent" && m.Kind == "text" {
			replies = append(replies, m.Body)
		}
	}
	if diff := cmp.Diff([]string{want}, replies); diff != "" {
		t.Errorf("the agent's replies (-want +got):\n%s", diff)
	}
}

// savedReply adds a shared saved reply for the test's duration.
func savedReply(t *testing.T, a *chatclient.Agent, title, body string) {
	t.Helper()
	var made struct{ Reply struct{ ID string } }
	if err := a.Call(t.Context(), http.MethodPost, "/agent/saved-replies/shared", map[string]string{"title": title, "body": body, "category": "Basics"}, &made); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = a.Call(context.Background(), http.MethodDelete, "/agent/saved-replies/shared/"+made.Reply.ID, nil, nil)
	})
}

// displayName is the agent's display name, as the inbox signs its replies.
func displayName(t *testing.T, a *chatclient.Agent) string {
	t.Helper()
	var me struct{ DisplayName string }
	if err := a.Call(t.Context(), http.MethodGet, "/agent/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	return me.DisplayName
}
