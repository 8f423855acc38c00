package setup

import (
	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail"
	"github.com/parleychat/parley/shared/settings"
	"github.com/parleychat/parley/shared/store"
)

// replyTokenVersion signs new reply addresses; older versions still listed
// in NewTokens keep verifying after a key change.
const replyTokenVersion = 'a'

// EmailParts are the parts of the email channel a function's handlers
// use; it gives only those, so that it links only their AWS clients.
type EmailParts struct {
	// Sender sends the emails (mailer.New: SES); none for a function that
	// sends no email.
	Sender email.Sender
	// Mailbox reads inbound mail and keeps its attachments (bucket.New:
	// S3); only inbound mail has it.
	Mailbox email.Mailbox
	// Links link the files emails name (Env.FileLinks); without them
	// emails name files without links.
	Links email.Links
	// Files are the files a reply by email attaches: up to
	// email.DefaultAttachUpTo bytes of its own (none while malware
	// scanning is on: a file is scanned only once stored, after the email
	// left); everything else is linked.
	Files *attachment.Bucket
}

// Email wires the email channel: reply addresses signed with key (the
// signing secret), the channels' email settings, and the parts the
// function uses.
func (e Env) Email(key []byte, svc *chat.Service, st *store.Store, channels *settings.Cache, parts EmailParts) (*email.Service, error) {
	cfg, err := config.LoadMail()
	if err != nil {
		return nil, err
	}
	tokens, err := mail.NewTokens(key, replyTokenVersion)
	if err != nil {
		return nil, err
	}
	o := email.Options{
		ChannelID: e.Config.DefaultChannelID, Team: e.Config.TeamName, Now: clock.New(e.Config.ClockFile), RatingURL: cfg.RatingURL,
		Sender: parts.Sender, Mailbox: parts.Mailbox, Links: parts.Links,
	}
	if parts.Files != nil && !e.Config.Files.Scanning {
		o.Files, o.AttachUpTo = parts.Files, email.DefaultAttachUpTo
	}
	// INBOX_URL says where the inbox is (the agent routes have it); the
	// first inbox origin is the web distribution's root, where it is too.
	if cfg.InboxURL != nil {
		o.InboxURL = cfg.InboxURL.String()
	} else if inbox := e.Config.Access.InboxOrigins; len(inbox) > 0 {
		o.InboxURL = inbox[0]
	}
	return email.New(svc, st, channels, tokens, cfg, o), nil
}
