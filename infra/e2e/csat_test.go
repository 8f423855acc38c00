package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/reports"
)

// ratingLinkRE finds the survey links of a transcript's text part.
var ratingLinkRE = regexp.MustCompile(`https?://\S+/widget/rating\?score=([1-5])&token=[a-z0-9]+`)

// setCSAT turns a channel's satisfaction survey on or off and waits until
// every function's settings cache has it.
func setCSAT(t *testing.T, admin *chatclient.Agent, channel string, on bool) {
	t.Helper()
	var ch channelDoc
	if err := admin.Call(wait(t), http.MethodGet, "/agent/settings/channels/"+channel, nil, &ch); err != nil {
		t.Fatal(err)
	}
	ch["csat"] = on
	if got := putChannel(t, admin, ch); got["csat"] != on {
		t.Fatalf("csat after PUT = %v, want %v", got["csat"], on)
	}
	pastTheCaches(t)
}

// rateInWidget is the widget's answer to the survey.
func rateInWidget(t *testing.T, v *chatclient.Visitor, conv string, score int, comment string) (chat.Rating, error) {
	t.Helper()
	var out struct{ Rating chat.Rating }
	err := v.Call(wait(t), http.MethodPut, "/widget/conversations/"+conv+"/rating", map[string]any{"score": score, "comment": comment}, &out)
	return out.Rating, err
}

// storedRating reads a conversation's rating from the table.
func storedRating(t *testing.T, conv string) (chat.Rating, int) {
	t.Helper()
	c, err := chatStore(t).Conversation(wait(t), conv)
	if err != nil {
		t.Fatal(err)
	}
	return c.Rating, c.Ratings
}

// csatOf is the CSAT part of a report of the days around today.
func csatOf(t *testing.T, admin *chatclient.Agent, dim, id string) reports.CSAT {
	t.Helper()
	return readReport(t, admin, dim, id).Total.CSAT
}

func ratio(v float64) *float64 { return &v }

// ratingLinks waits for the transcript to addr and returns its survey
// links by score.
func ratingLinks(t *testing.T, addr string) map[string]string {
	t.Helper()
	var links map[string]string
	eventually(t, "the transcript with the survey to "+addr, func() error {
		mails := mailTo(t, addr, email.DefaultTranscriptSubject)
		if len(mails) != 1 {
			return fmt.Errorf("%d transcripts", len(mails))
		}
		links = map[string]string{}
		for _, m := range ratingLinkRE.FindAllStringSubmatch(mails[0].Text, -1) {
			links[m[1]] = m[0]
		}
		if len(links) != 5 {
			return fmt.Errorf("survey links %v in:\n%s", links, mails[0].Text)
		}
		return nil
	})
	return links
}

