package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/email"
)

// The functions' logs carry no message text and no email address: a
// conversation through every path that handles them (chat both ways, the
// email capture and its confirmation, an agent's emailed reply, the
// visitor's emailed answer, the transcript on close, a manual transcript
// to another address, a bounce) leaves none of its texts or addresses in
// what any function wrote.
func TestLogsKeepMessagesAndAddressesOut(t *testing.T) {
	mark := functionOutput.mark()
	id := uuid.NewString()[:8]
	secrets := map[string]string{
		"visitor's message": "Lavender parcel " + id + " went missing",
		"agent's chat":      "Courier " + id + " is on it",
		"agent's email":     "Emailed answer " + id + " with tracking",
		"visitor's email":   "Thanks " + id + " received",
		"address":           "logscan-" + id + "@visitor.test",
		"contact name":      "Ada Logscan" + id,
		"other address":     "boss-" + id + "@visitor.test",
		"bouncing address":  "bounce+logscan-" + id + "@simulator.amazonses.com",
	}

	visitor := newVisitor(t)
	tab, convID, _ := startConversation(t, visitor, secrets["visitor's message"])
	if err := visitor.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": secrets["address"], "name": secrets["contact name"]}, nil); err != nil {
		t.Fatal(err)
	}
	confirmAddress(t, secrets["address"])
	alice := newAgent(t, "alice")
	if _, err := alice.Act(wait(t), convID, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Reply(wait(t), convID, secrets["agent's chat"]); err != nil {
		t.Fatal(err)
	}
	tab.Close()
	eventually(t, "the visitor offline", func() error {
		if s := getThread(t, alice, convID).Conversation; s.SuggestedChannel != "email" {
			return fmt.Errorf("suggestedChannel = %q", s.SuggestedChannel)
		}
		return nil
	})
	if _, err := emailReply(t, alice, convID, secrets["agent's email"]); err != nil {
		t.Fatal(err)
	}
	sent := mailTo(t, secrets["address"], "Your conversation")
	if len(sent) != 1 {
		t.Fatalf("%d emails to the visitor, want 1", len(sent))
	}
	replyTo, inReplyTo := sent[0].Headers["Reply-To"], strings.Trim(sent[0].Headers["Message-Id"], "<>")
	sendSMTP(t, secrets["address"], replyTo, replyMail(secrets["address"], replyTo, uuid.NewString()+"@mail.visitor.test", inReplyTo, "", secrets["visitor's email"]))
	if n := countBodies(getThread(t, alice, convID).Messages, secrets["visitor's email"]); n != 1 {
		t.Fatalf("the emailed answer is in the thread %d times", n)
	}
	if _, err := alice.Act(wait(t), convID, "close", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the transcript", func() error {
		if n := len(mailTo(t, secrets["address"], email.DefaultTranscriptSubject)); n != 1 {
			return fmt.Errorf("%d transcripts", n)
		}
		return nil
	})
	var out struct {
		Message chatclient.Message `json:"message"`
	}
	if err := alice.Call(wait(t), http.MethodPost, "/agent/conversations/"+convID+"/transcript", map[string]string{"to": secrets["other address"]}, &out); err != nil {
		t.Fatal(err)
	}

	// A second conversation's address bounces.
	convID2 := startConversationWith(t, "Write to me")
	if err := alice.Call(wait(t), http.MethodPut, "/agent/conversations/"+convID2+"/contact", map[string]string{"email": secrets["bouncing address"]}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := emailReply(t, alice, convID2, "This will bounce."); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the bounce", func() error {
		if s := getThread(t, alice, convID2).Conversation; !strings.Contains(s.EmailBlocked, "bounced") {
			return fmt.Errorf("summary = %+v", s)
		}
		return nil
	})
	published(t, "conversation.closed", convID) // every stream record handled

	logged := functionOutput.since(mark)
	if !strings.Contains(logged, "TranscriptFunction] ") || !strings.Contains(logged, "InboundMailFunction] ") || !strings.Contains(logged, "MailFeedbackFunction] ") {
		t.Fatalf("the captured output lacks the email functions' lines:\n%s", logged[:min(len(logged), 2000)])
	}
	for what, secret := range secrets {
		for _, line := range strings.Split(logged, "\n") {
			if strings.Contains(strings.ToLower(line), strings.ToLower(secret)) {
				t.Errorf("the %s is in a function's log: %s", what, line[:min(len(line), 400)])
			}
		}
	}
}
