package browser

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/settings"
)

// The inbox's side of the chatflows (docs/chatflows.md): the flow editor
// in a chat channel's settings, and what agents see of a conversation a
// bot holds: the list's label, the bot's entries in the thread, the
// answers in the contact sidebar, the takeover.

// TestChatflowEditor: an admin builds a small bot in a chat channel's
// settings: a question with a button, a free-text question and the
// handover, moves a step with the keyboard (the focus stays on the step
// moved), and saves with a dead end. The server's refusal shows beside
// the step it names; renamed, the step keeps the links to it; put right,
// the flow saves as version 1 and the preview shows the first question,
// with markup in the texts as text.
func TestChatflowEditor(t *testing.T) {
	tag := uuid.NewString()[:8]
	id := newChannel(t, "main", "Flows "+tag, nil)["id"].(string)
	tab := newTab(t, newBrowser(t))
	openSettings(t, tab, "alice", "channels/"+id)
	waitFor(t, tab, "the chatflows section shows", `document.querySelector("#flows-title")?.textContent === "Chatflows"`)

	click(t, tab, "button", "Add a flow")
	waitFor(t, tab, "the new flow shows with its first step", `document.querySelector("#ch-chatflows-0-steps-0-type")`)
	const welcome = `<img src=x onerror="window.__xss='welcome'">Hi, I am Robin.`
	fill(t, tab, "#ch-chatflows-0-name", "Greeter")
	fill(t, tab, "#ch-chatflows-0-welcome", welcome)
	fill(t, tab, "#ch-chatflows-0-bot-name", "Robin")
	fill(t, tab, "#ch-chatflows-0-steps-0-type", "buttons")
	fill(t, tab, "#ch-chatflows-0-steps-0-text", "What brings you here?")
	fill(t, tab, "#ch-chatflows-0-steps-0-save", "topic")
	fill(t, tab, "#ch-chatflows-0-steps-0-buttons-0-label", "Sales")
	click(t, tab, "button", "Add a step")
	fill(t, tab, "#ch-chatflows-0-steps-1-type", "text")
	fill(t, tab, "#ch-chatflows-0-steps-1-text", "How many seats?")
	fill(t, tab, "#ch-chatflows-0-steps-1-save", "seats")
	fill(t, tab, "#ch-chatflows-0-steps-0-buttons-0-next", "step-2")
	click(t, tab, "button", "Add a step")
	fill(t, tab, "#ch-chatflows-0-steps-2-type", "handover")
	fill(t, tab, "#ch-chatflows-0-steps-2-text", "Passing you to the team.")

	// The handover moves up with the keyboard, and the focus goes with it.
	eval[bool](t, tab, `(document.querySelector("#ch-chatflows-0-steps-2-up").focus(), true)`)
	step(t, tab, "press Enter on the step's Move up", chromedp.KeyEvent(kb.Enter))
	stepNames := `[...document.querySelectorAll("#ch-chatflows-0 .step-name")].map(s => s.textContent).join()`
	waitFor(t, tab, "the step moved up, with the focus", stepNames+` === "step-1,step-3,step-2" && document.activeElement?.id === "ch-chatflows-0-steps-1-up"`)

	// "How many seats?" leads nowhere: the server says so beside it.
	saveSettings(t, tab, "Not saved")
	waitFor(t, tab, "the dead end shows beside the step's next step", `(() => {
		const sel = document.querySelector("#ch-chatflows-0-steps-2-next"), err = document.querySelector("#ch-chatflows-0-steps-2-next-err");
		return err && err.textContent.includes('Step "step-2" leads nowhere') && sel.getAttribute("aria-invalid") === "true" &&
			sel.getAttribute("aria-describedby").includes("ch-chatflows-0-steps-2-next-err") &&
			sel.closest(".step").querySelector(".step-head").textContent.includes("1 problem") })()`)
	if n := eval[int](t, tab, `document.querySelectorAll(".field-err").length`); n != 1 {
		t.Errorf("%d errors shown, want the dead end alone", n)
	}

	// Renamed, the step keeps the button that leads to it; then it gets
	// its next step.
	fill(t, tab, "#ch-chatflows-0-steps-2-id", "seats")
	waitFor(t, tab, "the button follows the rename", `document.querySelector("#ch-chatflows-0-steps-0-buttons-0-next").value === "seats"`)
	fill(t, tab, "#ch-chatflows-0-steps-2-next", "step-3")
	saveSettings(t, tab, "Saved")
	if n := eval[int](t, tab, `document.querySelectorAll(".field-err, [aria-invalid=true]").length`); n != 0 {
		t.Errorf("%d errors still shown after the save", n)
	}
	waitFor(t, tab, "the preview shows the first question, following the button", `(() => {
		const pv = document.querySelector("#ch-chatflows-0 .fpv");
		const said = [...pv.querySelectorAll(".fpv-bubble")].map(b => b.textContent);
		return said[0] === `+js(welcome)+` && said[1] === "What brings you here?" && said[2] === "Sales" && said[3] === "How many seats?" &&
			pv.querySelector(".fpv-buttons li.pressed")?.textContent.startsWith("Sales") && pv.querySelectorAll("img").length === 0 })()`)
	eval[bool](t, tab, `(document.querySelector("#ch-chatflows-0 .fpv").scrollIntoView({block: "end"}), true)`)
	screenshot(t, tab, "chatflow-editor.png")
	if !eval[bool](t, tab, `window.__xss === undefined`) {
		t.Error("the settings page ran markup from a flow")
	}

	var stored doc
	if err := apiAgent(t, "alice").Call(t.Context(), http.MethodGet, "/agent/settings/channels/"+id, nil, &stored); err != nil {
		t.Fatal(err)
	}
	want := []any{map[string]any{
		"id": "flow-1", "name": "Greeter", "version": 1.0, "kind": "bot", "welcome": welcome, "bot": map[string]any{"name": "Robin"}, "sessionMinutes": 0.0,
		"steps": []any{
			map[string]any{"id": "step-1", "type": "buttons", "text": "What brings you here?", "save": "topic", "buttons": []any{map[string]any{"label": "Sales", "next": "seats"}}},
			map[string]any{"id": "step-3", "type": "handover", "text": "Passing you to the team."},
			map[string]any{"id": "seats", "type": "text", "text": "How many seats?", "save": "seats", "next": "step-3"},
		},
	}}
	if diff := cmp.Diff(want, stored["chatflows"]); diff != "" {
		t.Errorf("stored chatflows (-want +got):\n%s", diff)
	}
}

