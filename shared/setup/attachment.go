package setup

import (
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/config"
)

// Attachments wires the attachment downloads: the mail bucket, listed and
// presigned with the function's own credentials, served from the files
// origin (FILES_BASE_URL), which forwards them to the host they were
// presigned for.
func (e Env) Attachments(svc *chat.Service) (*attachment.Service, error) {
	cfg, err := config.LoadMail()
	if err != nil {
		return nil, err
	}
	c := e.s3()
	// URLs are signed on the function's clock, the one the local cloud's
	// S3 checks them against (attachment.PresignAt).
	presign := s3.NewPresignClient(c, attachment.PresignAt(clock.New(e.Config.ClockFile)))
	return attachment.New(svc, c, presign, cfg.MailBucket, attachment.ServeFrom(cfg.FilesURL)), nil
}
