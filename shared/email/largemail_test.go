package email_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail/mailtest"
)

// jpeg is n bytes of a file whose bytes depend on their place, so a file
// stored cut or out of order does not compare equal.
func jpeg(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*5 + i>>16)
	}
	return b
}

// storedFile is the file of the fixture's conversation stored under a
// name, or nil.
func storedFile(f *fixture, name string) []byte {
	for k, v := range f.s3.objects {
		if strings.HasPrefix(k, "attachments/"+fixtureConversation+"/") && strings.HasSuffix(k, "-"+name) {
			return v
		}
	}
	return nil
}

// TestLargeMailPostsItsText: a customer's reply of more than 10 MB (one
// photo from a phone is, base64-encoded) is posted with its text; each file
// of up to 10 MB is kept and each larger one noted under the text. Only a
// mail over SES's 40 MB, or whose text alone is over 10 MB, is
// quarantined, with a reason that says so.
func TestLargeMailPostsItsText(t *testing.T) {
	photo, scan := jpeg(8<<20), jpeg(12<<20)
	const text = "Here is the photo of the label, the tracking number is 4711."
	header := []string{"From: Ada Lovelace <ada@visitor.test>", "To: x", "Subject: Re: Your conversation", "Message-ID: <big-1@visitor.test>"}
	// The parts the mails are made of, each encoded once.
	plain := mailtest.Text(text)
	photoPart, scanPart := mailtest.File("label.jpg", "image/jpeg", photo), mailtest.File("scan.tiff", "image/tiff", scan)
	// damaged is the photo as a relay may pass it on: stray characters
	// in its lines and a footer after its padding.
	damaged := photoPart
	damaged.Body = strings.ReplaceAll(damaged.Body, "A\r\n", "A *\r\n") + "\r\n-- \r\nScanned by MailGuard\r\n"
	mixed := func(parts ...mailtest.Part) string {
		return mailtest.Mail(header, mailtest.Multipart("mixed", parts...))
	}
	tests := []struct {
		name           string
		raw            string
		wantBody       string
		wantFiles      []string
		wantQuarantine string
	}{{
		name: "15 MB: the text in two forms, a photo of 8 MB and a file of 3 MB",
		raw: mixed(mailtest.Multipart("alternative", plain, mailtest.HTML("<p>"+text+"</p>")),
			photoPart, mailtest.File("invoice.pdf", "application/pdf", jpeg(3<<20))),
		wantBody:  text,
		wantFiles: []string{"label.jpg (8388608 bytes)", "invoice.pdf (3145728 bytes)"},
	}, {
		name:      "a file of 12 MB beside a small one",
		raw:       mixed(plain, scanPart, mailtest.File("note.pdf", "application/pdf", []byte("%PDF-1.7"))),
		wantBody:  text + "\n\n[attachment scan.tiff was larger than 10 MB and not kept]",
		wantFiles: []string{"note.pdf (8 bytes)"},
	}, {
		name: "nested: text and HTML with the photo inline, beside a file of 12 MB",
		raw: mixed(mailtest.Multipart("related",
			mailtest.Multipart("alternative", plain, mailtest.HTML(`<p><img src="cid:label"></p>`)), photoPart), scanPart),
		wantBody:  text + "\n\n[attachment scan.tiff was larger than 10 MB and not kept]",
		wantFiles: []string{"label.jpg (8388608 bytes)"},
	}, {
		name:      "the photo's base64 damaged by a relay",
		raw:       mixed(plain, damaged),
		wantBody:  text,
		wantFiles: []string{"label.jpg (8388608 bytes)"},
	}, {
		name:           "over 40 MB",
		raw:            mixed(plain, photoPart, photoPart, photoPart, photoPart),
		wantQuarantine: "the mail could not be read: the message is larger than 40 MB",
	}, {
		name:           "text alone over 10 MB",
		raw:            mailtest.Mail(header, mailtest.Text(strings.Repeat("All work and no play.\n", 11<<20/22))),
		wantQuarantine: "the mail could not be read: the text of the message is larger than 10 MB",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			f.conversation(t, true)
			out := receiveRaw(t, f, replyAddress(t, fixtureConversation), tt.raw)
			if tt.wantQuarantine != "" {
				q, err := f.email.Quarantine(t.Context(), f.agent, 10)
				if err != nil {
					t.Fatal(err)
				}
				if out.Quarantined != tt.wantQuarantine || len(q) != 1 || q[0].Reason != tt.wantQuarantine {
					t.Fatalf("outcome %+v, quarantine %+v; want it quarantined: %s", out, q, tt.wantQuarantine)
				}
				// Refused for its size, it still says who sent it and
				// what about, and nothing of its body.
				if q[0].From != "ada@visitor.test" || q[0].Subject != "Re: Your conversation" || q[0].Preview != "" {
					t.Errorf("quarantined as from %q, subject %q, preview %q; want the sender and subject only", q[0].From, q[0].Subject, q[0].Preview)
				}
				return
			}
			if out.Quarantined != "" {
				t.Fatalf("a mail of %d bytes quarantined: %s", len(tt.raw), out.Quarantined)
			}
			last := lastEmailed(t, f)
			var files []string
			for _, a := range last.Attachments {
				files = append(files, fmt.Sprintf("%s (%d bytes)", a.Filename, a.Size))
			}
			if diff := cmp.Diff(tt.wantBody, last.Body); diff != "" {
				t.Errorf("posted body (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantFiles, files); diff != "" {
				t.Errorf("posted files (-want +got):\n%s", diff)
			}
			if got := storedFile(f, "label.jpg"); strings.Contains(tt.wantFiles[0], "label.jpg") && !bytes.Equal(got, photo) {
				t.Errorf("the stored photo is %d bytes, not the photo sent", len(got))
			}
			if got := storedFile(f, "scan.tiff"); got != nil {
				t.Errorf("the file over 10 MB was stored (%d bytes)", len(got))
			}
		})
	}
}

