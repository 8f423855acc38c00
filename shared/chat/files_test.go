package chat_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// fakeFiles commits every upload whose key starts with "ok/" as a file
// named after the rest of its key, and records what it is asked.
type fakeFiles struct {
	commits  []chat.FileCommit
	settled  [][]chat.Upload
	discards []string // conversation ids
}

func (f *fakeFiles) Commit(_ context.Context, c chat.FileCommit) ([]chat.Attachment, error) {
	f.commits = append(f.commits, c)
	var out []chat.Attachment
	for _, u := range c.Uploads {
		name, ok := strings.CutPrefix(u.Key, "ok/")
		if !ok {
			return nil, &chat.Error{Kind: chat.ErrNotFound, Message: "upload not found"}
		}
		out = append(out, chat.Attachment{ID: "id-" + u.Key, Filename: name, Size: u.Size, ContentType: u.ContentType})
	}
	return out, nil
}

func (f *fakeFiles) Settle(_ context.Context, ups []chat.Upload) { f.settled = append(f.settled, ups) }

func (f *fakeFiles) Discard(_ context.Context, cid string, _ []chat.Attachment) {
	f.discards = append(f.discards, cid)
}

func withFiles(t *testing.T) (*env, *fakeFiles) {
	t.Helper()
	e := newEnv(t)
	files := &fakeFiles{}
	e.svc = newService(t, e.store, e.push, chat.Options{ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"}, SocketFrames: e.frames, Files: files})
	return e, files
}

var shot = chat.Upload{Key: "ok/shot.png", Size: 10, ContentType: "image/png"}

// TestMessageWithFiles: a message's uploads are committed to the
// conversation it is written to, before it is written, and carried by it;
// its uploads go once it is stored; with files the text may be empty.
func TestMessageWithFiles(t *testing.T) {
	e, files := withFiles(t)
	clientID := uuid.NewString()
	m, err := e.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: clientID, Attachments: []chat.Upload{shot}})
	if err != nil {
		t.Fatal(err)
	}
	want := []chat.Attachment{{ID: "id-ok/shot.png", Filename: "shot.png", Size: 10, ContentType: "image/png"}}
	if diff := cmp.Diff(want, m.Attachments); diff != "" {
		t.Errorf("message's files (-want +got):\n%s", diff)
	}
	if len(files.commits) != 1 || files.commits[0].ConversationID != m.ConversationID || files.commits[0].Scope != "" ||
		files.commits[0].By.ID != vis.ID || files.commits[0].ChannelID != "main" {
		t.Errorf("commits = %+v, want one by the visitor, unscoped, into %s", files.commits, m.ConversationID)
	}
	if len(files.settled) != 1 {
		t.Errorf("uploads settled %d times, want once", len(files.settled))
	}
	conv := e.store.convs[m.ConversationID]
	if conv.Preview != "📎 shot.png" {
		t.Errorf("preview = %q, want the file's name", conv.Preview)
	}

	// A retry stores nothing and commits nothing: its uploads are gone.
	again, err := e.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: clientID, Attachments: []chat.Upload{shot}})
	if err != nil || again.Seq != m.Seq || len(e.store.msgs[m.ConversationID]) != 1 {
		t.Fatalf("retry = %+v, %v; want the stored message", again, err)
	}
	if len(files.commits) != 1 {
		t.Errorf("a retry committed again: %d commits", len(files.commits))
	}
	// The same client id with other files, or the same upload declared
	// otherwise, is another request: refused, nothing committed.
	for name, ups := range map[string][]chat.Upload{
		"other files":   {{Key: "ok/other.pdf", Size: 1, ContentType: "application/pdf"}},
		"another size":  {{Key: shot.Key, Size: 11, ContentType: shot.ContentType}},
		"one more file": {shot, shot},
	} {
		_, err = e.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: clientID, Attachments: ups})
		if !errors.Is(err, chat.ErrClientIDReused) {
			t.Errorf("same client id, %s = %v, want ClientIDReused", name, err)
		}
	}
	if len(files.commits) != 1 {
		t.Errorf("a reused client id committed: %d commits", len(files.commits))
	}

	// To an existing conversation, scoped to it; an agent's reply too.
	m2, err := e.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), ConversationID: m.ConversationID, Body: "and this", Attachments: []chat.Upload{shot}})
	if err != nil || m2.Seq != 2 || len(m2.Attachments) != 1 {
		t.Fatalf("second message = %+v, %v", m2, err)
	}
	if c := files.commits[len(files.commits)-1]; c.Scope != m.ConversationID || c.ConversationID != m.ConversationID {
		t.Errorf("commit = %+v, want scoped to and into %s", c, m.ConversationID)
	}
	r, created, err := e.svc.Reply(t.Context(), ann, m.ConversationID, chat.SendInput{ClientID: uuid.NewString(), Attachments: []chat.Upload{{Key: "ok/invoice.pdf", Size: 5, ContentType: "application/pdf"}}})
	if err != nil || !created || len(r.Attachments) != 1 || r.Attachments[0].Filename != "invoice.pdf" {
		t.Fatalf("reply = %+v, %v, %v", r, created, err)
	}
	if c := files.commits[len(files.commits)-1]; c.By.ID != ann.ID || c.Scope != m.ConversationID {
		t.Errorf("reply's commit = %+v", c)
	}
}

