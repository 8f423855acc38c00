// Command web-publisher is WebPublisherFunction: the custom resource that
// publishes the built widget and inbox, shipped next to its bootstrap, to
// the web bucket with the stack's URLs written in, and invalidates the
// pages on the distribution.
package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/parleychat/parley/shared/customresource"
	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/webpublish"
)

func main() {
	lambda.Start(setup.Handler(func(_ context.Context, env setup.Env) (any, error) {
		bootstrap, err := os.Executable()
		if err != nil {
			return nil, err
		}
		dist := os.DirFS(filepath.Join(filepath.Dir(bootstrap), webpublish.ArtifactDir))
		// A custom endpoint (the local cloud's S3) is addressed path-style.
		bucket := s3.NewFromConfig(env.AWS, func(o *s3.Options) {
			o.BaseEndpoint = setup.Endpoint("S3")
			o.UsePathStyle = o.BaseEndpoint != nil
		})
		pub := webpublish.NewPublisher(bucket, cloudfront.NewFromConfig(env.AWS, func(o *cloudfront.Options) { o.BaseEndpoint = setup.Endpoint("CLOUDFRONT") }))
		return customresource.New(webpublish.NewResource(dist, pub).Run, &http.Client{Timeout: 10 * time.Second}).Handle, nil
	}))
}
