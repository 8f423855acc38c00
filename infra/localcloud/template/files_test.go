package template

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
)

// cachingDisabled is the managed cache policy CachingDisabled.
const cachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

// Attachment downloads come from a distribution of their own, in front of
// the mail bucket: an origin no page of the product shares, that adds
// nosniff and a sandboxing policy, caches nothing, and grants nothing
// itself: it has no access to the bucket, and forwards the whole query
// string (the presigned signature) to the very host the agent function's
// S3 client signs for, with no viewer header (S3 must see that host).
func TestTemplateFilesDistribution(t *testing.T) {
	doc, m := resolvedRealTemplate(t)
	dists := resourcesOfType(doc, "AWS::CloudFront::Distribution")
	files := asMap(dists["FilesDistribution"]["DistributionConfig"])
	if files == nil {
		t.Fatal("no FilesDistribution")
	}
	bucket := m.Functions["AgentApiFunction"].Env["MAIL_BUCKET"]

	// The origin is the mail bucket under the host its URLs are signed for.
	origins := asSlice(files["Origins"])
	if len(origins) != 1 {
		t.Fatalf("origins = %v, want the mail bucket alone", origins)
	}
	origin := asMap(origins[0])
	signer := s3.NewPresignClient(s3.New(s3.Options{Region: m.Region, Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")}))
	req, err := signer.PresignGetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("attachments/c/m/1-a.svg")})
	if err != nil {
		t.Fatal(err)
	}
	signedFor, err := url.Parse(req.URL)
	if err != nil {
		t.Fatal(err)
	}
	if origin["DomainName"] != signedFor.Host {
		t.Errorf("origin %v, want the host presigned URLs are signed for, %s", origin["DomainName"], signedFor.Host)
	}
	if origin["OriginAccessControlId"] != nil || asMap(origin["S3OriginConfig"])["OriginAccessIdentity"] != "" || origin["CustomOriginConfig"] != nil {
		t.Errorf("origin %v: want an S3 origin without access of its own (S3 checks the URL's signature)", origin)
	}

	// One behaviour: GET and HEAD over HTTPS, nothing cached.
	if files["CacheBehaviors"] != nil {
		t.Errorf("CacheBehaviors = %v, want the default behaviour alone", files["CacheBehaviors"])
	}
	b := asMap(files["DefaultCacheBehavior"])
	got := map[string]any{
		"TargetOriginId": b["TargetOriginId"], "ViewerProtocolPolicy": b["ViewerProtocolPolicy"],
		"AllowedMethods": b["AllowedMethods"], "CachePolicyId": b["CachePolicyId"], "ForwardedValues": b["ForwardedValues"],
	}
	want := map[string]any{
		"TargetOriginId": origin["Id"], "ViewerProtocolPolicy": "https-only",
		"AllowedMethods": []any{"GET", "HEAD"}, "CachePolicyId": cachingDisabled, "ForwardedValues": nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("behaviour (-want +got):\n%s", diff)
	}

	// Every query string reaches S3; no header (Host stays the origin's), no cookie.
	orp := asMap(byRef(t, doc, "AWS::CloudFront::OriginRequestPolicy", b["OriginRequestPolicyId"])["OriginRequestPolicyConfig"])
	forwarded := map[string]any{
		"query":   asMap(orp["QueryStringsConfig"])["QueryStringBehavior"],
		"headers": asMap(orp["HeadersConfig"])["HeaderBehavior"],
		"cookies": asMap(orp["CookiesConfig"])["CookieBehavior"],
	}
	if diff := cmp.Diff(map[string]any{"query": "all", "headers": "none", "cookies": "none"}, forwarded); diff != "" {
		t.Errorf("origin request policy (-want +got):\n%s", diff)
	}

	// nosniff, a sandbox that runs and loads nothing, no referrer.
	sec := asMap(asMap(byRef(t, doc, "AWS::CloudFront::ResponseHeadersPolicy", b["ResponseHeadersPolicyId"])["ResponseHeadersPolicyConfig"])["SecurityHeadersConfig"])
	csp := asMap(sec["ContentSecurityPolicy"])
	headers := map[string]any{
		"nosniff":  asMap(sec["ContentTypeOptions"])["Override"],
		"csp":      csp["ContentSecurityPolicy"],
		"cspWins":  csp["Override"],
		"referrer": asMap(sec["ReferrerPolicy"])["ReferrerPolicy"],
	}
	wantHeaders := map[string]any{"nosniff": true, "csp": "default-src 'none'; sandbox", "cspWins": true, "referrer": "no-referrer"}
	if diff := cmp.Diff(wantHeaders, headers); diff != "" {
		t.Errorf("response headers (-want +got):\n%s", diff)
	}

	// The agent function hands out URLs on this distribution, an origin
	// the inbox and the widget do not share; nothing else may read the bucket.
	web := asMap(dists["WebDistribution"]["DistributionConfig"])
	if web == nil {
		t.Fatal("no WebDistribution")
	}
	filesURL := m.Outputs["FilesUrl"]
	if u, err := url.Parse(filesURL); err != nil || u.Scheme != "https" || !strings.HasSuffix(u.Host, ".cloudfront.net") || u.Path != "" {
		t.Errorf("FilesUrl = %q, want https://<distribution>.cloudfront.net", filesURL)
	}
	if got := m.Functions["AgentApiFunction"].Env["FILES_BASE_URL"]; got != filesURL {
		t.Errorf("AgentApiFunction FILES_BASE_URL = %q, want %q", got, filesURL)
	}
	if strings.Contains(m.Outputs["InboxUrl"], strings.TrimPrefix(filesURL, "https://")) {
		t.Errorf("files origin %s is the inbox's (%s)", filesURL, m.Outputs["InboxUrl"])
	}
	for id, p := range resourcesOfType(doc, "AWS::S3::BucketPolicy") {
		if p["Bucket"] != bucket {
			continue
		}
		for _, st := range asSlice(asMap(p["PolicyDocument"])["Statement"]) {
			if s := asMap(st); strings.Contains(strings.ToLower(asString(s["Action"])), "get") || asMap(s["Principal"])["Service"] != "ses.amazonaws.com" {
				t.Errorf("%s: %v; the mail bucket may only take SES's deliveries", id, s)
			}
		}
	}
}

// byRef is the properties of the resource of type typ that ref (a
// resolved Ref) names.
func byRef(t *testing.T, doc map[string]any, typ string, ref any) map[string]any {
	t.Helper()
	data, err := os.ReadFile(realTemplate)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := decodeYAML(data)
	if err != nil {
		t.Fatal(err)
	}
	r, err := newResolver(raw.(map[string]any), Options{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	for id, props := range resourcesOfType(doc, typ) {
		if phys, err := r.physicalID(id, "test"); err == nil && phys == ref {
			return props
		}
	}
	t.Fatalf("no %s named %v", typ, ref)
	return nil
}