// TestLargeMailStartsAConversation: mail of more than 10 MB to the support
// address starts a conversation with its text; the note on a file over
// 10 MB follows with the files kept, as files do for a new conversation.
func TestLargeMailStartsAConversation(t *testing.T) {
	f := setup(t)
	raw := mailtest.Mail([]string{"From: Bob <bob@visitor.test>", "To: support@reply.example.com", "Subject: Broken parcel", "Message-ID: <bob-big@visitor.test>"},
		mailtest.Multipart("mixed", mailtest.Text("The parcel arrived broken, photos attached."),
			mailtest.File("box.jpg", "image/jpeg", jpeg(12<<20)), mailtest.File("label.jpg", "image/jpeg", jpeg(1<<20))))
	out := receiveRaw(t, f, "support@reply.example.com", raw)
	if out.Quarantined != "" || out.ConversationID == "" {
		t.Fatalf("outcome %+v, want a new conversation", out)
	}
	_, msgs, err := f.chat.Thread(t.Context(), out.ConversationID, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		line := m.Body
		for _, a := range m.Attachments {
			line += fmt.Sprintf(" + %s (%d bytes)", a.Filename, a.Size)
		}
		got = append(got, line)
	}
	want := []string{"The parcel arrived broken, photos attached.", "[attachment box.jpg was larger than 10 MB and not kept] + label.jpg (1048576 bytes)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

// cutMailbox serves raw mail whose reading fails after half of it, as a
// connection to S3 that is lost.
type cutMailbox struct{ *fakeMailbox }

var errConnectionLost = errors.New("s3: connection reset")

func (c cutMailbox) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := c.fakeMailbox.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	raw, _ := io.ReadAll(r)
	return io.NopCloser(io.MultiReader(bytes.NewReader(raw[:len(raw)/2]), failingReader{errConnectionLost})), nil
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// TestMailReadHalfWayIsReadAgain: a mail whose reading from S3 fails half
// way is neither posted cut nor quarantined: Receive fails, and Lambda
// delivers the event again.
func TestMailReadHalfWayIsReadAgain(t *testing.T) {
	f := setup(t)
	f.conversation(t, true)
	svc := email.New(f.chat, f.store, f.channels, f.tokens, f.cfg, email.Options{ChannelID: "main", Sender: f.ses, Mailbox: cutMailbox{f.s3}})
	f.s3.objects["inbound/cut0001"] = []byte(mailtest.Mail([]string{"From: Ada Lovelace <ada@visitor.test>", "Subject: Re: Your conversation"},
		mailtest.Multipart("mixed", mailtest.Text("The photo."), mailtest.File("label.jpg", "image/jpeg", jpeg(1<<20)))))
	before := stream(t, f, fixtureConversation)
	_, err := svc.Receive(t.Context(), email.Received{SESMessageID: "cut0001", Recipients: []string{replyAddress(t, fixtureConversation)},
		Verdicts: email.Verdicts{SPF: "PASS", DKIM: "PASS", DMARC: "PASS", Spam: "PASS", Virus: "PASS"}})
	if !errors.Is(err, errConnectionLost) {
		t.Errorf("Receive = %v, want S3's error", err)
	}
	q, qerr := f.email.Quarantine(t.Context(), f.agent, 10)
	if qerr != nil {
		t.Fatal(qerr)
	}
	if diff := cmp.Diff(before, stream(t, f, fixtureConversation)); diff != "" || len(q) != 0 {
		t.Errorf("thread changed (-before +after):\n%s\nquarantine %+v", diff, q)
	}
}