// TestCSATFromWidgetAndEmail: a channel with the survey on asks on close
// (the visitor's socket hears a close with survey set); the visitor rates
// in the widget and changes its mind; the transcript carries five signed
// links whose GET records nothing and whose form POST records; forged and
// expired links are refused with a page saying so. The reports count each
// conversation once with its latest score, and events delivered again,
// newest first, change nothing.
func TestCSATFromWidgetAndEmail(t *testing.T) {
	admin := newAgent(t, "alice")
	inbox, channel := newInbox(t, admin, "CSAT "+time.Now().Format("150405.000"))
	rita := inviteMember(t, admin, "Rita Rating", inbox)
	setInbox(t, admin, inbox, "CSAT", []member{rita}, "manual", 5)
	setCSAT(t, admin, channel, true)
	ctx := wait(t)

	v, _, err := chatclient.NewVisitor(ctx, endpoints(), widgetOrigin(), channel, "")
	if err != nil {
		t.Fatal(err)
	}
	tab, conv, _ := startConversation(t, v, "My parcel is late")
	addr := "csat-" + strings.ToLower(conv[:8]) + "@visitor.test"
	giveAddress(t, v, addr)
	confirmAddress(t, addr)
	if _, err := rita.Agent.Act(ctx, conv, "assign", map[string]string{"agentId": rita.ID, "expectedAssigneeId": ""}); err != nil {
		t.Fatal(err)
	}
	if _, err := rita.Agent.Reply(ctx, conv, "It ships today."); err != nil {
		t.Fatal(err)
	}
	// Before the close nothing was asked: no rating.
	if _, err := rateInWidget(t, v, conv, 4, ""); !isStatus(err, http.StatusConflict) {
		t.Fatalf("rating an open conversation never asked = %v, want 409", err)
	}
	if _, err := rita.Agent.Act(ctx, conv, "close", map[string]string{}); err != nil {
		t.Fatal(err)
	}
	f, err := tab.Next(ctx, isEvent(conv, "closed"))
	if err != nil {
		t.Fatal(err)
	}
	if ev := eventOf(t, mustMsg(t, f)); !ev.Survey {
		t.Fatalf("the visitor's close frame does not ask for a rating: %s", f.Raw)
	}

	// The widget: bad answers are refused and change nothing; a second
	// answer replaces the first.
	for _, bad := range []struct {
		score   int
		comment string
		status  int
	}{
		{0, "", http.StatusBadRequest},
		{6, "", http.StatusBadRequest},
		{3, strings.Repeat("é", chat.MaxRatingCommentRunes+1), http.StatusRequestEntityTooLarge},
	} {
		if _, err := rateInWidget(t, v, conv, bad.score, bad.comment); !isStatus(err, bad.status) {
			t.Errorf("rating %d with %d characters = %v, want %d", bad.score, len([]rune(bad.comment)), err, bad.status)
		}
	}
	if r, n := storedRating(t, conv); r.Score != 0 || n != 0 {
		t.Fatalf("refused ratings stored %+v (%d)", r, n)
	}
	stranger := newVisitor(t)
	if _, err := rateInWidget(t, stranger, conv, 1, ""); !isStatus(err, http.StatusNotFound) {
		t.Errorf("another visitor rating the conversation = %v, want 404", err)
	}
	if r, err := rateInWidget(t, v, conv, 2, "Slow at first"); err != nil || r.Score != 2 {
		t.Fatalf("first rating = %+v, %v", r, err)
	}
	if r, err := rateInWidget(t, v, conv, 5, "  Actually great\x00 "); err != nil || r != (chat.Rating{Score: 5, Comment: "Actually great"}) {
		t.Fatalf("second rating = %+v, %v", r, err)
	}
	th, err := rita.Agent.Get(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(th.Conversation.Raw), `"rating":{"score":5,"comment":"Actually great"}`) {
		t.Errorf("the agent's thread shows %s, want the rating 5 with its comment", th.Conversation.Raw)
	}
	var rated []int
	for _, m := range th.Messages {
		if ev := eventOf(t, m); ev.Type == chat.EventRated && ev.Rating != nil {
			rated = append(rated, ev.Rating.Score)
		}
	}
	if diff := cmp.Diff([]int{2, 5}, rated); diff != "" {
		t.Errorf("rated lines in the thread (-want +got):\n%s", diff)
	}

	// A second conversation asked and never answered: the response rate.
	_, unanswered := visit(t, channel, "Just looking")
	if _, err := rita.Agent.Act(ctx, unanswered, "close", map[string]string{}); err != nil {
		t.Fatal(err)
	}
	convs := []string{conv, unanswered}
	reportsSettled(t, convs)
	want := reports.CSAT{Asked: 2, Responses: 1, ResponseRate: ratio(0.5), Average: ratio(5), Distribution: [5]int64{0, 0, 0, 0, 1}}
	if diff := cmp.Diff(want, csatOf(t, admin, "inbox", inbox)); diff != "" {
		t.Errorf("inbox CSAT after the widget's answers (-want +got):\n%s", diff)
	}

	// The transcript's links.
	links := ratingLinks(t, addr)
	if mails := mailTo(t, addr, email.DefaultTranscriptSubject); !strings.Contains(mails[0].HTML, "How was this conversation?") {
		t.Errorf("the transcript's HTML part does not ask:\n%s", mails[0].HTML)
	}
	// A GET (a mail scanner, or the reader opening the link) records
	// nothing: it shows the form with the link's score chosen.
	status, page := openConfirmPage(t, http.MethodGet, links["1"], "")
	if status != http.StatusOK || !strings.Contains(page, `value="1" required checked`) || !strings.Contains(page, "Actually great") {
		t.Fatalf("rating page = %d\n%s", status, page)
	}
	if r, n := storedRating(t, conv); r.Score != 5 || n != 2 {
		t.Fatalf("after the GET the rating is %+v (%d answers), want 5 as before", r, n)
	}
	u, err := url.Parse(links["1"])
	if err != nil {
		t.Fatal(err)
	}
	token := u.Query().Get("token")
	form := url.Values{"token": {token}, "score": {"1"}, "comment": {"The parcel never came"}}.Encode()
	status, page = openConfirmPage(t, http.MethodPost, u.Scheme+"://"+u.Host+u.Path, form)
	if status != http.StatusOK || !strings.Contains(page, "1 of 5 is recorded") {
		t.Fatalf("posting the form = %d\n%s", status, page)
	}
	if r, n := storedRating(t, conv); r != (chat.Rating{Score: 1, Comment: "The parcel never came"}) || n != 3 {
		t.Fatalf("after the POST the rating is %+v (%d answers)", r, n)
	}

	// The update moved the conversation from 5 to 1: still one response.
	reportsSettled(t, convs)
	want = reports.CSAT{Asked: 2, Responses: 1, ResponseRate: ratio(0.5), Average: ratio(1), Distribution: [5]int64{1, 0, 0, 0, 0}}
	if diff := cmp.Diff(want, csatOf(t, admin, "inbox", inbox)); diff != "" {
		t.Errorf("inbox CSAT after the email's answer (-want +got):\n%s", diff)
	}
	// Rita held only the rated one when it closed.
	wantRita := reports.CSAT{Asked: 1, Responses: 1, ResponseRate: ratio(1), Average: ratio(1), Distribution: [5]int64{1, 0, 0, 0, 0}}
	if diff := cmp.Diff(wantRita, csatOf(t, admin, "agent", rita.ID)); diff != "" {
		t.Errorf("agent CSAT (-want +got):\n%s", diff)
	}
	before := readReport(t, admin, "inbox", inbox)
	replayReversed(t, convs)
	reportsSettled(t, convs)
	if diff := cmp.Diff(before, readReport(t, admin, "inbox", inbox)); diff != "" {
		t.Errorf("report after every event came again, newest first (-before +after):\n%s", diff)
	}

	// Forged links: a changed token, a token of another purpose.
	changed := "aa"
	if strings.HasSuffix(token, changed) {
		changed = "bb"
	}
	forged := []string{token[:len(token)-2] + changed, "a" + strings.Repeat("b", 56), ""}
	for _, tok := range forged {
		status, page := openConfirmPage(t, http.MethodGet, u.Scheme+"://"+u.Host+u.Path+"?score=3&token="+tok, "")
		if status != http.StatusBadRequest || !strings.Contains(page, "not valid") {
			t.Errorf("forged token %q = %d\n%s", tok, status, page)
		}
		status, _ = openConfirmPage(t, http.MethodPost, u.Scheme+"://"+u.Host+u.Path, url.Values{"token": {tok}, "score": {"3"}}.Encode())
		if status != http.StatusBadRequest {
			t.Errorf("posting forged token %q = %d, want 400", tok, status)
		}
	}
	// Expired: the links work RatingTTL long.
	advance(t, email.RatingTTL+time.Minute)
	status, page = openConfirmPage(t, http.MethodGet, links["4"], "")
	if status != http.StatusBadRequest || !strings.Contains(page, "expired") {
		t.Errorf("expired link = %d\n%s", status, page)
	}
	status, _ = openConfirmPage(t, http.MethodPost, u.Scheme+"://"+u.Host+u.Path, url.Values{"token": {token}, "score": {"4"}}.Encode())
	if status != http.StatusBadRequest {
		t.Errorf("posting an expired token = %d, want 400", status)
	}
	if r, _ := storedRating(t, conv); r.Score != 1 {
		t.Errorf("refused links changed the rating to %+v", r)
	}
}

