package s3emu_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// TestLifecycleExpiration: an object under a rule's prefix is gone once the
// clock passes the first midnight UTC at least the rule's days after it was
// written, as S3 computes it; the others stay. The answers to PutObject and
// HeadObject say when it will go, as S3's x-amz-expiration does.
func TestLifecycleExpiration(t *testing.T) {
	clock := &testClock{fixed: time.Date(2026, 3, 10, 10, 30, 0, 0, time.UTC)}
	s, endpoint := filesServer(t, clock, template.BucketConfig{Expiration: []template.ExpirationRule{
		{ID: "expire-uncommitted-uploads", Prefix: "uploads/", Days: 2},
		{ID: "expire-everything-late", Prefix: "", Days: 30},
	}})
	sdk := sdkClient(endpoint, secretKey)
	ctx := t.Context()
	for _, key := range []string{"uploads/c1/v1/u1", "attachments/c1/m1/1-a.pdf"} {
		put, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(filesBucket), Key: aws.String(key), Body: strings.NewReader("x")})
		if err != nil {
			t.Fatal(err)
		}
		if key == "uploads/c1/v1/u1" && aws.ToString(put.Expiration) != `expiry-date="Fri, 13 Mar 2026 00:00:00 GMT", rule-id="expire-uncommitted-uploads"` {
			t.Errorf("PutObject expiration %q, want the 13th at midnight by expire-uncommitted-uploads", aws.ToString(put.Expiration))
		}
	}
	head, err := sdk.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(filesBucket), Key: aws.String("attachments/c1/m1/1-a.pdf")})
	if err != nil || aws.ToString(head.Expiration) != `expiry-date="Fri, 10 Apr 2026 00:00:00 GMT", rule-id="expire-everything-late"` {
		t.Errorf("HeadObject expiration %q (%v), want the 10th of April by expire-everything-late", aws.ToString(head.Expiration), err)
	}

	listed := func() []string {
		out, err := sdk.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(filesBucket)})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		return keys
	}
	both := []string{"attachments/c1/m1/1-a.pdf", "uploads/c1/v1/u1"}

	// Two days later it is the 12th, 10:30: the upload lasts until midnight.
	clock.advance(2*24*time.Hour + 13*time.Hour + 29*time.Minute + 59*time.Second)
	if diff := cmp.Diff(both, listed()); diff != "" {
		t.Errorf("a second before midnight (-want +got):\n%s", diff)
	}
	clock.advance(time.Second)
	if diff := cmp.Diff([]string{"attachments/c1/m1/1-a.pdf"}, listed()); diff != "" {
		t.Errorf("at midnight (-want +got):\n%s", diff)
	}
	_, err = sdk.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(filesBucket), Key: aws.String("uploads/c1/v1/u1")})
	var nsk *types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Errorf("get the expired upload: %v, want NoSuchKey", err)
	}
	if _, ok := s.Get(filesBucket, "uploads/c1/v1/u1"); ok {
		t.Error("Get still finds the expired upload")
	}

	// An object written later expires as many days after its own writing.
	if _, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(filesBucket), Key: aws.String("uploads/c1/v1/u2"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	clock.advance(24 * time.Hour)
	if diff := cmp.Diff([]string{"attachments/c1/m1/1-a.pdf", "uploads/c1/v1/u2"}, s.Keys(filesBucket, "")); diff != "" {
		t.Errorf("a day after the second upload (-want +got):\n%s", diff)
	}
	clock.advance(30 * 24 * time.Hour)
	if keys := s.Keys(filesBucket, ""); len(keys) != 0 {
		t.Errorf("after every rule's time: %v, want nothing", keys)
	}
}
