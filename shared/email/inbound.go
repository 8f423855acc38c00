package email

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// Received is an inbound mail as SES hands it over: its id (the S3 object
// key under the inbound prefix), the recipients on our domain and SES's
// verdicts (PASS, FAIL, GRAY, PROCESSING_FAILED or DISABLED).
type Received struct {
	SESMessageID string
	Recipients   []string
	Verdicts     Verdicts
}

// Verdicts are SES's checks of an inbound mail.
type Verdicts struct {
	SPF, DKIM, DMARC, Spam, Virus string
}

// failed names the checks that failed. Only FAIL counts: GRAY and
// PROCESSING_FAILED mean SES could not tell, and a missing DKIM signature
// is common among genuine senders when DMARC still passes via SPF.
func (v Verdicts) failed() []string {
	var out []string
	for _, c := range []struct{ name, status string }{{"SPF", v.SPF}, {"DKIM", v.DKIM}, {"DMARC", v.DMARC}, {"spam", v.Spam}, {"virus", v.Virus}} {
		if strings.EqualFold(c.status, "FAIL") {
			out = append(out, c.name)
		}
	}
	// SPF or DKIM alone failing is tolerated while DMARC passes
	// (forwarders break SPF; mailing lists break DKIM).
	if strings.EqualFold(v.DMARC, "PASS") {
		out = slicesDelete(out, "SPF", "DKIM")
	}
	return out
}

// confirmsSender tells whether the mail shows that its From address is the
// sender's: DMARC passed, that is SPF or DKIM passed for the From domain
// itself. SPF alone checks the envelope's domain and DKIM alone any
// signer's, either of which a forger controls; GRAY (the domain publishes
// no DMARC policy) proves nothing.
func (v Verdicts) confirmsSender() bool { return strings.EqualFold(v.DMARC, "PASS") }

func slicesDelete(list []string, drop ...string) []string {
	out := list[:0]
outer:
	for _, s := range list {
		for _, d := range drop {
			if s == d {
				continue outer
			}
		}
		out = append(out, s)
	}
	return out
}

// Outcome says what became of an inbound mail.
type Outcome struct {
	ConversationID string
	Seq            int64
	Duplicate      bool
	Quarantined    string // the reason, when quarantined
}

const (
	maxAttachments      = 10
	maxAttachmentBytes  = 10 << 20
	truncatedNote       = "\n\n[The email was longer; the rest was cut.]"
	emptyReplyBody      = "(empty email)"
	quarantinePreviewMx = 200
)

// inboundLimits are what a mail may hold: up to SES's 40 MB in all, text
// of up to mail.MaxInboundText, and files of up to maxAttachmentBytes
// each (a larger one is noted under the text, the rest of the mail
// posted).
var inboundLimits = mail.Limits{Message: mail.MaxInboundBytes, Text: mail.MaxInboundText, File: maxAttachmentBytes}

