package localcloud

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/parleychat/parley/infra/localcloud/s3emu"
)

// startS3 starts the local S3 on a listener of its own. Its own port is
// its own origin, as a bucket's domain is in AWS: the presigned download
// URLs the functions hand out point there, never at the API's origin, so a
// file that slips through as HTML could not script the API's pages. Its
// buckets are private: a read must be signed by the functions' key (the
// SDK) or carry a valid, unexpired presigned signature.
func (c *Cloud) startS3() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("S3 listener: %w", err)
	}
	s3 := s3emu.New(c.model.Mail.Buckets...).Private(map[string]string{localAccessKey: localSecretKey}, nil)
	c.mail = &mailParts{s3: s3, s3URL: "http://" + l.Addr().String()}
	c.mail.s3Server = &http.Server{Handler: s3, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := c.mail.s3Server.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("local S3 stopped", "err", err)
		}
	}()
	return nil
}

// The functions' credentials in the local cloud (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY), which presigned URLs are checked against.
const (
	localAccessKey = "local"
	localSecretKey = "local"
)

// S3URL is the local S3's own origin (the bucket domain of download URLs).
func (c *Cloud) S3URL() string { return c.mail.s3URL }
