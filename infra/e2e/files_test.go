package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/bucket"
	parleymail "github.com/parleychat/parley/shared/mail"
)

// slot is an upload slot as the widget and the inbox get it.
type slot struct {
	Key         string            `json:"key"`
	URL         string            `json:"url"`
	Fields      map[string]string `json:"fields"`
	ContentType string            `json:"contentType"`
	ExpiresIn   int               `json:"expiresIn"`
	MaxBytes    int64             `json:"maxBytes"`
	MaxFiles    int               `json:"maxFiles"`
}

// upload is a message's reference to its upload.
func (s slot) upload(size int) map[string]any {
	return map[string]any{"key": s.Key, "size": size, "contentType": s.ContentType}
}

// visitorSlot asks for a visitor's upload slot (conversationID "" for a
// message that starts a conversation).
func visitorSlot(t *testing.T, v *chatclient.Visitor, conversationID, name string, size int) (slot, error) {
	t.Helper()
	in := map[string]any{"filename": name, "size": size}
	if conversationID != "" {
		in["conversationId"] = conversationID
	}
	var s slot
	err := v.Call(wait(t), http.MethodPost, "/widget/uploads", in, &s)
	return s, err
}

func agentSlot(t *testing.T, a *chatclient.Agent, conversationID, name string, size int) slot {
	t.Helper()
	var s slot
	if err := a.Call(wait(t), http.MethodPost, "/agent/conversations/"+conversationID+"/uploads", map[string]any{"filename": name, "size": size}, &s); err != nil {
		t.Fatalf("agent's slot for %s: %v", name, err)
	}
	return s
}

// postForm uploads data as a browser does: the slot's fields, changed by
// set (a "" value drops the field), then the file, to the slot's URL,
// from origin. It returns S3's answer.
func postForm(t *testing.T, s slot, data []byte, set map[string]string) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fields := map[string]string{}
	for k, v := range s.Fields {
		fields[k] = v
	}
	for k, v := range set {
		fields[k] = v
	}
	for k, v := range fields {
		if v != "" {
			_ = mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", "upload.bin")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, err := http.NewRequestWithContext(wait(t), http.MethodPost, s.URL, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", widgetOrigin())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// uploadFile gets a slot and uploads data through it.
func uploadFile(t *testing.T, v *chatclient.Visitor, conversationID, name string, data []byte) slot {
	t.Helper()
	s, err := visitorSlot(t, v, conversationID, name, len(data))
	if err != nil {
		t.Fatalf("slot for %s: %v", name, err)
	}
	if status, body := postForm(t, s, data, nil); status != http.StatusNoContent {
		t.Fatalf("upload of %s = %d %s", name, status, body)
	}
	return s
}

// sendFiles sends a message with uploads over a socket and returns the
// frame that answers it (the stored message, or the refusal).
func sendFiles(t *testing.T, s *chatclient.Socket, clientID, conversationID, body string, uploads ...map[string]any) chatclient.Frame {
	t.Helper()
	f := map[string]any{"action": "sendMessage", "clientId": clientID, "body": body, "attachments": uploads}
	if conversationID != "" {
		f["conversationId"] = conversationID
	}
	if err := s.Send(wait(t), f); err != nil {
		t.Fatal(err)
	}
	got, err := s.Next(wait(t), func(fr chatclient.Frame) bool {
		if fr.Type == "error" {
			return fr.ClientID == clientID
		}
		m, err := fr.Msg()
		return err == nil && m.ClientID == clientID
	})
	if err != nil {
		t.Fatalf("no answer to message %s: %v", clientID, err)
	}
	return got
}

type fileInfo struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
	Inline      bool   `json:"inline"`
}

func filesOf(t *testing.T, f chatclient.Frame) []fileInfo {
	t.Helper()
	var m struct {
		Attachments []fileInfo `json:"attachments"`
	}
	if err := json.Unmarshal(f.Message, &m); err != nil {
		t.Fatalf("frame %s: %v", f.Raw, err)
	}
	return m.Attachments
}

type download struct {
	URL       string `json:"url"`
	ExpiresIn int    `json:"expiresIn"`
	Filename  string `json:"filename"`
	Inline    bool   `json:"inline"`
}