// Receive handles one inbound mail: it reads the raw mail from S3, checks
// SES's verdicts, the reply token and the sender, extracts the new text,
// stores attachments and appends the message to its conversation (or a new
// one for an unknown address). Mail that fails a check is quarantined.
// The same mail received twice is appended once.
func (s *Service) Receive(ctx context.Context, r Received) (Outcome, error) {
	if r.SESMessageID == "" || strings.ContainsAny(r.SESMessageID, "/\\") {
		return Outcome{}, fmt.Errorf("inbound mail without a usable id %q", r.SESMessageID)
	}
	rawKey := s.cfg.InboundPrefix + r.SESMessageID
	if s.mailbox == nil {
		return Outcome{}, errNoMailbox
	}
	obj, err := s.mailbox.Open(ctx, rawKey)
	if err != nil {
		return Outcome{}, fmt.Errorf("read raw mail %s: %w", rawKey, err)
	}
	// The mail is decoded as it streams from S3, so a 40 MB mail is never
	// held whole beside its files.
	in, err := mail.Read(obj, inboundLimits)
	obj.Close()
	var unreadable *mail.Error
	switch {
	case errors.As(err, &unreadable):
		// A mail refused for its size still says who sent it and what
		// about (in holds its headers then, or is nil).
		return s.quarantine(ctx, r, rawKey, in, "", "the mail could not be read: "+unreadable.Error())
	case err != nil:
		return Outcome{}, fmt.Errorf("read raw mail %s: %w", rawKey, err)
	}
	log := slog.With("sesMessageId", r.SESMessageID)
	if failed := r.Verdicts.failed(); len(failed) > 0 {
		return s.quarantine(ctx, r, rawKey, in, "", "failed "+strings.Join(failed, ", ")+" checks")
	}

	// A reply address names its conversation; any other address on our
	// domain starts a new one.
	conversationID := ""
	for _, rcpt := range r.Recipients {
		tok, ok := mail.TokenOf(rcpt, s.cfg.InboundDomain)
		if !ok {
			continue
		}
		cid, err := s.tokens.Verify(tok)
		if err != nil {
			return s.quarantine(ctx, r, rawKey, in, "", "the reply address is forged or damaged")
		}
		conversationID = cid
		break
	}
	dedupe := dedupeKey(in, r.SESMessageID)
	body, extraction := s.body(in)

	if conversationID != "" {
		conv, _, err := s.chat.Thread(ctx, conversationID, 1)
		if errors.Is(err, chat.ErrNotFound) {
			return s.quarantine(ctx, r, rawKey, in, "", "the reply address names no conversation")
		}
		if err != nil {
			return Outcome{}, err
		}
		if why := automatic(in); why != "" {
			return s.quarantine(ctx, r, rawKey, in, conv.ID, why)
		}
		c, known, err := s.contactOf(ctx, conv.VisitorID)
		if err != nil {
			return Outcome{}, err
		}
		if !known || mail.Key(c.Email) != in.From {
			return s.quarantine(ctx, r, rawKey, in, conv.ID, "the sender is not the conversation's contact")
		}
		body, files, err := s.storeAttachments(ctx, conv.ID, r.SESMessageID, in, body)
		if err != nil {
			return Outcome{}, err
		}
		msg, created, err := s.chat.AppendEmail(ctx, s.contactPrincipal(c), conv.ID, chat.EmailInput{Dedupe: conv.ID + "#" + dedupe, MailID: in.MessageID, RawMail: rawKey, Body: body, Extraction: extraction, Attachments: files})
		if err != nil {
			return Outcome{}, err
		}
		log.InfoContext(ctx, "email reply appended", "conversationId", conv.ID, "seq", msg.Seq, "duplicate", !created)
		return Outcome{ConversationID: conv.ID, Seq: msg.Seq, Duplicate: !created}, nil
	}

	if why := automatic(in); why != "" {
		return s.quarantine(ctx, r, rawKey, in, "", why)
	}
	c, err := s.contactByAddress(ctx, in, r.Verdicts.confirmsSender(), dedupe)
	if err != nil {
		return Outcome{}, err
	}
	msg, created, err := s.chat.StartByEmail(ctx, s.contactPrincipal(c), chat.EmailInput{Dedupe: dedupe, MailID: in.MessageID, RawMail: rawKey, Body: body, Extraction: extraction})
	if err != nil {
		return Outcome{}, err
	}
	if len(in.Attachments) > 0 {
		// The conversation id exists only now; the attachments follow in a
		// second message so the first write stays idempotent. They are
		// stored on every attempt, not only the one that created the
		// conversation: an attempt that failed after creating it (an S3
		// error) is retried by Lambda, and the retry must still store them.
		// Both writes repeat safely: the keys are the conversation's and
		// SES's id of this delivery (the same bytes again), and the message
		// is deduplicated by its key.
		notes, files, err := s.storeAttachments(ctx, msg.ConversationID, r.SESMessageID, in, "")
		if err != nil {
			return Outcome{}, err
		}
		if strings.TrimSpace(notes) != "" || len(files) > 0 {
			if _, _, err := s.chat.AppendEmail(ctx, s.contactPrincipal(c), msg.ConversationID, chat.EmailInput{Dedupe: dedupe + "#attachments", Body: strings.TrimSpace(notes), Attachments: files}); err != nil {
				return Outcome{}, err
			}
		}
	}
	log.InfoContext(ctx, "email started a conversation", "conversationId", msg.ConversationID, "duplicate", !created)
	return Outcome{ConversationID: msg.ConversationID, Seq: msg.Seq, Duplicate: !created}, nil
}

// automatic says why a mail was sent by a program rather than written by
// a person, or "" when nothing says so. It is kept aside (the quarantine
// lists it with this reason) instead of posted as the contact: an
// out-of-office reply to a transcript would reopen the closed
// conversation as the contact's message, and each close would send
// another transcript to it. What counts is what autoresponders mark their
// mail with: Auto-Submitted other than "no" (RFC 3834), X-Autoreply or
// X-Autorespond, Precedence bulk, junk or auto_reply. A mailing list's
// mail (Precedence list, List-Id) is a person's and counts as such.
func automatic(in *mail.Inbound) string {
	if v := headerToken(in.Header.Get("Auto-Submitted")); v != "" && v != "no" {
		return automaticReason("Auto-Submitted", v)
	}
	for _, h := range []string{"X-Autoreply", "X-Autorespond"} {
		if v := headerToken(in.Header.Get(h)); v != "" && v != "no" {
			return automaticReason(h, v)
		}
	}
	switch v := headerToken(in.Header.Get("Precedence")); v {
	case "bulk", "junk", "auto_reply":
		return automaticReason("Precedence", v)
	}
	return ""
}

