package store_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// TestMessageFiles: a message's files are stored with it and read back
// wherever the message is read: a page, the client id's answer.
func TestMessageFiles(t *testing.T) {
	s, _ := newStore(t)
	c := seed(t, s, t0)
	files := []chat.Attachment{
		{ID: "dTEvMS1zaG90LnBuZw", Filename: "shot.png", Size: 1234, ContentType: "image/png", Inline: true},
		{ID: "dTIvMS1ab8OrJ3MgcmVwb3J0LnBkZg", Filename: "Zoë's report.pdf", Size: 99, ContentType: "application/pdf"},
	}
	m := text("")
	m.Attachments = files
	key := "agent:a#" + uuid.NewString()
	res, err := s.Append(t.Context(), chat.Append{Current: c, Message: m, ClientKey: key})
	if err != nil {
		t.Fatal(err)
	}
	page, _, err := s.Messages(t.Context(), chat.MessageQuery{ConversationID: c.ID, After: 1, Limit: 10})
	if err != nil || len(page) != 1 {
		t.Fatalf("page = %+v, %v", page, err)
	}
	if diff := cmp.Diff(files, page[0].Attachments); diff != "" {
		t.Errorf("files read back (-want +got):\n%s", diff)
	}
	stored, err := s.ClientMessage(t.Context(), key, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res.Message, stored); diff != "" {
		t.Errorf("client id's message (-written +read):\n%s", diff)
	}
	if plain := page[0]; plain.Body != "" {
		t.Errorf("body = %q, want none", plain.Body)
	}
}