// fetchURL GETs a download URL and returns the answer.
func fetchURL(t *testing.T, u string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

var pngBytes = []byte("\x89PNG\r\n\x1a\n a screenshot")

// TestFilesUploadAndCommit: a visitor's screenshot goes straight to S3
// under a slot's policy and becomes a file of the conversation its message
// starts; the message carries it, the agent sees it, the visitor downloads
// it from the S3 origin (an image, shown inline, with nosniff), and the
// upload itself is gone. An agent's PDF comes the other way and downloads
// as a plain file; nobody else gets either.
func TestFilesUploadAndCommit(t *testing.T) {
	visitor := newVisitor(t)
	tab := connect(t, visitor)
	s := uploadFile(t, visitor, "", "Screen Shot 1.png", pngBytes)
	if !strings.HasPrefix(s.Key, "uploads/new/v-"+visitor.ID+"/") || s.ContentType != "image/png" || s.MaxBytes != 10<<20 || s.MaxFiles != 5 {
		t.Fatalf("slot = %+v", s)
	}
	mailBucket := bucketName(t)
	if _, ok := cloud.S3().Get(mailBucket, s.Key); !ok {
		t.Fatalf("the upload is not in the bucket under %s", s.Key)
	}
	f := sendFiles(t, tab, uuid.NewString(), "", "", s.upload(len(pngBytes)))
	if f.Type != "message" {
		t.Fatalf("message with a file answered %s", f.Raw)
	}
	conv := f.ConversationID
	files := filesOf(t, f)
	if len(files) != 1 || files[0].Filename != "Screen Shot 1.png" || files[0].Size != int64(len(pngBytes)) || files[0].ContentType != "image/png" || !files[0].Inline {
		t.Fatalf("files = %+v", files)
	}
	if _, ok := cloud.S3().Get(mailBucket, s.Key); ok {
		t.Errorf("the upload %s is still there after its message was stored", s.Key)
	}
	if keys := cloud.S3().Keys(mailBucket, "attachments/"+conv+"/"); len(keys) != 1 {
		t.Errorf("the conversation's folder holds %v, want the one file", keys)
	}

	alice := newAgent(t, "alice")
	th := getThread(t, alice, conv)
	if len(th.Messages) != 1 || th.Conversation.ID != conv {
		t.Fatalf("agent's thread = %+v", th)
	}
	var d download
	if err := visitor.Call(wait(t), http.MethodPost, "/widget/conversations/"+conv+"/attachments/"+files[0].ID, nil, &d); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.URL, cloud.S3URL()+"/") || !d.Inline || d.ExpiresIn > 900 {
		t.Fatalf("visitor's download = %+v, want a short-lived URL on the S3 origin %s", d, cloud.S3URL())
	}
	status, h, body := fetchURL(t, d.URL)
	if status != 200 || !bytes.Equal(body, pngBytes) || h.Get("Content-Type") != "image/png" || !strings.HasPrefix(h.Get("Content-Disposition"), "inline") ||
		h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("GET the visitor's download = %d %v", status, h)
	}

	// The agent answers with a PDF over the HTTP route; the visitor gets
	// it as a plain file.
	pdf := []byte("%PDF-1.4 an invoice")
	as := agentSlot(t, alice, conv, "Invoice 42.pdf", len(pdf))
	if status, body := postForm(t, as, pdf, nil); status != http.StatusNoContent {
		t.Fatalf("agent's upload = %d %s", status, body)
	}
	var reply struct {
		Message struct {
			Attachments []fileInfo `json:"attachments"`
		} `json:"message"`
	}
	if err := alice.Call(wait(t), http.MethodPost, "/agent/conversations/"+conv+"/messages",
		map[string]any{"clientId": uuid.NewString(), "body": "Your invoice", "attachments": []any{as.upload(len(pdf))}}, &reply); err != nil {
		t.Fatal(err)
	}
	if len(reply.Message.Attachments) != 1 || reply.Message.Attachments[0].Inline {
		t.Fatalf("reply's files = %+v", reply.Message.Attachments)
	}
	heard, err := tab.Next(wait(t), func(fr chatclient.Frame) bool {
		m, err := fr.Msg()
		return err == nil && m.Body == "Your invoice"
	})
	if err != nil {
		t.Fatal(err)
	}
	pdfFile := filesOf(t, heard)[0]
	if err := visitor.Call(wait(t), http.MethodPost, "/widget/conversations/"+conv+"/attachments/"+pdfFile.ID, nil, &d); err != nil {
		t.Fatal(err)
	}
	status, h, body = fetchURL(t, d.URL)
	if status != 200 || !bytes.Equal(body, pdf) || h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
		t.Errorf("GET the visitor's PDF = %d %v", status, h)
	}

	// Another visitor's download of this conversation's file answers as an
	// unknown one does.
	stranger := newVisitor(t)
	fs, fb := rawCall(t, "POST", "/widget/conversations/"+conv+"/attachments/"+files[0].ID, widgetOrigin(), stranger.Token, "")
	us, ub := rawCall(t, "POST", "/widget/conversations/"+uuid.NewString()+"/attachments/"+files[0].ID, widgetOrigin(), stranger.Token, "")
	if fs != http.StatusNotFound || fs != us || fb != ub {
		t.Errorf("a stranger's download: %d %s; unknown: %d %s; want the same 404", fs, fb, us, ub)
	}
	// In the visitor's own conversation, an id of another conversation's
	// file is unknown like any other.
	_, strangers, _ := startConversation(t, stranger, "my own thread")
	for _, id := range []string{pdfFile.ID, b64url(uuid.NewString() + "/1-x.png")} {
		st, sb := rawCall(t, "POST", "/widget/conversations/"+strangers+"/attachments/"+id, widgetOrigin(), stranger.Token, "")
		if st != http.StatusNotFound || sb != `{"error":{"code":"not_found","message":"attachment not found"}}` {
			t.Errorf("file %s in another's own conversation: %d %s", id, st, sb)
		}
	}
}