func automaticReason(header, value string) string {
	return "sent automatically (" + header + ": " + value + "): an out-of-office reply or other automatic mail"
}

// headerToken is a header's value up to its parameters or comment,
// lower-case, bounded and printable, to compare and to show.
func headerToken(v string) string {
	if i := strings.IndexAny(v, ";("); i >= 0 {
		v = v[:i]
	}
	v = strings.ToLower(strings.TrimSpace(v))
	v = strings.Map(func(r rune) rune {
		if r < ' ' || r >= 0x7f {
			return -1
		}
		return r
	}, v)
	if len(v) > 40 {
		v = v[:40]
	}
	return v
}

// dedupeKey identifies a mail so that the same mail delivered twice is
// appended once. The Message-ID is what stays the same when a sender's
// server delivers a mail again (SES gives every delivery a new id), but
// the sender chooses it: it counts only together with the sender's
// address (and, for a reply, its conversation), so a stranger reusing
// someone's Message-ID neither suppresses their mail nor sees its
// message. Mail without a Message-ID falls back to SES's id, which covers
// the retried invocations of one delivery.
func dedupeKey(in *mail.Inbound, sesID string) string {
	if in.MessageID == "" {
		return "ses:" + sesID
	}
	return in.From + "#" + in.MessageID
}

func (s *Service) contactPrincipal(c Contact) chat.Principal {
	return chat.Principal{Role: chat.RoleVisitor, ID: c.VisitorID, Name: c.Name}
}

