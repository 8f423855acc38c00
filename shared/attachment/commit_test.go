package attachment

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
)

var (
	ada = chat.Principal{Role: chat.RoleVisitor, ID: "0f8fad5b-d9cb-469f-a165-70867728950e"}
	eve = chat.Principal{Role: chat.RoleVisitor, ID: "7d444840-9dc0-11d1-b245-5ffdce74fad2"}
	ann = chat.Principal{Role: chat.RoleAgent, ID: "ann@idp"}
)

// upload puts an upload of p's for scope in b, as S3 keeps it after the
// browser's POST, and returns the upload as a message names it.
func upload(b *bucket, p chat.Principal, scope, name string, size int64, ctype string) chat.Upload {
	k := uploadKey{scope: scope, uploader: uploader(p), id: uuid.NewString(), name: name}.String()
	b.put(k, size, ctype, nil)
	return chat.Upload{Key: k, Size: size, ContentType: ctype}
}

func TestCommit(t *testing.T) {
	other := uuid.NewString()
	tests := []struct {
		name    string
		by      chat.Principal
		scope   string
		uploads func(b *bucket) []chat.Upload
		want    error
	}{
		{"visitor's own, for the conversation", ada, conv, func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, ada, conv, "shot.png", 10, "image/png"), upload(b, ada, conv, "a b.pdf", 20, "application/pdf")}
		}, nil},
		{"visitor's own, made before the conversation existed", ada, "", func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, ada, newScope, "shot.png", 10, "image/png")}
		}, nil},
		{"visitor's own, made for a conversation that closed, in the one the message starts", ada, "", func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, ada, other, "shot.png", 10, "image/png"), upload(b, ada, newScope, "a.pdf", 10, "application/pdf")}
		}, nil},
		{"another visitor's, in the conversation the message starts", ada, "", func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, eve, other, "shot.png", 10, "image/png")}
		}, chat.ErrNotFound},
		{"another visitor's unscoped, in the conversation the message starts", ada, "", func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, eve, newScope, "shot.png", 10, "image/png")}
		}, chat.ErrNotFound},
		{"agent's own", ann, conv, func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, ann, conv, "invoice.pdf", 10, "application/pdf")}
		}, nil},
		{"another visitor's", ada, conv, func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, eve, conv, "shot.png", 10, "image/png")}
		}, chat.ErrNotFound},
		{"another conversation's", ada, conv, func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, ada, other, "shot.png", 10, "image/png")}
		}, chat.ErrNotFound},
		{"an agent's for another conversation", ann, conv, func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, ann, other, "invoice.pdf", 10, "application/pdf")}
		}, chat.ErrNotFound},
		{"an agent's, for a message that names no conversation", ann, "", func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, ann, other, "invoice.pdf", 10, "application/pdf")}
		}, chat.ErrNotFound},
		{"an agent's unscoped upload", ann, conv, func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, ann, newScope, "invoice.pdf", 10, "application/pdf")}
		}, chat.ErrNotFound},
		{"missing", ada, conv, func(*bucket) []chat.Upload {
			return []chat.Upload{{Key: uploadKey{scope: conv, uploader: uploader(ada), id: uuid.NewString(), name: "x.png"}.String(), Size: 1, ContentType: "image/png"}}
		}, chat.ErrNotFound},
		{"not a key the server made", ada, conv, func(*bucket) []chat.Upload {
			return []chat.Upload{{Key: "attachments/" + conv + "/m/1-x.png", Size: 1, ContentType: "image/png"}}
		}, chat.ErrNotFound},
		{"the same upload twice", ada, conv, func(b *bucket) []chat.Upload {
			u := upload(b, ada, conv, "shot.png", 10, "image/png")
			return []chat.Upload{u, u}
		}, chat.ErrNotFound},
		{"another size than uploaded", ada, conv, func(b *bucket) []chat.Upload {
			u := upload(b, ada, conv, "shot.png", 10, "image/png")
			u.Size = 9
			return []chat.Upload{u}
		}, chat.ErrInvalid},
		{"another type than its name's", ada, conv, func(b *bucket) []chat.Upload {
			u := upload(b, ada, conv, "shot.png", 10, "image/png")
			u.ContentType = "text/html"
			return []chat.Upload{u}
		}, chat.ErrInvalid},
		{"stored with another type", ada, conv, func(b *bucket) []chat.Upload {
			u := upload(b, ada, conv, "shot.png", 10, "text/html")
			u.ContentType = "image/png"
			return []chat.Upload{u}
		}, chat.ErrInvalid},
		{"over the size limit", ada, conv, func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, ada, conv, "big.pdf", limits.MaxBytes+1, "application/pdf")}
		}, chat.ErrTooLarge},
		{"too many files", ada, conv, func(b *bucket) []chat.Upload {
			var ups []chat.Upload
			for range limits.MaxFiles + 1 {
				ups = append(ups, upload(b, ada, conv, "shot.png", 10, "image/png"))
			}
			return ups
		}, chat.ErrInvalid},
		{"a good one, then another visitor's: none kept", ada, conv, func(b *bucket) []chat.Upload {
			return []chat.Upload{upload(b, ada, conv, "shot.png", 10, "image/png"), upload(b, eve, conv, "x.png", 10, "image/png")}
		}, chat.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBucket()
			files := newService(t, b).Bucket()
			ups := tt.uploads(b)
			got, err := files.Commit(t.Context(), chat.FileCommit{By: tt.by, Scope: tt.scope, ConversationID: conv, ChannelID: "main", Uploads: ups})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Commit = %v, want %v", err, tt.want)
			}
			kept := b.keys(Folder)
			if err != nil {
				if len(got) != 0 || len(kept) != 0 {
					t.Errorf("a refused commit kept files %v (%v)", got, kept)
				}
				return
			}
			var want []chat.Attachment
			var wantKeys []string
			for _, u := range ups {
				k, _ := parseUploadKey(u.Key)
				ctype, inline := typeOf(k.name)
				want = append(want, chat.Attachment{ID: encodeID(k.fileRest()), Filename: k.name, Size: u.Size, ContentType: ctype, Inline: inline})
				wantKeys = append(wantKeys, Folder+conv+"/"+k.id+"/1-"+k.name)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(sorted(wantKeys), kept); diff != "" {
				t.Errorf("files in the conversation's folder (-want +got):\n%s", diff)
			}
			// The message stored, its uploads go; the files stay.
			files.Settle(t.Context(), ups)
			if left := b.keys(UploadFolder); len(left) != 0 {
				t.Errorf("uploads left after Settle: %v", left)
			}
			if diff := cmp.Diff(sorted(wantKeys), b.keys(Folder)); diff != "" {
				t.Errorf("files after Settle (-want +got):\n%s", diff)
			}
			files.Discard(t.Context(), conv, got)
			if left := b.keys(Folder); len(left) != 0 {
				t.Errorf("files left after Discard: %v", left)
			}
		})
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// TestSlot: a slot is presigned for the key the server chose (the
// uploader's, for the conversation, the name cleaned), the exact size
// and the type the name stands for, for SlotTTL; the bucket's policy
// makes S3 hold the upload to them (shared/bucket's tests).
func TestSlot(t *testing.T) {
	b := newBucket()
	svc := newService(t, b)
	slot, err := svc.Slot(t.Context(), ada, SlotRequest{ChannelID: "main", Filename: "Screen Shot.PNG", Size: 321})
	if err != nil {
		t.Fatal(err)
	}
	want := &presigned{key: slot.Key, s: Serving{ContentType: "image/png"}, ttl: SlotTTL, size: 321}
	if diff := cmp.Diff(want, b.signed, cmp.AllowUnexported(presigned{})); diff != "" {
		t.Errorf("presigned (-want +got):\n%s", diff)
	}
	k, ok := parseUploadKey(slot.Key)
	if !ok || k.scope != newScope || k.uploader != uploader(ada) || k.name != "Screen Shot.PNG" {
		t.Errorf("key %q: want a new-conversation upload of ada's named Screen Shot.PNG", slot.Key)
	}
	if slot.Fields["Content-Type"] != "image/png" || slot.Fields["key"] != slot.Key || slot.URL == "" || slot.ExpiresIn != int(SlotTTL.Seconds()) ||
		slot.MaxBytes != limits.MaxBytes || slot.MaxFiles != limits.MaxFiles {
		t.Errorf("slot = %+v", slot)
	}
	// An agent's slot needs a conversation.
	if _, err := svc.Slot(t.Context(), ann, SlotRequest{ChannelID: "main", Filename: "a.pdf", Size: 1}); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("agent's slot without a conversation = %v, want invalid", err)
	}
	if s, err := svc.Slot(t.Context(), ann, SlotRequest{ConversationID: conv, Filename: "a.pdf", Size: 1}); err != nil || !strings.HasPrefix(s.Key, UploadFolder+conv+"/a-") {
		t.Errorf("agent's slot = %+v, %v", s, err)
	}
}

