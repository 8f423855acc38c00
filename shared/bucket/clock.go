package bucket

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Presigned URLs and POST policies carry the time they were signed at, and
// S3 checks their expiry against its own clock. In AWS both are the system
// clock. The local cloud's S3 runs on its test clock, which the functions
// read through shared/clock (PARLEY_CLOCK_FILE), so they sign on that
// clock too: a URL signed after the clock moved works, and one signed
// before expires when the clock passes its end, as in AWS.

// presignAt makes a presign client sign at now() instead of the system
// clock (s3.NewPresignClient's option).
func presignAt(now func() time.Time) func(*s3.PresignOptions) {
	return func(o *s3.PresignOptions) {
		o.Presigner = clockedSigner{
			// S3's own presigner leaves the path as it is (no double escaping).
			signer: v4.NewSigner(func(so *v4.SignerOptions) { so.DisableURIPathEscaping = true }),
			now:    now,
		}
	}
}

type clockedSigner struct {
	signer *v4.Signer
	now    func() time.Time
}

func (c clockedSigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string,
	_ time.Time, optFns ...func(*v4.SignerOptions),
) (string, http.Header, error) {
	return c.signer.PresignHTTP(ctx, creds, r, payloadHash, service, region, c.now(), optFns...)
}

// presignPostAt makes PresignPostObject sign its policy at now() instead
// of the system clock; the policy's expiration moves with it.
func presignPostAt(now func() time.Time) func(*s3.PresignPostOptions) {
	return func(o *s3.PresignPostOptions) {
		o.PostPresigner = clockedPostSigner{next: o.PostPresigner, now: now}
	}
}

type clockedPostSigner struct {
	next s3.PresignPost
	now  func() time.Time
}

func (c clockedPostSigner) PresignPost(creds aws.Credentials, bucket, key, region, service string, signingTime time.Time,
	conditions []any, expiration time.Time, optFns ...func(*v4.SignerOptions),
) (map[string]string, error) {
	at := c.now()
	return c.next.PresignPost(creds, bucket, key, region, service, at, conditions, expiration.Add(at.Sub(signingTime)), optFns...)
}