// bucketName is the local S3's mail bucket (the one with the uploads rule).
func bucketName(t *testing.T) string {
	t.Helper()
	for name, cfg := range cloud.Model().Mail.BucketConfigs {
		for _, r := range cfg.Expiration {
			if r.Prefix == "uploads/" {
				return name
			}
		}
	}
	t.Fatal("no bucket expires uploads/")
	return ""
}

// TestFilesPolicyViolations: S3 itself refuses an upload that is not the
// one its slot was signed for: bigger or smaller than declared, of another
// type, under another key, with a field the policy does not name, or once
// the policy expired. What the server can tell is refused before any slot
// is signed.
func TestFilesPolicyViolations(t *testing.T) {
	visitor := newVisitor(t)
	data := []byte("0123456789")
	tests := []struct {
		name   string
		data   []byte
		set    map[string]string
		status int
		code   string
	}{
		{"bigger than declared", append(data, 'x'), nil, http.StatusBadRequest, "EntityTooLarge"},
		{"smaller than declared", data[:9], nil, http.StatusBadRequest, "EntityTooSmall"},
		{"another content type", data, map[string]string{"Content-Type": "text/html"}, http.StatusForbidden, "AccessDenied"},
		{"another key", data, map[string]string{"key": "uploads/new/v-someone/x/evil.html"}, http.StatusForbidden, "AccessDenied"},
		{"a field the policy does not name", data, map[string]string{"x-amz-meta-owner": "eve"}, http.StatusForbidden, "AccessDenied"},
		{"no policy", data, map[string]string{"policy": ""}, http.StatusForbidden, "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := visitorSlot(t, visitor, "", "notes.txt", len(data))
			if err != nil {
				t.Fatal(err)
			}
			status, body := postForm(t, s, tt.data, tt.set)
			if status != tt.status || !strings.Contains(body, "<Code>"+tt.code+"</Code>") {
				t.Errorf("= %d %s, want %d %s", status, body, tt.status, tt.code)
			}
			if _, ok := cloud.S3().Get(bucketName(t), s.Key); ok {
				t.Errorf("a refused upload is stored under %s", s.Key)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		s, err := visitorSlot(t, visitor, "", "notes.txt", len(data))
		if err != nil {
			t.Fatal(err)
		}
		cloud.Advance(16 * time.Minute)
		if status, body := postForm(t, s, data, nil); status != http.StatusForbidden || !strings.Contains(body, "Policy expired") {
			t.Errorf("= %d %s, want 403 Policy expired", status, body)
		}
	})
	t.Run("refused before signing", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			size   int
			status int
		}{{"setup.exe", 10, 400}, {"big.pdf", 10<<20 + 1, 413}, {"empty.pdf", 0, 400}, {"noextension", 10, 400}} {
			_, err := visitorSlot(t, visitor, "", tt.name, tt.size)
			var apiErr *chatclient.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != tt.status {
				t.Errorf("slot for %s (%d bytes) = %v, want %d", tt.name, tt.size, err, tt.status)
			}
		}
	})
}