// TestMessageWithFilesRefused: a message whose uploads cannot be committed
// is not stored at all, nor is one with files where files are not taken,
// nor one with neither text nor files.
func TestMessageWithFilesRefused(t *testing.T) {
	e, _ := withFiles(t)
	_, err := e.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), Body: "see", Attachments: []chat.Upload{shot, {Key: "theirs/x.png", Size: 1, ContentType: "image/png"}}})
	if !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("with another's upload = %v, want not found", err)
	}
	if len(e.store.convs) != 0 {
		t.Errorf("a refused message stored %d conversations", len(e.store.convs))
	}
	plain := newEnv(t)
	if _, err := plain.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), Attachments: []chat.Upload{shot}}); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("files without a Files part = %v, want invalid", err)
	}
	for name, in := range map[string]chat.SendInput{
		"neither text nor files": {ClientID: uuid.NewString()},
		"a file without its key": {ClientID: uuid.NewString(), Attachments: []chat.Upload{{Size: 1, ContentType: "image/png"}}},
		"a file of no size":      {ClientID: uuid.NewString(), Attachments: []chat.Upload{{Key: "ok/a.png", ContentType: "image/png"}}},
		"eleven files":           {ClientID: uuid.NewString(), Attachments: make([]chat.Upload, chat.MaxUploadsPerMessage+1)},
	} {
		if _, err := e.svc.SendFromConnection(t.Context(), "vconn", in); !errors.Is(err, chat.ErrInvalid) {
			t.Errorf("%s = %v, want invalid", name, err)
		}
	}
	if len(e.store.convs) != 0 {
		t.Errorf("refused messages stored %d conversations", len(e.store.convs))
	}
}

// TestReplyByEmailWithFiles: the files of a reply by email are committed
// before the email is delivered, which gets them.
func TestReplyByEmailWithFiles(t *testing.T) {
	e, _ := withFiles(t)
	m := e.start(t)
	var delivered []chat.Attachment
	_, _, err := e.svc.ReplyVia(t.Context(), ann, m.ConversationID, chat.ChannelEmail,
		chat.SendInput{ClientID: uuid.NewString(), Body: "the invoice", Attachments: []chat.Upload{{Key: "ok/invoice.pdf", Size: 5, ContentType: "application/pdf"}}},
		func(_ context.Context, _ chat.Conversation, _ []chat.Message, files []chat.Attachment) (string, error) {
			delivered = files
			return "m@example.com", nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(delivered) != 1 || delivered[0].Filename != "invoice.pdf" {
		t.Errorf("delivered files %+v, want the invoice", delivered)
	}
}