// contactByAddress finds the contact an address is bound to, or creates a
// visitor and contact for it (E4). Only verified addresses are bound: an
// address a visitor typed and nobody confirmed does not route mail to that
// visitor, so its mail starts a conversation of a new contact, as an
// unknown sender's does.
//
// confirmed says the mail proves its From address (DMARC passed): the new
// contact's address is then verified and bound. Mail that does not prove
// it may be forged, so it never reaches the contact the address is bound
// to and never makes it verified: it starts a conversation of a new
// contact whose address is unverified and unbound, which gets no
// automatic transcript (an agent may still answer by email: the reply goes
// to the address, with this conversation's reply token). dedupe is the
// mail's idempotency key: that contact's visitor id is derived from it, so
// a retry of the same mail finds the visitor it made.
func (s *Service) contactByAddress(ctx context.Context, in *mail.Inbound, confirmed bool, dedupe string) (Contact, error) {
	if !confirmed {
		return s.unconfirmedContact(ctx, in, dedupe)
	}
	stale := false
	vid, err := s.store.VisitorByEmail(ctx, in.From)
	switch {
	case err == nil:
		c, _, err := s.contactOf(ctx, vid)
		if err != nil {
			return Contact{}, err
		}
		if c.Verified() && mail.Key(c.Email) == in.From {
			return c, nil
		}
		// The visitor changed its address since: the binding is stale.
		stale = true
	case !errors.Is(err, chat.ErrNotFound):
		return Contact{}, err
	}
	v := chat.Visitor{ID: newID(), ChannelID: s.channel, CreatedAt: s.now().UTC()}
	if err := s.store.CreateVisitor(ctx, v); err != nil {
		return Contact{}, fmt.Errorf("create visitor for %s: %w", "inbound sender", err)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	c := Contact{VisitorID: v.ID, Email: in.From, Name: senderName(in), UpdatedAt: now, VerifiedAt: now}
	if stale {
		if err := s.store.ConfirmContact(ctx, c); err != nil {
			return Contact{}, fmt.Errorf("contact for inbound sender: %w", err)
		}
		return c, nil
	}
	err = s.store.SaveContact(ctx, c)
	if errors.Is(err, chat.ErrConflict) {
		// Another delivery of the same mail created the contact meanwhile.
		vid, err := s.store.VisitorByEmail(ctx, in.From)
		if err != nil {
			return Contact{}, err
		}
		c, _, err := s.contactOf(ctx, vid)
		return c, err
	}
	if err != nil {
		return Contact{}, fmt.Errorf("contact for inbound sender: %w", err)
	}
	return c, nil
}

// unconfirmedSenders is the namespace of the visitor ids of contacts made
// from mail that did not prove its sender.
var unconfirmedSenders = uuid.MustParse("6f0e4a57-2c1b-4d8e-9a3f-5b7c1d2e8f40")

// unconfirmedContact stores a new contact with the mail's sender as its
// unverified address, not bound to it. Its visitor's id is derived from
// the mail's idempotency key: a retried or redelivered mail (whose message
// is deduplicated by the same key) finds the visitor and contact it made
// before, as they are now (an agent may have vouched for the address
// meanwhile), instead of leaving another behind.
func (s *Service) unconfirmedContact(ctx context.Context, in *mail.Inbound, dedupe string) (Contact, error) {
	v := chat.Visitor{ID: uuid.NewSHA1(unconfirmedSenders, []byte(dedupe)).String(), ChannelID: s.channel, CreatedAt: s.now().UTC()}
	err := s.store.CreateVisitor(ctx, v)
	switch {
	case errors.Is(err, chat.ErrConflict):
		c, known, err := s.contactOf(ctx, v.ID)
		if err != nil || known {
			return c, err
		}
	case err != nil:
		return Contact{}, fmt.Errorf("create visitor for %s: %w", "inbound sender", err)
	}
	c := Contact{VisitorID: v.ID, Email: in.From, Name: senderName(in), UpdatedAt: s.now().UTC().Truncate(time.Millisecond)}
	if err := s.store.PutContact(ctx, c); err != nil {
		return Contact{}, fmt.Errorf("contact for inbound sender: %w", err)
	}
	return c, nil
}

// senderName is the display name of the mail's sender, bounded as a
// contact's name is.
func senderName(in *mail.Inbound) string {
	name := in.FromName
	if r := []rune(name); len(r) > mail.MaxDisplayNameLen {
		name = string(r[:mail.MaxDisplayNameLen])
	}
	return name
}

// body is the text to post: the new part of the mail, bounded, and
// chat.ExtractionFull when that could not be told from the quoted history
// (the body is then the whole mail, and the inbox says so).
func (s *Service) body(in *mail.Inbound) (body, extraction string) {
	reply := mail.ExtractReply(in.Text, in.HTML)
	body = reply.Text
	if reply.Full {
		extraction = chat.ExtractionFull
	}
	if body == "" && in.Subject != "" && in.InReplyTo == "" {
		body = in.Subject
	}
	if body == "" {
		body = emptyReplyBody
	}
	if utf8.RuneCountInString(body) > chat.MaxBodyRunes-len(truncatedNote)-400 {
		body = string([]rune(body)[:chat.MaxBodyRunes-len(truncatedNote)-400]) + truncatedNote
	}
	return body, extraction
}

// storeAttachments puts a mail's attachments in S3 and returns them as
// the message's files, with the body and a note for each file not kept.
func (s *Service) storeAttachments(ctx context.Context, conversationID, sesID string, in *mail.Inbound, body string) (string, []chat.Attachment, error) {
	var notes []string
	var files []chat.Attachment
	for i, a := range in.Attachments {
		if i >= maxAttachments {
			notes = append(notes, fmt.Sprintf("[%d more attachments were not kept]", len(in.Attachments)-maxAttachments))
			break
		}
		if a.TooLarge {
			notes = append(notes, fmt.Sprintf("[attachment %s was larger than 10 MB and not kept]", a.Filename))
			continue
		}
		key, file := attachment.Mailed(conversationID, sesID, i+1, a.Filename, int64(len(a.Data)))
		err := s.mailbox.Put(ctx, key, a.Data, "application/octet-stream", fmt.Sprintf("attachment; filename=%q", strings.ReplaceAll(a.Filename, `"`, "")))
		if err != nil {
			return "", nil, fmt.Errorf("store attachment: %w", err)
		}
		files = append(files, file)
	}
	if body == emptyReplyBody && len(files) > 0 {
		body = ""
	}
	if len(notes) == 0 {
		return body, files, nil
	}
	if body == emptyReplyBody {
		body = ""
	}
	return strings.TrimSpace(body + "\n\n" + strings.Join(notes, "\n")), files, nil
}

func (s *Service) quarantine(ctx context.Context, r Received, rawKey string, in *mail.Inbound, conversationID, reason string) (Outcome, error) {
	// Kept for the agents of the inbox an email to the channel lands in.
	inbox, err := s.chat.ChannelInbox(ctx, s.channel)
	if err != nil {
		return Outcome{}, err
	}
	q := Quarantined{
		ID: r.SESMessageID, InboxID: inbox, Reason: reason, ConversationID: conversationID,
		RawKey: rawKey, ReceivedAt: s.now().UTC(),
	}
	if in != nil {
		q.From, q.Subject = in.From, in.Subject
		p := mail.ExtractReply(in.Text, in.HTML).Text
		if utf8.RuneCountInString(p) > quarantinePreviewMx {
			p = string([]rune(p)[:quarantinePreviewMx]) + "…"
		}
		q.Preview = p
	}
	if err := s.store.Quarantine(ctx, q); err != nil {
		return Outcome{}, err
	}
	slog.WarnContext(ctx, "inbound mail quarantined", "sesMessageId", r.SESMessageID, "reason", reason, "conversationId", conversationID)
	return Outcome{ConversationID: conversationID, Quarantined: reason}, nil
}
