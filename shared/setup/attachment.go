package setup

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/settings"
)

// Files wires the conversations' files in the mail bucket: uploads and
// downloads presigned with the function's own credentials on its clock
// (the one the local cloud's S3 checks them against), downloads served
// from the files origin (FILES_BASE_URL), each channel's limits from its
// settings, and only files found clean served when malware scanning is
// on.
func (e Env) Files(channels *settings.Cache) (*attachment.Bucket, error) {
	cfg, err := config.LoadMail()
	if err != nil {
		return nil, err
	}
	c := e.s3()
	now := clock.New(e.Config.ClockFile)
	opts := []attachment.Option{attachment.ServeFrom(cfg.FilesURL), attachment.SignAt(now)}
	if e.Config.Files.Scanning {
		opts = append(opts, attachment.ServeScanned())
	}
	return attachment.NewBucket(c, s3.NewPresignClient(c, attachment.PresignAt(now)), cfg.MailBucket, channels, opts...)
}

// Attachments is the files as callers reach them: every use checked
// against svc, email links signed by signer.
func (e Env) Attachments(svc *chat.Service, files *attachment.Bucket, signer *auth.Signer) (*attachment.Service, error) {
	return attachment.New(svc, files, signer)
}

// mailFiles is what emails need of the files: reading them, and links to
// the widget's file page (FILE_LINK_URL).
func mailFiles(files *attachment.Service) (attachment.Mail, error) {
	cfg, err := config.LoadMail()
	if err != nil {
		return attachment.Mail{}, err
	}
	if cfg.FileLinkURL == "" {
		return attachment.Mail{}, errors.New("setup: FILE_LINK_URL is not set: emails could not link files")
	}
	page, err := attachment.LinkPage(cfg.FileLinkURL)
	if err != nil {
		return attachment.Mail{}, err
	}
	return files.Mail(page), nil
}