// TestDeleteConversation: every file of the conversation and its waiting
// uploads go, nothing of another conversation's; a second run removes
// nothing.
func TestDeleteConversation(t *testing.T) {
	b := newBucket()
	other := uuid.NewString()
	for _, k := range []string{
		Folder + conv + "/m1/1-a.pdf", Folder + conv + "/" + uuid.NewString() + "/1-b.png",
		UploadFolder + conv + "/v-x/" + uuid.NewString() + "/c.png",
		Folder + other + "/m1/1-a.pdf", UploadFolder + other + "/v-x/u/c.png", UploadFolder + "new/v-x/u/d.png", "inbound/raw",
	} {
		b.put(k, 1, "", nil)
	}
	files := newService(t, b).Bucket()
	n, err := files.DeleteConversation(t.Context(), conv)
	if err != nil || n != 3 {
		t.Fatalf("DeleteConversation = %d, %v; want 3 removed", n, err)
	}
	want := []string{Folder + other + "/m1/1-a.pdf", "inbound/raw", UploadFolder + "new/v-x/u/d.png", UploadFolder + other + "/v-x/u/c.png"}
	if diff := cmp.Diff(sorted(want), b.keys("")); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
	if n, err := files.DeleteConversation(t.Context(), conv); err != nil || n != 0 {
		t.Errorf("second run = %d, %v; want nothing removed", n, err)
	}
	if _, err := files.DeleteConversation(t.Context(), "../"+conv); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("a conversation id that is no UUID = %v, want invalid", err)
	}
}

