package localcloud

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/parleychat/parley/infra/localcloud/s3emu"
	"github.com/parleychat/parley/infra/localcloud/template"
)

// startS3 starts the local S3 on a listener of its own. Its own port is
// its own origin, as a bucket's domain is in AWS: the presigned download
// URLs the functions hand out point there, never at the API's origin, so a
// file that slips through as HTML could not script the API's pages, and
// browsers upload there under the buckets' CORS rules.
func (c *Cloud) startS3() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("S3 listener: %w", err)
	}
	s3, err := newS3(c.localBuckets(c.model.Mail), c.Now)
	if err != nil {
		return err
	}
	c.mail = &mailParts{s3: s3, s3URL: "http://" + l.Addr().String()}
	// Everything S3 answers here is metered: the functions' calls and the
	// browsers' uploads and downloads.
	c.mail.s3Server = &http.Server{Handler: c.s3Meter.wrap(s3), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := c.mail.s3Server.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("local S3 stopped", "err", err)
		}
	}()
	return nil
}

// localBuckets is m with the CORS rules' deployed origins turned into the
// local ones that serve the same pages: the inbox's distribution (the
// InboxUrl output) into the cloud's origin, the chat window's into its own.
func (c *Cloud) localBuckets(m *template.Mail) *template.Mail {
	if m == nil {
		return nil
	}
	local := map[string]string{c.widget.deployed: c.widget.base}
	if u, err := url.Parse(c.model.Outputs["InboxUrl"]); err == nil && u.Host != "" {
		local[u.Scheme+"://"+u.Host] = c.base
	}
	out := *m
	out.BucketConfigs = make(map[string]template.BucketConfig, len(m.BucketConfigs))
	for name, cfg := range m.BucketConfigs {
		rules := make([]template.CORSRule, len(cfg.CORS))
		for i, r := range cfg.CORS {
			r.AllowedOrigins = slices.Clone(r.AllowedOrigins)
			for j, o := range r.AllowedOrigins {
				if l, ok := local[o]; ok {
					r.AllowedOrigins[j] = l
				}
			}
			rules[i] = r
		}
		cfg.CORS = rules
		out.BucketConfigs[name] = cfg
	}
	return &out
}

// newS3 returns the S3 of the template's buckets with their lifecycle and
// CORS rules. Its buckets are private: a read must be signed by the
// functions' key (the SDK) or carry a valid, unexpired presigned
// signature, and an upload a policy signed by that key. Its clock is the
// cloud's (Advance): signatures expire and lifecycle rules expire objects
// by it. The objects a malware protection plan covers are scanned as
// they are written (malware.go).
func newS3(m *template.Mail, now func() time.Time) (*s3emu.Server, error) {
	s3 := s3emu.New(m.Buckets...).Private(map[string]string{localAccessKey: localSecretKey}, now)
	for name, cfg := range m.BucketConfigs {
		if err := s3.Configure(name, cfg); err != nil {
			return nil, err
		}
	}
	if scan := malwareScanner(m.MalwareScans); scan != nil {
		s3.Scan(scan)
	}
	return s3, nil
}

// The functions' credentials in the local cloud (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY), which presigned URLs are checked against.
const (
	localAccessKey = "local"
	localSecretKey = "local"
)

// S3URL is the local S3's own origin (the bucket domain of download URLs).
func (c *Cloud) S3URL() string { return c.mail.s3URL }
