package attachment

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
)

const conv = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

type allow struct{}

func (allow) CheckAccess(context.Context, chat.Principal, string) error { return nil }

// bucket is an in-memory S3 with the keys it holds; the presigner records
// what it was asked to sign.
type bucket struct {
	keys   map[string]bool
	signed *s3.GetObjectInput
	// missing is the HTTP status a missing key answers (404 when zero); S3
	// answers 403 to a caller without an unconditional s3:ListBucket.
	missing int
}

func (b *bucket) ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return &s3.ListObjectsV2Output{}, nil
}

func (b *bucket) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if !b.keys[aws.ToString(in.Key)] {
		if b.missing != 0 {
			return nil, &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
				Response: &smithyhttp.Response{Response: &http.Response{StatusCode: b.missing}},
				Err:      errors.New(http.StatusText(b.missing)),
			}}
		}
		return nil, &types.NotFound{}
	}
	return &s3.HeadObjectOutput{}, nil
}

func (b *bucket) PresignGetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	b.signed = in
	return &v4.PresignedHTTPRequest{URL: "https://mail.s3.amazonaws.com/" + url.PathEscape(aws.ToString(in.Key))}, nil
}

func TestGet(t *testing.T) {
	files := []string{"m1/1-logo.svg", "m1/2-page.HTML", "m1/3-report.pdf", "m1/4-photo.JPG", "m1/5-data.xml", "m1/6-no extension", "m1/7-Zoë \"x\".png"}
	b := &bucket{keys: map[string]bool{}}
	for _, f := range files {
		b.keys[Folder+conv+"/"+f] = true
	}
	svc := New(allow{}, b, b, "mail")
	tests := []struct {
		rest, ctype, disposition string
	}{
		{"m1/1-logo.svg", "application/octet-stream", `attachment; filename=logo.svg`},
		{"m1/2-page.HTML", "application/octet-stream", `attachment; filename=page.HTML`},
		{"m1/3-report.pdf", "application/octet-stream", `attachment; filename=report.pdf`},
		{"m1/4-photo.JPG", "image/jpeg", `inline; filename=photo.JPG`},
		{"m1/5-data.xml", "application/octet-stream", `attachment; filename=data.xml`},
		{"m1/6-no extension", "application/octet-stream", `attachment; filename="no extension"`},
		{"m1/7-Zoë \"x\".png", "image/png", `inline; filename*=utf-8''Zo%C3%AB%20%22x%22.png`},
	}
	for _, tt := range tests {
		t.Run(tt.rest, func(t *testing.T) {
			d, err := svc.Get(t.Context(), chat.Principal{Role: chat.RoleAgent, ID: "a"}, conv, encodeID(tt.rest))
			if err != nil {
				t.Fatal(err)
			}
			got := []string{aws.ToString(b.signed.ResponseContentType), aws.ToString(b.signed.ResponseContentDisposition), aws.ToString(b.signed.Key)}
			want := []string{tt.ctype, tt.disposition, Folder + conv + "/" + tt.rest}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("signed (-want +got):\n%s", diff)
			}
			if d.ExpiresIn != int(URLTTL.Seconds()) || d.Inline != (tt.ctype != "application/octet-stream") {
				t.Errorf("download = %+v", d)
			}
		})
	}
}

func TestGetRefusesIDsOutsideTheConversation(t *testing.T) {
	b := &bucket{keys: map[string]bool{Folder + "other-conv/m1/1-a.pdf": true, Folder + conv + "/m1/1-a.pdf": true}}
	svc := New(allow{}, b, b, "mail")
	for _, id := range []string{
		"", "!!!", encodeID("../other-conv/m1/1-a.pdf"), encodeID("m1/../../other-conv/m1/1-a.pdf"), encodeID("/m1/1-a.pdf"),
		encodeID("m1"), encodeID("m1/"), encodeID("m1/1-a.pdf\n"), encodeID(`m1\1-a.pdf`), encodeID("m1/2-missing.pdf"),
	} {
		_, err := svc.Get(t.Context(), chat.Principal{Role: chat.RoleAgent, ID: "a"}, conv, id)
		var ce *chat.Error
		if !errors.Is(err, chat.ErrNotFound) || !errors.As(err, &ce) || ce.Message != "attachment not found" {
			t.Errorf("id %q: %v, want the one not-found answer", id, err)
		}
	}
	if b.signed != nil {
		t.Errorf("presigned %s for a refused id", aws.ToString(b.signed.Key))
	}
}

// TestGetMissingKeyWithoutListBucket: the 403 S3 answers for a missing key
// (the function may not list the whole bucket) reads as an unknown id; any
// other failure is an error, not a not-found.
func TestGetMissingKeyWithoutListBucket(t *testing.T) {
	agent := chat.Principal{Role: chat.RoleAgent, ID: "a"}
	b := &bucket{keys: map[string]bool{}, missing: http.StatusForbidden}
	svc := New(allow{}, b, b, "mail")
	if _, err := svc.Get(t.Context(), agent, conv, encodeID("m1/1-a.pdf")); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("403 for a missing key = %v, want not found", err)
	}
	b.missing = http.StatusServiceUnavailable
	if _, err := svc.Get(t.Context(), agent, conv, encodeID("m1/1-a.pdf")); err == nil || errors.Is(err, chat.ErrNotFound) {
		t.Errorf("503 = %v, want an error that is not a not-found", err)
	}
}