// TestFilesCommitRefusals: a message naming another visitor's upload, an
// upload made for another conversation, or one that is not there is
// refused and stores nothing; the same message sent again with its client
// id is stored once.
func TestFilesCommitRefusals(t *testing.T) {
	ada, eve := newVisitor(t), newVisitor(t)
	adaTab, adaConv, _ := startConversation(t, ada, "hello from ada")
	eveTab, eveConv, _ := startConversation(t, eve, "hello from eve")

	adas := uploadFile(t, ada, adaConv, "ada.png", pngBytes)
	eves := uploadFile(t, eve, eveConv, "eve.png", pngBytes)
	// A slot whose upload never happened.
	missing, err := visitorSlot(t, ada, adaConv, "never.png", len(pngBytes))
	if err != nil {
		t.Fatal(err)
	}
	// Ada's upload for eve's conversation: ada cannot reach it, so the
	// slot is refused; an upload for a conversation of ada's own is not
	// good for another of ada's either.
	if _, err := visitorSlot(t, ada, eveConv, "x.png", 10); err == nil {
		t.Error("a slot was signed for a conversation the visitor cannot reach")
	}
	_, adaOther, _ := startConversation(t, ada, "another thread of ada's")
	forOther := uploadFile(t, ada, adaOther, "other.png", pngBytes)

	before := len(getThread(t, newAgent(t, "alice"), adaConv).Messages)
	for name, up := range map[string]map[string]any{
		"another visitor's upload":           eves.upload(len(pngBytes)),
		"a missing upload":                   missing.upload(len(pngBytes)),
		"another size than uploaded":         adas.upload(len(pngBytes) - 1),
		"an upload for another conversation": forOther.upload(len(pngBytes)),
	} {
		t.Run(name, func(t *testing.T) {
			f := sendFiles(t, adaTab, uuid.NewString(), adaConv, "look", up)
			if f.Type != "error" || (f.Code != "not_found" && f.Code != "invalid_request") {
				t.Errorf("answer = %s, want a refusal", f.Raw)
			}
		})
	}
	// A refused first message starts no conversation.
	f := sendFiles(t, eveTab, uuid.NewString(), "", "", adas.upload(len(pngBytes)))
	if f.Type != "error" || f.Code != "not_found" {
		t.Errorf("eve sending ada's upload = %s, want not_found", f.Raw)
	}
	alice := newAgent(t, "alice")
	if n := len(getThread(t, alice, adaConv).Messages); n != before {
		t.Errorf("ada's conversation has %d messages after the refusals, want %d", n, before)
	}
	if _, ok := cloud.S3().Get(bucketName(t), adas.Key); !ok {
		t.Error("a refused message removed the sender's own upload")
	}

	// Sent twice with one client id (a retry after a lost answer): stored once.
	clientID := uuid.NewString()
	first := sendFiles(t, adaTab, clientID, adaConv, "twice", adas.upload(len(pngBytes)))
	second := sendFiles(t, adaTab, clientID, adaConv, "twice", adas.upload(len(pngBytes)))
	m1, err1 := first.Msg()
	m2, err2 := second.Msg()
	if err1 != nil || err2 != nil || m1.Seq != m2.Seq {
		t.Fatalf("first %s, retry %s: want the same stored message", first.Raw, second.Raw)
	}
	if n := countBodies(getThread(t, alice, adaConv).Messages, "twice"); n != 1 {
		t.Errorf("the message is stored %d times", n)
	}
	if files := filesOf(t, second); len(files) != 1 || files[0].Filename != "ada.png" {
		t.Errorf("the retry's answer carries %+v, want the stored file", files)
	}
}

// TestFilesUncommittedExpire: an upload no message commits is removed by
// the uploads folder's lifecycle rule, and a message naming it then is
// refused.
func TestFilesUncommittedExpire(t *testing.T) {
	visitor := newVisitor(t)
	tab := connect(t, visitor)
	s := uploadFile(t, visitor, "", "forgotten.png", pngBytes)
	bucket := bucketName(t)
	if _, ok := cloud.S3().Get(bucket, s.Key); !ok {
		t.Fatal("the upload is not there")
	}
	cloud.Advance(49 * time.Hour)
	if _, ok := cloud.S3().Get(bucket, s.Key); ok {
		t.Fatalf("the upload %s outlived its lifecycle rule", s.Key)
	}
	if f := sendFiles(t, tab, uuid.NewString(), "", "", s.upload(len(pngBytes))); f.Type != "error" || f.Code != "not_found" {
		t.Errorf("a message naming an expired upload = %s, want not_found", f.Raw)
	}
}

