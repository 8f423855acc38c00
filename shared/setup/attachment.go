package setup

import (
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/config"
)

// Attachments wires the attachment downloads: the mail bucket, listed and
// presigned with the function's own credentials, served from the files
// origin.
func Attachments(p *Parts) (*attachment.Service, error) {
	cfg, err := config.LoadMail()
	if err != nil {
		return nil, err
	}
	c := s3.NewFromConfig(p.AWS, func(o *s3.Options) {
		// A custom endpoint (the local cloud's S3) is addressed path-style;
		// AWS itself keeps virtual-hosted style, so downloads come from the
		// bucket's own domain.
		o.UsePathStyle = o.BaseEndpoint != nil
	})
	// URLs are signed on the function's clock, the one the local cloud's
	// S3 checks them against (attachment.PresignAt).
	presign := s3.NewPresignClient(c, attachment.PresignAt(clock.New(p.Config.ClockFile)))
	svc := attachment.New(p.Service, c, presign, cfg.MailBucket)
	// Downloads come from the files distribution (FILES_BASE_URL), which
	// forwards them to the host they were presigned for.
	svc.ServeFrom(cfg.FilesURL)
	return svc, nil
}