// TestCSATOffAsksNothing: a channel starts with the survey off, and a
// setting that is not a boolean is refused and changes nothing; with the
// survey off a close asks nothing and the widget cannot rate.
func TestCSATOffAsksNothing(t *testing.T) {
	admin := newAgent(t, "alice")
	ch := newChannel(t, admin, "No survey "+time.Now().Format("150405.000"))
	if ch["csat"] != false {
		t.Errorf("a new channel's csat = %v, want false", ch["csat"])
	}
	ch["csat"] = "yes"
	var api *chatclient.APIError
	if err := admin.Call(wait(t), http.MethodPut, "/agent/settings/channels/"+ch["id"].(string), ch, nil); !errors.As(err, &api) || api.Status != http.StatusBadRequest {
		t.Errorf("csat \"yes\" = %v, want 400", err)
	}
	var stored channelDoc
	if err := admin.Call(wait(t), http.MethodGet, "/agent/settings/channels/"+ch["id"].(string), nil, &stored); err != nil || stored["csat"] != false {
		t.Errorf("after the refusal csat = %v (%v), want false", stored["csat"], err)
	}
	v := newVisitor(t)
	tab, conv, _ := startConversation(t, v, "Hello there")
	if _, err := admin.Act(wait(t), conv, "close", map[string]string{}); err != nil {
		t.Fatal(err)
	}
	f, err := tab.Next(wait(t), isEvent(conv, "closed"))
	if err != nil {
		t.Fatal(err)
	}
	if ev := eventOf(t, mustMsg(t, f)); ev.Type != chat.EventClosed || ev.Survey {
		t.Fatalf("close frame on a channel without the survey: %s", f.Raw)
	}
	if _, err := rateInWidget(t, v, conv, 5, ""); !isStatus(err, http.StatusConflict) {
		t.Errorf("rating without the survey = %v, want 409", err)
	}
}

// eventOf is the event a message records (zero for a text).
func eventOf(t *testing.T, m chatclient.Message) chat.Event {
	t.Helper()
	var ev chat.Event
	if len(m.Event) > 0 {
		if err := json.Unmarshal(m.Event, &ev); err != nil {
			t.Fatalf("event %s: %v", m.Event, err)
		}
	}
	return ev
}

func isStatus(err error, status int) bool {
	var api *chatclient.APIError
	return errors.As(err, &api) && api.Status == status
}
