package setup

import (
	"errors"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/settings"
)

// Files wires the conversations' files kept as objects (bucket.New: the
// mail bucket in S3): downloads served from the files origin
// (FILES_BASE_URL), each channel's limits from its settings, and only
// files found clean served when malware scanning is on.
func (e Env) Files(channels *settings.Cache, objects attachment.Objects) (*attachment.Bucket, error) {
	cfg, err := config.LoadMail()
	if err != nil {
		return nil, err
	}
	opts := []attachment.Option{attachment.ServeFrom(cfg.FilesURL)}
	if e.Config.Files.Scanning {
		opts = append(opts, attachment.ServeScanned())
	}
	return attachment.NewBucket(objects, channels, opts...)
}

// Attachments is the files as callers reach them: every use checked
// against svc, email links signed by signer.
func (e Env) Attachments(svc *chat.Service, files *attachment.Bucket, signer *auth.Signer) (*attachment.Service, error) {
	return attachment.New(svc, files, signer)
}

// FileLinks link files where emails and a contact's export name them:
// the widget's file page (FILE_LINK_URL), with tokens signed by signer.
func (e Env) FileLinks(signer *auth.Signer) (attachment.MailLinks, error) {
	cfg, err := config.LoadMail()
	if err != nil {
		return attachment.MailLinks{}, err
	}
	if cfg.FileLinkURL == "" {
		return attachment.MailLinks{}, errors.New("setup: FILE_LINK_URL is not set: emails could not link files")
	}
	page, err := attachment.LinkPage(cfg.FileLinkURL)
	if err != nil {
		return attachment.MailLinks{}, err
	}
	return attachment.NewMailLinks(signer, page)
}