// TestFilesByEmail: an agent's reply by email carries a small file as a
// MIME attachment and a large one as a link; the link's page trades it for
// the file; the transcript lists the files with links.
func TestFilesByEmail(t *testing.T) {
	visitor := newVisitor(t)
	tab, conv, _ := startConversation(t, visitor, "Send me the invoice please")
	addr := "files-" + uuid.NewString()[:8] + "@visitor.test"
	if err := visitor.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": addr, "name": "Fay"}, nil); err != nil {
		t.Fatal(err)
	}
	confirmAddress(t, addr)
	tab.Close()
	alice := newAgent(t, "alice")
	small := []byte("%PDF-1.4 the invoice")
	large := bytes.Repeat([]byte("z"), 5<<20+1)
	ss := agentSlot(t, alice, conv, "invoice.pdf", len(small))
	ls := agentSlot(t, alice, conv, "archive.zip", len(large))
	for _, u := range []struct {
		s    slot
		data []byte
	}{{ss, small}, {ls, large}} {
		if status, body := postForm(t, u.s, u.data, nil); status != http.StatusNoContent {
			t.Fatalf("upload = %d %s", status, body)
		}
	}
	tag := uuid.NewString()[:8]
	if err := alice.Call(wait(t), http.MethodPost, "/agent/conversations/"+conv+"/messages", map[string]any{
		"clientId": uuid.NewString(), "body": "Here it is " + tag, "channel": "email",
		"attachments": []any{ss.upload(len(small)), ls.upload(len(large))},
	}, nil); err != nil {
		t.Fatal(err)
	}
	var sent mailboxMessage
	eventually(t, "the reply is in the mailbox", func() error {
		for _, m := range mailTo(t, addr, "") {
			if strings.Contains(m.Text, tag) {
				sent = m
				return nil
			}
		}
		return errors.New("not yet")
	})
	parts := mimeAttachments(t, sent.Raw)
	if len(parts) != 1 || parts["invoice.pdf"] != string(small) {
		t.Errorf("attachments of the email = %v, want the invoice only", keysOf(parts))
	}
	link := linkIn(t, sent.Text, "archive.zip")
	if !strings.HasPrefix(link, widgetOrigin()+"/widget/file.html#") {
		t.Fatalf("link %q is not the widget's file page", link)
	}
	token := strings.SplitN(link, "#", 2)[1]
	var d download
	if status, body := rawCall(t, "POST", "/widget/downloads", widgetOrigin(), "", `{"token":"`+token+`"}`); status != 200 || json.Unmarshal([]byte(body), &d) != nil {
		t.Fatalf("POST /widget/downloads = %d %s", status, body)
	}
	if status, _, body := fetchURL(t, d.URL); status != 200 || len(body) != len(large) || d.Filename != "archive.zip" {
		t.Errorf("the link's file = %d, %d bytes, %q", status, len(body), d.Filename)
	}
	for name, tok := range map[string]string{"forged": token[:len(token)-3] + "AAA", "garbage": "x"} {
		if status, body := rawCall(t, "POST", "/widget/downloads", widgetOrigin(), "", `{"token":"`+tok+`"}`); status != http.StatusNotFound {
			t.Errorf("%s token = %d %s, want 404", name, status, body)
		}
	}

	// The transcript on close lists both with links.
	if _, err := alice.Act(wait(t), conv, "close", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the transcript is in the mailbox", func() error {
		for _, m := range mailTo(t, addr, "Transcript") {
			if strings.Contains(m.Text, tag) {
				for _, name := range []string{"invoice.pdf", "archive.zip"} {
					if !strings.Contains(m.Text, "[file] "+name) || linkIn(t, m.Text, name) == "" {
						return fmt.Errorf("the transcript does not link %s:\n%s", name, m.Text)
					}
				}
				return nil
			}
		}
		return errors.New("not yet")
	})
}

// linkIn finds the link of a file in an email's text ("" if none).
func linkIn(t *testing.T, text, name string) string {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "[file] "+name); ok {
			if _, u, ok := strings.Cut(rest, ": "); ok {
				if _, err := url.Parse(u); err == nil {
					return strings.TrimSpace(u)
				}
			}
		}
	}
	return ""
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// mimeAttachments are the files a raw email carries, by name.
func mimeAttachments(t *testing.T, raw string) map[string]string {
	t.Helper()
	in, err := parleymail.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range in.Attachments {
		out[a.Filename] = string(a.Data)
	}
	return out
}

