package webpublish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ObjectPutter is the part of the S3 client the publisher uses.
type ObjectPutter interface {
	PutObject(ctx context.Context, params *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Invalidator is the part of the CloudFront client the publisher uses.
type Invalidator interface {
	CreateInvalidation(ctx context.Context, params *cloudfront.CreateInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error)
}

// Prefixes are the folders of the web bucket the publisher writes, and the
// only ones its function may write to (template.yaml).
var Prefixes = []string{"widget/", "inbox/"}

// Pages are the paths whose content changes under the same name from one
// build to the next, by the distribution that serves them: the CDN must
// drop its copies after a publish. "/" is the inbox too (the web
// distribution's root object); the chat window has a distribution, an
// origin, of its own.
var (
	Pages       = []string{"/", "/inbox/index.html", "/widget/loader.js"}
	WidgetPages = []string{"/widget/frame.html", "/widget/file.html"}
)

// Distributions are the CloudFront distributions (ids) the files are
// served by: Web the inbox and the loader, Widget the chat window.
type Distributions struct {
	Web, Widget string
}

// parallel bounds concurrent uploads.
const parallel = 8

// Publisher writes rendered files to a bucket behind a distribution.
type Publisher struct {
	s3  ObjectPutter
	cdn Invalidator
}

// NewPublisher returns a Publisher.
func NewPublisher(s ObjectPutter, cdn Invalidator) *Publisher { return &Publisher{s3: s, cdn: cdn} }

// Publish uploads files with their content types and cache headers, then
// invalidates Pages on the web distribution and WidgetPages on the chat
// window's. Hashed assets go first and the pages and the loader, which
// name them, after: no page is ever served naming a file not uploaded
// yet. Files of an earlier build stay: a page still open in a browser
// keeps loading its scripts. reference identifies the publish to
// CloudFront: a retry with the same reference creates no second
// invalidation. It returns the invalidations' ids, web then widget.
func (p *Publisher) Publish(ctx context.Context, bucket string, d Distributions, reference string, files map[string][]byte) ([]string, error) {
	var assets, pages []string
	for name := range files {
		if !allowed(name) {
			return nil, fmt.Errorf("webpublish: %s is outside %s, the folders this publisher may write", name, strings.Join(Prefixes, " and "))
		}
		if CacheControl(name) == immutable {
			assets = append(assets, name)
		} else {
			pages = append(pages, name)
		}
	}
	if len(pages) == 0 {
		return nil, errors.New("webpublish: nothing to publish")
	}
	sort.Strings(assets)
	sort.Strings(pages)
	for _, group := range [][]string{assets, pages} {
		if err := p.upload(ctx, bucket, group, files); err != nil {
			return nil, err
		}
	}
	var ids []string
	for _, inv := range []struct {
		distribution string
		paths        []string
	}{{d.Web, Pages}, {d.Widget, WidgetPages}} {
		id, err := p.invalidate(ctx, inv.distribution, reference, inv.paths)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// invalidate drops the CDN's copies of paths on one distribution.
func (p *Publisher) invalidate(ctx context.Context, distributionID, reference string, paths []string) (string, error) {
	paths = append([]string(nil), paths...)
	out, err := p.cdn.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
		DistributionId: aws.String(distributionID),
		InvalidationBatch: &cftypes.InvalidationBatch{
			CallerReference: aws.String(reference),
			Paths:           &cftypes.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths},
		},
	})
	if err != nil {
		return "", fmt.Errorf("webpublish: invalidate %s on distribution %s: %w", strings.Join(paths, " "), distributionID, err)
	}
	if out.Invalidation == nil {
		return "", fmt.Errorf("webpublish: distribution %s answered no invalidation", distributionID)
	}
	return aws.ToString(out.Invalidation.Id), nil
}

func allowed(name string) bool {
	for _, p := range Prefixes {
		if strings.HasPrefix(name, p) && !strings.Contains(name, "..") {
			return true
		}
	}
	return false
}

// upload puts names, a few at a time, and reports every failure.
func (p *Publisher) upload(ctx context.Context, bucket string, names []string, files map[string][]byte) error {
	sem := make(chan struct{}, parallel)
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := p.s3.PutObject(ctx, &s3.PutObjectInput{
				Bucket:       aws.String(bucket),
				Key:          aws.String(name),
				Body:         bytes.NewReader(files[name]),
				ContentType:  aws.String(ContentType(name)),
				CacheControl: aws.String(CacheControl(name)),
			})
			if err != nil {
				errs[i] = fmt.Errorf("webpublish: put s3://%s/%s: %w", bucket, name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