// TestLinks: a link's token opens its file until it expires; a forged
// token, another secret's or an expired one opens nothing.
func TestLinks(t *testing.T) {
	b := newBucket()
	b.put(Folder+conv+"/m1/1-report.pdf", 5, "", nil)
	svc := newService(t, b)
	page, err := LinkPage("https://d1.cloudfront.net/widget/file.html")
	if err != nil {
		t.Fatal(err)
	}
	f := fileOf("m1/1-report.pdf", 5)
	links, err := NewMailLinks(svc.links, page)
	if err != nil {
		t.Fatal(err)
	}
	link := links.Link(conv, f)
	token, ok := strings.CutPrefix(link, "https://d1.cloudfront.net/widget/file.html#")
	if !ok {
		t.Fatalf("link %q is not the page with a fragment", link)
	}
	d, err := svc.Open(t.Context(), token)
	if err != nil || d.Filename != "report.pdf" || d.URL == "" {
		t.Fatalf("Open = %+v, %v", d, err)
	}
	late, err := auth.NewSigner([]byte("attachment-test-secret-01234567"), func() time.Time { return time.Now().Add(LinkTTL + time.Minute) })
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := auth.NewSigner([]byte("another-secret-another-secret-01"), nil)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := New(allow{}, svc.bucket, late)
	if err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func() error{
		"forged":         func() error { _, err := svc.Open(t.Context(), token[:len(token)-2]+"AA"); return err },
		"another secret": func() error { _, err := svc.Open(t.Context(), stranger.FileLink(conv, f.ID, LinkTTL)); return err },
		"expired":        func() error { _, err := expired.Open(t.Context(), token); return err },
		"erased file": func() error {
			_, err := svc.Open(t.Context(), strings.TrimPrefix(links.Link(conv, fileOf("m1/2-gone.pdf", 1)), page.String()+"#"))
			return err
		},
	} {
		if err := open(); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	for _, bad := range []string{"", "files.example.com/x", "https://d1.cloudfront.net/f.html?x=1", "https://d1.cloudfront.net/f.html#a"} {
		if _, err := LinkPage(bad); err == nil {
			t.Errorf("LinkPage(%q) accepted", bad)
		}
	}
}