// TestBotConversationInInbox: a visitor answers a bot (started over the
// socket, as the widget does) and leaves it waiting for the next answer.
// The list labels the conversation "Bot", the thread shows the bot's
// entries under its name with the buttons it offered, the contact
// sidebar the answers by name (markup in one stays text); the agent
// takes over and the label says so.
func TestBotConversationInInbox(t *testing.T) {
	tag := uuid.NewString()[:8]
	flow := doc{
		"id": "greeter", "name": "Greeter", "kind": "bot", "welcome": "Hi! I am Robin.", "bot": doc{"name": "Robin"}, "sessionMinutes": 0,
		"steps": []doc{
			{"id": "topic", "type": "buttons", "text": "What brings you here? " + tag, "save": "topic",
				"buttons": []doc{{"label": "Sales", "next": "seats"}, {"label": "Support", "next": "seats"}}},
			{"id": "seats", "type": "text", "text": "How many seats?", "save": "seats", "next": "email"},
			{"id": "email", "type": "email", "text": "Your email address?", "save": "email", "next": "handover"},
			{"id": "handover", "type": "handover", "text": "Passing you to the team."},
		},
	}
	ch := newChannel(t, "main", "Bot "+tag, func(c doc) { c["chatflows"] = []doc{flow} })
	// Every function's settings cache has the channel as saved.
	if err := cloud.Advance(settings.CacheTTL); err != nil {
		t.Fatal(err)
	}

	ep := chatclient.Endpoints{HTTPAPI: cloud.Endpoints().HTTPAPI, WebSocket: cloud.Endpoints().WebSocket, InboxOrigin: cloud.URL()}
	v, _, err := chatclient.NewVisitor(t.Context(), ep, cloud.Endpoints().WidgetOrigin(), ch["id"].(string), "")
	if err != nil {
		t.Fatal(err)
	}
	sock, err := v.Connect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sock.Close)
	asked := func(what string) chatclient.Frame {
		t.Helper()
		f, err := sock.Next(t.Context(), func(f chatclient.Frame) bool {
			m, err := f.Msg()
			return err == nil && m.Ask != nil && m.Ask.Type == what
		})
		if err != nil {
			t.Fatalf("the bot's %s question: %v", what, err)
		}
		return f
	}
	if err := chatclient.StartBot(t.Context(), sock, uuid.NewString(), ""); err != nil {
		t.Fatal(err)
	}
	conv := asked("buttons").ConversationID
	const hostile = `<img src=x onerror="window.__xss='answer'">12`
	for _, a := range []struct{ answer, next string }{{"sales", "text"}, {hostile, "email"}} {
		if _, err := chatclient.SendMessage(t.Context(), sock, conv, a.answer); err != nil {
			t.Fatal(err)
		}
		asked(a.next)
	}

	agent := newTab(t, newBrowser(t))
	signIn(t, agent, "alice")
	step(t, agent, "list every open conversation", chromedp.Navigate(cloud.Endpoints().Inbox+"#/inbox/main/all"))
	label := itemOf(conv) + `?.querySelector(".pill.bot")`
	waitFor(t, agent, "the list labels the bot's conversation", label+`?.textContent === "Bot" && `+label+`.classList.contains("running") && `+label+`.title.includes("Robin")`)
	eval[bool](t, agent, itemOf(conv)+`.click() || true`)
	waitFor(t, agent, "the thread shows the bot's entries under its name, with its buttons", `(() => {
		const bot = [...document.querySelectorAll(".tlog .from-bot")];
		const q = bot.find(m => m.textContent.includes(`+js("What brings you here? "+tag)+`));
		return bot.length === 4 && bot.every(m => m.querySelector("header strong").textContent === "Robin" && m.querySelector(".pill.bot")) &&
			q && [...q.querySelectorAll(".ask-buttons li")].map(b => b.textContent).join() === "Sales,Support" &&
			document.querySelector(".thead .sub").textContent.includes("Robin (bot) is talking with the visitor") })()`)
	waitFor(t, agent, "the sidebar shows the answers by name, in the order given, as text", `(() => {
		const s = document.querySelector(".csb-bot");
		if (!s) return false;
		const facts = [...s.querySelectorAll(".csb-facts > div")].map(d => d.querySelector("dt").textContent + "=" + d.querySelector("dd").textContent);
		return s.querySelector("h3").textContent.startsWith("Answers to Robin") && facts.join("|") === `+js("topic=Sales|seats="+hostile)+` && s.querySelectorAll("img").length === 0 })()`)
	waitFor(t, agent, "the thread shows its last entry whole", `(l => l.scrollHeight - l.scrollTop - l.clientHeight < 2)(document.querySelector(".tlog"))`)
	screenshot(t, agent, "bot-conversation.png")

	takeOver := `[...document.querySelectorAll(".thead .actions button")].find(b => b.textContent === "Take over")`
	waitFor(t, agent, "the bot's conversation offers Take over", takeOver+`?.title.includes("Stops the bot")`)
	eval[bool](t, agent, `(`+takeOver+`).click() || true`)
	waitFor(t, agent, "the label says the bot was taken over", label+`?.textContent === "Bot · taken over" && !`+label+`.classList.contains("running") &&
		document.querySelector(".tlog").textContent.includes("took over the conversation") && !document.querySelector(".thead .sub").textContent.includes("is talking")`)
	if !eval[bool](t, agent, `window.__xss === undefined`) {
		t.Error("the inbox ran markup from the visitor's answer")
	}
}
