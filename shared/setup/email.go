package setup

import (
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

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

// Email wires the email channel: reply addresses signed with key (the
// signing secret), the channels' email settings, SES to send, the mail
// bucket for raw mail. Its emails name files without links:
// EmailWithFiles is for the functions that send conversations (replies,
// transcripts).
func (e Env) Email(key []byte, svc *chat.Service, st *store.Store, channels *settings.Cache) (*email.Service, error) {
	return e.email(key, svc, st, channels, email.Options{})
}

// EmailWithFiles is Email whose emails carry and link the conversations'
// files: a reply attaches up to email.DefaultAttachUpTo bytes of its own
// (none while malware scanning is on: a file is scanned only once
// stored, after the email left), everything else is linked.
func (e Env) EmailWithFiles(key []byte, svc *chat.Service, st *store.Store, channels *settings.Cache, files *attachment.Service) (*email.Service, error) {
	mf, err := mailFiles(files)
	if err != nil {
		return nil, err
	}
	o := email.Options{Files: mf, AttachUpTo: email.DefaultAttachUpTo}
	if e.Config.Files.Scanning {
		o.AttachUpTo = 0
	}
	return e.email(key, svc, st, channels, o)
}

func (e Env) email(key []byte, svc *chat.Service, st *store.Store, channels *settings.Cache, o email.Options) (*email.Service, error) {
	cfg, err := config.LoadMail()
	if err != nil {
		return nil, err
	}
	tokens, err := mail.NewTokens(key, replyTokenVersion)
	if err != nil {
		return nil, err
	}
	o.ChannelID, o.Team, o.Now = e.Config.DefaultChannelID, e.Config.TeamName, clock.New(e.Config.ClockFile)
	o.RatingURL = cfg.RatingURL
	// INBOX_URL says where the inbox is (the agent routes have it); the
	// first inbox origin is the web distribution's root, where it is too.
	if cfg.InboxURL != nil {
		o.InboxURL = cfg.InboxURL.String()
	} else if inbox := e.Config.Access.InboxOrigins; len(inbox) > 0 {
		o.InboxURL = inbox[0]
	}
	return email.New(svc, st, channels, sesv2.NewFromConfig(e.AWS, func(o *sesv2.Options) { o.BaseEndpoint = Endpoint("SESV2") }), e.s3(), tokens, cfg, o), nil
}

// s3 is the S3 client. A custom endpoint (the local cloud's S3) is
// addressed path-style; AWS itself keeps virtual-hosted style, so
// downloads come from the bucket's own domain.
func (e Env) s3() *s3.Client {
	return s3.NewFromConfig(e.AWS, func(o *s3.Options) {
		o.BaseEndpoint = Endpoint("S3")
		o.UsePathStyle = o.BaseEndpoint != nil
	})
}