// TestFilesDeletedWithConversation: deleting a conversation's files (what
// retention and erasure call) removes every file of it, committed or
// waiting, through the real S3 API, and nothing of another conversation;
// its downloads then answer like unknown ones.
func TestFilesDeletedWithConversation(t *testing.T) {
	v := newVisitor(t)
	tab, conv, _ := startConversation(t, v, "files to forget")
	kept := uploadFile(t, v, conv, "kept.png", pngBytes)
	waiting := uploadFile(t, v, conv, "waiting.png", pngBytes)
	f := sendFiles(t, tab, uuid.NewString(), conv, "", kept.upload(len(pngBytes)))
	other := newVisitor(t)
	otherTab, otherConv, _ := startConversation(t, other, "files to keep")
	sendFiles(t, otherTab, uuid.NewString(), otherConv, "", uploadFile(t, other, otherConv, "theirs.png", pngBytes).upload(len(pngBytes)))

	name := bucketName(t)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	objects, err := bucket.New(cfg, aws.String(cloud.S3URL()), name, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	files, err := attachment.NewBucket(objects, attachment.DefaultLimits{MaxBytes: 10 << 20, MaxFiles: 5})
	if err != nil {
		t.Fatal(err)
	}
	n, err := files.DeleteConversation(wait(t), conv)
	if err != nil || n != 2 {
		t.Fatalf("DeleteConversation = %d, %v; want the file and the waiting upload", n, err)
	}
	if left := append(cloud.S3().Keys(name, "attachments/"+conv+"/"), cloud.S3().Keys(name, "uploads/"+conv+"/")...); len(left) != 0 {
		t.Errorf("left after the deletion: %v", left)
	}
	if _, ok := cloud.S3().Get(name, waiting.Key); ok {
		t.Error("the waiting upload survived")
	}
	if left := cloud.S3().Keys(name, "attachments/"+otherConv+"/"); len(left) != 1 {
		t.Errorf("another conversation's files = %v, want its one file kept", left)
	}
	status, body := rawCall(t, "POST", "/widget/conversations/"+conv+"/attachments/"+filesOf(t, f)[0].ID, widgetOrigin(), v.Token, "")
	if status != http.StatusNotFound || !strings.Contains(body, "attachment not found") {
		t.Errorf("download of a deleted file = %d %s, want 404", status, body)
	}
}

// TestFilesChannelLimits: a channel whose admin set its own file limits
// signs slots within them and says them; a message with more files than
// the channel takes is refused and stores nothing. The default channel
// keeps the deployment's limits.
func TestFilesChannelLimits(t *testing.T) {
	admin := newAgent(t, "alice")
	ch := newChannel(t, admin, "Files "+uuid.NewString()[:8])
	ch["files"] = map[string]any{"maxMegabytes": 1, "perMessage": 2}
	putChannel(t, admin, ch)
	pastTheCaches(t)

	v, _, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), ch["id"].(string), "")
	if err != nil {
		t.Fatal(err)
	}
	var apiErr *chatclient.APIError
	if _, err := visitorSlot(t, v, "", "big.pdf", 1<<20+1); !errors.As(err, &apiErr) || apiErr.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("slot for a file over the channel's 1 MB = %v, want 413", err)
	}
	s, err := visitorSlot(t, v, "", "small.pdf", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if s.MaxBytes != 1<<20 || s.MaxFiles != 2 {
		t.Errorf("slot says limits %d bytes, %d files; want the channel's 1 MB, 2 files", s.MaxBytes, s.MaxFiles)
	}

	tab, conv, _ := startConversation(t, v, "three files coming")
	var ups []map[string]any
	for _, name := range []string{"a.png", "b.png", "c.png"} {
		ups = append(ups, uploadFile(t, v, conv, name, pngBytes).upload(len(pngBytes)))
	}
	before := len(getThread(t, admin, conv).Messages)
	if f := sendFiles(t, tab, uuid.NewString(), conv, "three", ups...); f.Type != "error" || f.Code != "invalid_request" {
		t.Errorf("a message with 3 files on a channel that takes 2 = %s, want invalid_request", f.Raw)
	}
	if n := len(getThread(t, admin, conv).Messages); n != before {
		t.Errorf("the refused message stored something: %d messages, want %d", n, before)
	}

	main, err := visitorSlot(t, newVisitor(t), "", "big.pdf", 1<<20+1)
	if err != nil || main.MaxBytes != 10<<20 || main.MaxFiles != 5 {
		t.Errorf("the default channel's slot = %+v, %v; want the deployment's 10 MB, 5 files", main, err)
	}
}
