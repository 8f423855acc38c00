package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud/eventpattern"
	"github.com/parleychat/parley/shared/email"
)

// noteAnswer is the answer of POST /agent/conversations/{id}/notes.
type noteAnswer struct {
	Message struct {
		Seq      int64  `json:"seq"`
		Kind     string `json:"kind"`
		Body     string `json:"body"`
		Mentions []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"mentions"`
	} `json:"message"`
}

// postNote writes a note as the agent whose token is bearer; it returns
// the HTTP status and the answer.
func postNote(t *testing.T, bearer, convID, clientID, body string) (int, noteAnswer) {
	t.Helper()
	var out noteAnswer
	status, raw := rawCall(t, http.MethodPost, "/agent/conversations/"+convID+"/notes", "", bearer, fmt.Sprintf(`{"clientId":%q,"body":%q}`, clientID, body))
	if status/100 != 2 {
		t.Fatalf("note: %d %s", status, raw)
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatal(err)
	}
	return status, out
}

// framesUntil reads frames until one matches and returns every frame read,
// the matching one last.
func framesUntil(t *testing.T, s *chatclient.Socket, what string, match func(chatclient.Frame) bool) []chatclient.Frame {
	t.Helper()
	var seen []chatclient.Frame
	if _, err := s.Next(wait(t), func(f chatclient.Frame) bool {
		seen = append(seen, f)
		return match(f)
	}); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
	return seen
}

// notificationOf matches the notification frames about one note.
func notificationOf(convID string, seq int64) func(chatclient.Frame) bool {
	return func(f chatclient.Frame) bool {
		var n struct {
			Notification struct {
				ConversationID string `json:"conversationId"`
				Seq            int64  `json:"seq"`
			} `json:"notification"`
		}
		_ = json.Unmarshal(f.Raw, &n)
		return f.Type == "notification" && n.Notification.ConversationID == convID && n.Notification.Seq == seq
	}
}

// ensureProfiles makes the agents' profiles exist: only an agent with a
// profile is a member the notes can mention.
func ensureProfiles(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if status, body := rawCall(t, http.MethodGet, "/agent/me", "", agentToken(t, n), ""); status != http.StatusOK {
			t.Fatalf("GET /agent/me as %s: %d %s", n, status, body)
		}
	}
}

// TestNoteNeverReachesTheVisitor: a note, XSS payload and all, reaches the
// agents and no visitor path: not the visitor's socket (live or resumed),
// not the widget's history, not the continuation email, not the
// transcript, not the events a visitor-facing consumer reads (public
// ones), which the note's internal event is not among.
func TestNoteNeverReachesTheVisitor(t *testing.T) {
	ensureProfiles(t, "alice", "ben")
	tag := uuid.NewString()[:8]
	v := newVisitor(t)
	vtab, convID, _ := startConversation(t, v, "Hello, my parcel "+tag+" is late")
	aliceToken := agentToken(t, "alice")
	alice := chatclient.NewAgent(endpoints(), aliceToken)
	atab := connect(t, alice)
	sendFrame(t, atab, map[string]any{"action": "resume", "conversationId": convID, "afterSeq": 0})
	if _, err := atab.Next(wait(t), chatclient.IsType("messages", convID)); err != nil {
		t.Fatal(err)
	}

	secret := `<img src=x onerror="window.__xss=1"> refund ` + tag + ` approved, @Ben Richter please check`
	status, note := postNote(t, aliceToken, convID, uuid.NewString(), secret)
	if status != http.StatusCreated || note.Message.Kind != "note" || note.Message.Body != secret {
		t.Fatalf("note answer %d %+v", status, note)
	}
	if len(note.Message.Mentions) != 1 || note.Message.Mentions[0].Name != "Ben Richter" {
		t.Errorf("mentions = %+v, want Ben Richter", note.Message.Mentions)
	}
	framesUntil(t, atab, "the note on the agent's socket", func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return err == nil && m.Seq == note.Message.Seq && m.Kind == "note"
	})

	reply, err := alice.Reply(wait(t), convID, "Your parcel ships today.")
	if err != nil {
		t.Fatal(err)
	}
	noteless := func(where, text string) {
		t.Helper()
		if strings.Contains(text, "refund "+tag) || strings.Contains(text, `"note"`) {
			t.Errorf("the note reached the visitor's %s:\n%s", where, text)
		}
	}
	for _, f := range framesUntil(t, vtab, "the reply on the visitor's socket", func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return err == nil && m.Seq == reply.Seq
	}) {
		noteless("socket", string(f.Raw))
	}
	sendFrame(t, vtab, map[string]any{"action": "resume", "conversationId": convID, "afterSeq": 0})
	resumed, err := vtab.Next(wait(t), chatclient.IsType("messages", convID))
	if err != nil {
		t.Fatal(err)
	}
	noteless("resume", string(resumed.Raw))
	if n := len(resumed.Messages); n != 2 || resumed.HasMore {
		t.Errorf("resume from the start: %d messages (hasMore %v), want the visitor's and the reply", n, resumed.HasMore)
	}
	status, history := rawCall(t, http.MethodGet, "/widget/conversations/"+convID+"/messages?limit=100", widgetOrigin(), v.Token, "")
	if status != http.StatusOK {
		t.Fatalf("history: %d %s", status, history)
	}
	noteless("history", history)

	// By email: the continuation's history, then the transcript on close.
	addr := "notes-" + tag + "@visitor.test"
	if _, err := alice.Act(wait(t), convID, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
		t.Fatal(err)
	}
	if err := alice.Call(wait(t), http.MethodPut, "/agent/conversations/"+convID+"/contact", map[string]string{"email": addr}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := emailReply(t, alice, convID, "Here is the tracking link."); err != nil {
		t.Fatal(err)
	}
	sent := mailTo(t, addr, "Your conversation")
	if len(sent) != 1 {
		t.Fatalf("%d continuation emails, want 1", len(sent))
	}
	noteless("continuation email", sent[0].Text+sent[0].HTML)
	if !strings.Contains(sent[0].Text, "Your parcel ships today.") {
		t.Errorf("the continuation email lacks the reply before it:\n%s", sent[0].Text)
	}
	if _, err := alice.Act(wait(t), convID, "close", nil); err != nil {
		t.Fatal(err)
	}
	var transcript []mailboxMessage
	eventually(t, "the transcript after the close", func() error {
		if transcript = mailTo(t, addr, email.DefaultTranscriptSubject); len(transcript) != 1 {
			return fmt.Errorf("%d transcripts", len(transcript))
		}
		return nil
	})
	noteless("transcript", transcript[0].Text+transcript[0].HTML)

	// Events: the note's is internal; a consumer of public events (the
	// rule a visitor-facing integration would use) never sees it.
	public, err := eventpattern.Parse([]byte(`{"source":["parley.chat"],"detail":{"visibility":["public"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	var log eventLog
	eventually(t, "the conversation's events, closed included", func() error {
		getJSON(t, cloud.Endpoints().Events, &log)
		for _, ev := range log.Events {
			var d detail
			_ = json.Unmarshal(ev.Detail, &d)
			if d.ConversationID == convID && ev.DetailType == "conversation.closed" {
				return nil
			}
		}
		return fmt.Errorf("no conversation.closed yet")
	})
	internal, publicSeen := 0, 0
	for _, ev := range log.Events {
		var d struct {
			ConversationID string `json:"conversationId"`
			Visibility     string `json:"visibility"`
		}
		_ = json.Unmarshal(ev.Detail, &d)
		if d.ConversationID != convID {
			continue
		}
		whole, _ := json.Marshal(map[string]any{"source": "parley.chat", "detail-type": ev.DetailType, "detail": ev.Detail})
		ok, err := public.Match(whole)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case ok:
			publicSeen++
			noteless("public events", string(ev.Detail))
		case d.Visibility == "internal" && strings.Contains(string(ev.Detail), "refund "+tag):
			internal++
		default:
			t.Errorf("an event neither public nor the note's: %s %s", ev.DetailType, ev.Detail)
		}
		for _, del := range ev.Deliveries {
			if del.Function == "TranscriptFunction" {
				noteless("transcript consumer's events", string(ev.Detail))
			}
		}
	}
	if internal != 1 || publicSeen < 5 {
		t.Errorf("events: %d internal (the note), %d public; want 1 and the others", internal, publicSeen)
	}
}

// TestMentionNotifiesOnce: a note naming Ben (inbox open) and Chiara (no
// inbox open) notifies each of them once, and nobody else: one entry in
// each one's notifications, one frame on Ben's socket, one email to
// Chiara with a link to the conversation in the inbox; the note sent again
// with the same client id changes none of it.
func TestMentionNotifiesOnce(t *testing.T) {
	ensureProfiles(t, "alice", "ben", "chiara")
	_, convID, _ := startConversation(t, newVisitor(t), "Can someone check my refund?")
	aliceToken := agentToken(t, "alice")
	alice, ben, chiara := chatclient.NewAgent(endpoints(), aliceToken), newAgent(t, "ben"), newAgent(t, "chiara")
	btab := connect(t, ben)

	clientID := uuid.NewString()
	body := "@Ben Richter and @chiara bianchi: refund over 100 EUR, who approves?"
	status, note := postNote(t, aliceToken, convID, clientID, body)
	if status != http.StatusCreated {
		t.Fatalf("note: %d", status)
	}
	seq := note.Message.Seq
	again, same := postNote(t, aliceToken, convID, clientID, body)
	if again != http.StatusOK || same.Message.Seq != seq {
		t.Fatalf("the note sent again: %d seq %d, want 200 and seq %d", again, same.Message.Seq, seq)
	}
	// A second note to Ben marks the end: whatever the first two sent
	// him came before its notification.
	_, marker := postNote(t, aliceToken, convID, uuid.NewString(), "@Ben Richter one more thing")
	got := 0
	for _, f := range framesUntil(t, btab, "the marker's notification", notificationOf(convID, marker.Message.Seq)) {
		if notificationOf(convID, seq)(f) {
			got++
		}
	}
	if got != 1 {
		t.Errorf("Ben's socket heard the mention %d times, want once", got)
	}

	var chiaraMail []mailboxMessage
	eventually(t, "the mention emailed to Chiara", func() error {
		if chiaraMail = mailTo(t, "chiara@demo.parley.local", "Alice Moreau mentioned you"); len(chiaraMail) == 0 {
			return fmt.Errorf("no email yet")
		}
		return nil
	})
	mine := 0
	link := strings.TrimSuffix(cloud.URL(), "/") + "/inbox/#/c/" + convID
	for _, m := range chiaraMail {
		if strings.Contains(m.Text, link) {
			mine++
			if !strings.Contains(m.Text, "refund over 100 EUR") || !strings.Contains(m.HTML, `href="`+link+`"`) {
				t.Errorf("the mention email lacks the note or its link:\n%s\n%s", m.Text, m.HTML)
			}
		}
	}
	if mine != 1 {
		t.Errorf("%d mention emails to Chiara about this conversation, want 1", mine)
	}
	for _, m := range mailTo(t, "ben@demo.parley.local", "mentioned you") {
		if strings.Contains(m.Text, convID) {
			t.Errorf("Ben, whose inbox was open, got an email:\n%s", m.Text)
		}
	}

	entries := func(a *chatclient.Agent) (int, int, string) {
		var page struct {
			Notifications []struct {
				ID             string `json:"id"`
				ConversationID string `json:"conversationId"`
				Seq            int64  `json:"seq"`
				Read           bool   `json:"read"`
			} `json:"notifications"`
			Unread int `json:"unread"`
		}
		if err := a.Call(wait(t), http.MethodGet, "/agent/notifications?limit=100", nil, &page); err != nil {
			t.Fatal(err)
		}
		n, id := 0, ""
		for _, e := range page.Notifications {
			if e.ConversationID == convID && e.Seq == seq {
				n++
				id = e.ID
			}
		}
		return n, page.Unread, id
	}
	for name, a := range map[string]*chatclient.Agent{"ben": ben, "chiara": chiara} {
		if n, unread, _ := entries(a); n != 1 || unread < 1 {
			t.Errorf("%s's notifications hold the mention %d times (unread %d), want once, unread", name, n, unread)
		}
	}
	if n, _, _ := entries(alice); n != 0 {
		t.Errorf("the author's notifications hold her own note %d times", n)
	}
	_, before, id := entries(chiara)
	var left struct{ Unread int }
	if err := chiara.Call(wait(t), http.MethodPost, "/agent/notifications/read", map[string]any{"ids": []string{id}}, &left); err != nil {
		t.Fatal(err)
	}
	if left.Unread != before-1 {
		t.Errorf("unread after reading one: %d, want %d", left.Unread, before-1)
	}
	if err := ben.Call(wait(t), http.MethodPost, "/agent/notifications/read", map[string]any{"all": true}, &left); err != nil || left.Unread != 0 {
		t.Errorf("after reading all: unread %d, %v", left.Unread, err)
	}
}

// TestCollisionFrames: viewers and typing between two agents with the
// same thread open. Each "view" is answered with who views; Ben's arrival
// and departure reach Alice; Ben typing a note reaches Alice with note set
// and never the visitor, and so does his stop when the composer empties;
// typing a reply reaches the visitor as before.
func TestCollisionFrames(t *testing.T) {
	ensureProfiles(t, "alice", "ben")
	vtab, convID, _ := startConversation(t, newVisitor(t), "Two agents, one visitor")
	alice, ben := newAgent(t, "alice"), newAgent(t, "ben")
	atab, btab := connect(t, alice), connect(t, ben)
	for _, s := range []*chatclient.Socket{atab, btab} {
		sendFrame(t, s, map[string]any{"action": "resume", "conversationId": convID, "afterSeq": 0})
		if _, err := s.Next(wait(t), chatclient.IsType("messages", convID)); err != nil {
			t.Fatal(err)
		}
	}
	viewers := func(f chatclient.Frame) string {
		var v struct {
			Viewers []struct{ Name string } `json:"viewers"`
		}
		_ = json.Unmarshal(f.Raw, &v)
		var names []string
		for _, x := range v.Viewers {
			names = append(names, x.Name)
		}
		return strings.Join(names, ",")
	}
	view := func(s *chatclient.Socket, on bool) {
		sendFrame(t, s, map[string]any{"action": "view", "conversationId": convID, "on": on})
	}
	nextViewers := func(s *chatclient.Socket, who string) string {
		t.Helper()
		f, err := s.Next(wait(t), chatclient.IsType("viewers", convID))
		if err != nil {
			t.Fatalf("%s's viewers frame: %v", who, err)
		}
		return viewers(f)
	}

	view(atab, true)
	if got := nextViewers(atab, "alice"); got != "Alice Moreau" {
		t.Errorf("alice opens: %q", got)
	}
	view(btab, true)
	if got := nextViewers(btab, "ben"); got != "Alice Moreau,Ben Richter" {
		t.Errorf("ben opens, ben hears %q", got)
	}
	if got := nextViewers(atab, "alice"); got != "Alice Moreau,Ben Richter" {
		t.Errorf("ben opens, alice hears %q", got)
	}

	typing := func(s *chatclient.Socket, on, note bool) {
		sendFrame(t, s, map[string]any{"action": "typing", "conversationId": convID, "on": on, "note": note})
	}
	isTyping := func(on, note bool) func(chatclient.Frame) bool {
		return func(f chatclient.Frame) bool {
			var x struct {
				Note bool `json:"note"`
			}
			_ = json.Unmarshal(f.Raw, &x)
			return f.Type == "typing" && f.ConversationID == convID && f.On == on && x.Note == note && f.Author != nil && f.Author.Name == "Ben Richter"
		}
	}
	typing(btab, true, true)
	if _, err := atab.Next(wait(t), isTyping(true, true)); err != nil {
		t.Fatalf("ben typing a note: %v", err)
	}
	typing(btab, false, true)
	if _, err := atab.Next(wait(t), isTyping(false, true)); err != nil {
		t.Fatalf("ben's composer emptied: %v", err)
	}
	typing(btab, true, false)
	for _, f := range framesUntil(t, vtab, "ben typing a reply", func(f chatclient.Frame) bool { return f.Type == "typing" }) {
		if strings.Contains(string(f.Raw), `"note"`) || (f.Type == "typing" && !f.On) {
			t.Errorf("the visitor heard of the note: %s", f.Raw)
		}
	}
	if _, err := atab.Next(wait(t), isTyping(true, false)); err != nil {
		t.Fatalf("ben typing a reply, for alice: %v", err)
	}

	view(btab, false)
	if got := nextViewers(atab, "alice"); got != "Alice Moreau" {
		t.Errorf("ben leaves, alice hears %q", got)
	}
	// A visitor's socket cannot view.
	sendFrame(t, vtab, map[string]any{"action": "view", "conversationId": convID, "on": true})
	if f, err := vtab.Next(wait(t), chatclient.IsType("error")); err != nil || f.Code != "invalid_request" {
		t.Errorf("a visitor viewing: %s, %v", f.Raw, err)
	}
}

// TestNoteBadInput: refused notes store nothing and say why.
func TestNoteBadInput(t *testing.T) {
	_, convID, _ := startConversation(t, newVisitor(t), "bad notes")
	alice := newAgent(t, "alice")
	tests := []struct {
		name, body string
		status     int
	}{
		{"not JSON", `{"clientId":`, http.StatusBadRequest},
		{"empty", `{"clientId":"` + uuid.NewString() + `","body":"  "}`, http.StatusBadRequest},
		{"no client id", `{"body":"x"}`, http.StatusBadRequest},
		{"too long", `{"clientId":"` + uuid.NewString() + `","body":"` + strings.Repeat("n", 5001) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawCall(t, http.MethodPost, "/agent/conversations/"+convID+"/notes", "", agentToken(t, "alice"), tt.body)
			if status != tt.status || !strings.Contains(body, `"error"`) {
				t.Errorf("%d %s, want %d with an error", status, body, tt.status)
			}
		})
	}
	th := getThread(t, alice, convID)
	if len(th.Messages) != 1 {
		t.Errorf("refused notes stored: %+v", th.Messages)
	}
	status, body := rawCall(t, http.MethodPost, "/agent/notifications/read", "", agentToken(t, "alice"), `{"ids":["NOTIFY#x"]}`)
	if status != http.StatusBadRequest {
		t.Errorf("reading a malformed id: %d %s", status, body)
	}
}
