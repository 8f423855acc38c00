package cloudfrontemu_test

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"

	"github.com/parleychat/parley/infra/localcloud/cloudfrontemu"
)

func invalidate(client *cloudfront.Client, t *testing.T, dist, ref string, paths ...string) (*cloudfront.CreateInvalidationOutput, error) {
	return client.CreateInvalidation(t.Context(), &cloudfront.CreateInvalidationInput{DistributionId: aws.String(dist),
		InvalidationBatch: &cftypes.InvalidationBatch{CallerReference: aws.String(ref),
			Paths: &cftypes.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths}}})
}

// The SDK's CloudFront client invalidates as in AWS: a request with a
// caller reference seen before returns the first invalidation, an unknown
// distribution or a reused reference with other paths is refused.
func TestInvalidations(t *testing.T) {
	s := cloudfrontemu.New([]string{"E2QWRUHAPOMQZL"}, nil)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	client := cloudfront.New(cloudfront.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})

	first, err := invalidate(client, t, "E2QWRUHAPOMQZL", "req-1", "/", "/widget/loader.js")
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(first.Invalidation.Id)
	if id == "" || aws.ToString(first.Invalidation.Status) != "Completed" || aws.ToString(first.Location) == "" {
		t.Fatalf("invalidation = %+v", first.Invalidation)
	}
	again, err := invalidate(client, t, "E2QWRUHAPOMQZL", "req-1", "/", "/widget/loader.js")
	if err != nil || aws.ToString(again.Invalidation.Id) != id {
		t.Fatalf("retry = %v, %v; want the first invalidation %s", again, err, id)
	}
	got, err := client.GetInvalidation(t.Context(), &cloudfront.GetInvalidationInput{DistributionId: aws.String("E2QWRUHAPOMQZL"), Id: aws.String(id)})
	if err != nil || got.Invalidation.InvalidationBatch.Paths.Items[1] != "/widget/loader.js" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	if n := len(s.Invalidations("E2QWRUHAPOMQZL")); n != 1 {
		t.Errorf("%d invalidations recorded, want 1", n)
	}

	_, err = invalidate(client, t, "E2QWRUHAPOMQZL", "req-1", "/inbox/index.html")
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidationBatchAlreadyExists" {
		t.Errorf("reused reference with other paths: %v", err)
	}
	_, err = invalidate(client, t, "ENOPE", "req-2", "/")
	var noDist *cftypes.NoSuchDistribution
	if !errors.As(err, &noDist) {
		t.Errorf("unknown distribution: %v", err)
	}
	_, err = invalidate(client, t, "E2QWRUHAPOMQZL", "req-3", "widget/loader.js")
	var bad *cftypes.InvalidArgument
	if !errors.As(err, &bad) {
		t.Errorf("path without /: %v", err)
	}
}
