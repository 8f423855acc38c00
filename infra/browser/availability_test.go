package browser

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// rome is the zone of the business hours tested here.
var rome = func() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return l
}()

// TestBusinessHoursInTheWidget: a chat channel open Monday to Friday
// 09:00-12:30 and 14:00-18:00 in Europe/Rome (a split shift), closed on
// Easter Monday 2027, the day after the clocks go forward. The widget asks
// for its config again at the next change (a few seconds after it) and
// every 30 s, and shows available or away at the right minutes: the lunch
// break, the afternoon, the holiday after the change to summer time, and
// Tuesday's opening an hour earlier in UTC than Friday's. Away, it shows
// the away message and asks for the visitor's email; with the hidden
// setting, the launcher goes away.
func TestBusinessHoursInTheWidget(t *testing.T) {
	tag := uuid.NewString()[:8]
	shift := []any{doc{"start": "09:00", "end": "12:30"}, doc{"start": "14:00", "end": "18:00"}}
	const awayText = "Siamo in pausa pranzo fino alle 14: lasciaci la tua email e ti rispondiamo."
	ch := newChannel(t, "main", "Hours "+tag, func(c doc) {
		c["availability"] = doc{"mode": "hours", "timeZone": "Europe/Rome",
			"week":     doc{"mon": shift, "tue": shift, "wed": shift, "thu": shift, "fri": shift},
			"holidays": []any{doc{"date": "2027-03-29", "name": "Pasquetta"}}}
		c["away"] = doc{"mode": "message", "message": awayText}
	})
	id := ch["id"].(string)

	// The cloud's clock goes to Friday 26 March 2027, 12:29 in Rome, and
	// back when the test ends.
	keepClock(t)
	// to moves the clocks to at; with a page, the widget's pending request
	// comes due on the way, and to returns the config it was answered.
	to := func(t *testing.T, tab context.Context, at time.Time) map[string]any {
		t.Helper()
		d := at.Sub(cloud.Now())
		if tab == nil {
			if err := cloud.Advance(d); err != nil {
				t.Fatal(err)
			}
			return nil
		}
		return poll(t, tab, d)
	}
	to(t, nil, time.Date(2027, 3, 26, 12, 29, 0, 0, rome))

	b := newBrowser(t)
	tab := clockedTab(t, b, "")
	step(t, tab, "open a page of the site", chromedp.Navigate(sitePage(t, embed(id))), chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat := frame(t, tab)
	available := `document.querySelector(".head-sub").textContent === "We usually reply within a few minutes" && !document.querySelector(".greeting.away") && !document.querySelector(".log .capture")`
	away := `document.querySelector(".head-sub").textContent === "We're away right now" && document.querySelector(".greeting.away .bubble")?.textContent === ` + js(awayText) + ` &&
		document.querySelector(".greeting.away").nextElementSibling === document.querySelector(".log .capture")`
	waitFor(t, chat, "Friday 12:29: available", available)
	cfg := eval[map[string]any](t, tab, "__configs[__configs.length - 1]")
	if cfg["available"] != true || cfg["nextChange"] != "2027-03-26T11:30:00Z" {
		t.Fatalf("config at Friday 12:29 = %v", cfg)
	}

	// 40 s on (a 30 s poll): the next request waits for 12:30, a few
	// seconds after it, rather than another 30 s.
	poll(t, tab, 40*time.Second)
	next := time.Date(2027, 3, 26, 12, 30, 0, 0, rome)
	if due := time.UnixMilli(int64(eval[float64](t, tab, `Math.min(...__clock.due())`))); due.Before(next) || due.After(next.Add(3*time.Second)) {
		t.Fatalf("after 12:29:40 the widget asks again at %s, want 12:30:00 and up to 3 s of jitter", due.In(rome).Format(time.TimeOnly))
	}
	cfg = poll(t, tab, 23*time.Second)
	if cfg["available"] != false || cfg["nextChange"] != "2027-03-26T13:00:00Z" {
		t.Fatalf("config at 12:30:03 = %v", cfg)
	}
	waitFor(t, chat, "12:30: away, with the away message and the email prompt after it", away)
	screenshot(t, tab, "widget-away.png")

	// The email capture works while away.
	typeInto(t, chat, ".capture input[type=email]", "giulia@example.com\r")
	waitFor(t, chat, "the address is saved", `!document.querySelector(".cap-bar").hidden && document.querySelector(".cap-bar").textContent.includes("giulia@example.com") && !document.querySelector(".log .capture")`)

	if cfg = to(t, tab, time.Date(2027, 3, 26, 13, 59, 30, 0, rome)); cfg["available"] != false {
		t.Fatalf("config at 13:59:30 = %v", cfg)
	}
	cfg = poll(t, tab, 33*time.Second)
	if cfg["available"] != true || cfg["nextChange"] != "2027-03-26T17:00:00Z" {
		t.Fatalf("config at 14:00:03 = %v", cfg)
	}
	waitFor(t, chat, "14:00: available again", available)

	// Easter Monday, after the change to summer time: closed all day.
	// Tuesday opens at 09:00 Rome time, 07:00 UTC (Friday's was 08:00 UTC).
	if cfg = to(t, tab, time.Date(2027, 3, 29, 10, 0, 0, 0, rome)); cfg["available"] != false || cfg["nextChange"] != "2027-03-30T07:00:00Z" {
		t.Fatalf("config on Easter Monday 10:00 = %v", cfg)
	}
	waitFor(t, chat, "the holiday: away", away)
	if cfg = to(t, tab, time.Date(2027, 3, 30, 8, 59, 30, 0, rome)); cfg["available"] != false {
		t.Fatalf("config on Tuesday 08:59:30 = %v", cfg)
	}
	cfg = poll(t, tab, 33*time.Second)
	if cfg["available"] != true || cfg["nextChange"] != "2027-03-30T10:30:00Z" {
		t.Fatalf("config on Tuesday 09:00:03 = %v", cfg)
	}
	waitFor(t, chat, "Tuesday 09:00: available", available)

	// Hidden while away: at 12:30 the launcher goes (the chat window stays
	// while it is open; closed, the launcher does not come back).
	obj(ch, "away")["mode"] = "hide"
	saveChannel(t, ch)
	step(t, tab, "close the chat", chromedp.Click(launcher))
	if cfg = to(t, tab, time.Date(2027, 3, 30, 12, 30, 5, 0, rome)); cfg["available"] != false || obj(cfg, "away")["mode"] != "hide" {
		t.Fatalf("config on Tuesday 12:30:05 = %v", cfg)
	}
	waitFor(t, tab, "the launcher is hidden", `document.querySelector("parley-chat").shadowRoot.querySelector(".launcher").hidden &&
		document.querySelector("parley-chat").shadowRoot.querySelector(".launcher").getBoundingClientRect().width === 0`)
	cfg = poll(t, tab, 90*time.Minute)
	if cfg["available"] != true {
		t.Fatalf("config on Tuesday 14:00:05 = %v", cfg)
	}
	waitFor(t, tab, "14:00: the launcher is back", `!document.querySelector("parley-chat").shadowRoot.querySelector(".launcher").hidden`)
}

// TestTeamStatusInTheWidget: a chat channel available "by team status",
// in an inbox whose only member is Ben. Ben signed in and available: the
// widget is available. Ben sets away in the inbox's header: the widget
// shows the away view within the config's cache window; Ben comes back:
// available again. Ben, in two inboxes now, switches the list between
// them, and the inbox's name, markup in it, stays text.
func TestTeamStatusInTheWidget(t *testing.T) {
	tag := uuid.NewString()[:8]
	name := `Night <img src=x onerror="window.__xss=1"> ` + tag
	admin := apiAgent(t, "alice")
	var inbox doc
	if err := admin.Call(t.Context(), http.MethodPost, "/agent/settings/inboxes", doc{"name": name}, &inbox); err != nil {
		t.Fatal(err)
	}
	inboxID := inbox["id"].(string)
	var ben doc
	if err := apiAgent(t, "ben").Call(t.Context(), http.MethodGet, "/agent/me", nil, &ben); err != nil {
		t.Fatal(err)
	}
	inbox["memberIds"] = []string{ben["id"].(string)}
	if err := admin.Call(t.Context(), http.MethodPut, "/agent/settings/inboxes/"+inboxID, doc{"name": name, "memberIds": inbox["memberIds"], "routing": inbox["routing"]}, &inbox); err != nil {
		t.Fatal(err)
	}
	ch := newChannel(t, inboxID, "Team "+tag, func(c doc) { c["availability"] = doc{"mode": "team"} })

	b := newBrowser(t)
	agent := newTab(t, b)
	signIn(t, agent, "ben")
	status := func(s string) string {
		return `document.querySelector('.top [aria-label="Your status"] button[aria-pressed=true]')?.textContent === ` + js(s)
	}
	setStatus := func(s string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS(`.top [aria-label="Your status"] button:` + map[string]string{"Available": "first-child", "Away": "last-child"}[s]))
	}
	step(t, agent, "start available", setStatus("Available"))
	waitFor(t, agent, "Ben is available", status("Available"))

	tab := clockedTab(t, b, "")
	step(t, tab, "open a page of the site", chromedp.Navigate(sitePage(t, embed(ch["id"].(string)))), chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat := frame(t, tab)
	cfg := poll(t, tab, 31*time.Second)
	if cfg["available"] != true {
		t.Fatalf("config with Ben available = %v", cfg)
	}
	waitFor(t, chat, "available", `document.querySelector(".head-sub").textContent === "We usually reply within a few minutes"`)

	step(t, agent, "Ben sets away", setStatus("Away"))
	waitFor(t, agent, "the header says away", status("Away"))
	if cfg = poll(t, tab, 31*time.Second); cfg["available"] != false {
		t.Fatalf("config after the last member went away = %v", cfg)
	}
	waitFor(t, chat, "away", `document.querySelector(".head-sub").textContent === "We're away right now" && document.querySelector(".log .capture")`)

	step(t, agent, "Ben is back", setStatus("Available"))
	waitFor(t, agent, "the header says available", status("Available"))
	if cfg = poll(t, tab, 31*time.Second); cfg["available"] != true {
		t.Fatalf("config after Ben came back = %v", cfg)
	}
	waitFor(t, chat, "available again", `document.querySelector(".head-sub").textContent === "We usually reply within a few minutes"`)

	// A chat on the channel lands in the night inbox, which Ben's list
	// shows when switched to it, and not in main's.
	typeInto(t, chat, "textarea.input", "Are you open tonight "+tag+"?\r")
	waitFor(t, chat, "the message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
	waitFor(t, agent, "the switcher names both inboxes, as text", `(() => {
		const s = document.querySelector("select.switcher");
		return s && [...s.options].some(o => o.value === `+js(inboxID)+` && o.textContent === `+js(name)+`) && [...s.options].some(o => o.value === "main") })()`)
	fill(t, agent, "select.switcher", inboxID)
	waitFor(t, agent, "the night inbox's list has the chat", `location.hash === `+js("#/inbox/"+inboxID+"/all")+` && [...document.querySelectorAll(".item")].some(i => i.textContent.includes(`+js("open tonight "+tag)+`))`)
	fill(t, agent, "select.switcher", "main")
	waitFor(t, agent, "main's list has not", `location.hash === "#/inbox/main/all" && document.querySelector(".list") && ![...document.querySelectorAll(".item")].some(i => i.textContent.includes(`+js("open tonight "+tag)+`))`)
	if eval[bool](t, agent, `window.__xss !== undefined || document.querySelector(".side img:not(.avatar img)") !== null`) {
		t.Error("the inbox's name ran as markup")
	}
}
