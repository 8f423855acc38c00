package template

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const bucketsTemplate = `
Parameters:
  AllowedOrigins:
    Type: CommaDelimitedList
    Default: "http://localhost:3000,https://shop.example"
Resources:
  FilesBucket:
    Type: AWS::S3::Bucket
    Properties:
      LifecycleConfiguration:
        Rules:
          - Id: expire-uncommitted-uploads
            Status: Enabled
            Prefix: uploads/
            ExpirationInDays: 1
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }
          - Id: paused
            Status: Disabled
            Prefix: attachments/
            ExpirationInDays: 7
          - Id: multipart-only
            Status: Enabled
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }
      CorsConfiguration:
        CorsRules:
          - Id: browser-uploads
            AllowedOrigins: !Ref AllowedOrigins
            AllowedMethods: [POST]
            AllowedHeaders: ["*"]
            ExposedHeaders: [ETag]
            MaxAge: 600
  PlainBucket:
    Type: AWS::S3::Bucket
`

// TestLoadBuckets: a bucket's expiration and CORS rules reach the local S3
// resolved; rules that change nothing locally (disabled, multipart only)
// are left out.
func TestLoadBuckets(t *testing.T) {
	m, err := Load(writeTemplate(t, bucketsTemplate), Options{StackName: "st"})
	if err != nil {
		t.Fatal(err)
	}
	files := strings.ToLower("st-FilesBucket-" + stableID("FilesBucket", 12, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
	want := map[string]BucketConfig{files: {
		Expiration: []ExpirationRule{{ID: "expire-uncommitted-uploads", Prefix: "uploads/", Days: 1}},
		CORS: []CORSRule{{
			ID: "browser-uploads", AllowedOrigins: []string{"http://localhost:3000", "https://shop.example"},
			AllowedMethods: []string{"POST"}, AllowedHeaders: []string{"*"}, ExposedHeaders: []string{"ETag"}, MaxAge: 600,
		}},
	}}
	if diff := cmp.Diff(want, m.Mail.BucketConfigs); diff != "" {
		t.Errorf("bucket configs (-want +got):\n%s", diff)
	}
	if len(m.Mail.Buckets) != 2 {
		t.Errorf("buckets %v, want both", m.Mail.Buckets)
	}
}

// TestLoadBucketErrors: a rule the local S3 could not honour as S3 does
// stops the start and names the bucket and the rule.
func TestLoadBucketErrors(t *testing.T) {
	bucket := func(props string) string {
		return "Resources:\n  FilesBucket:\n    Type: AWS::S3::Bucket\n    Properties:\n" + props
	}
	tests := []struct{ name, body, want string }{
		{"expiration by tag", bucket(`      LifecycleConfiguration:
        Rules:
          - { Id: tagged, Status: Enabled, ExpirationInDays: 1, TagFilters: [{ Key: a, Value: b }] }
`), "bucket FilesBucket lifecycle rule tagged: TagFilters is not supported by the local cloud"},
		{"expiration on a date", bucket(`      LifecycleConfiguration:
        Rules:
          - { Status: Enabled, ExpirationDate: "2030-01-01T00:00:00" }
`), "bucket FilesBucket lifecycle rule #1: ExpirationDate is not supported by the local cloud"},
		{"CORS method S3 refuses", bucket(`      CorsConfiguration:
        CorsRules:
          - { AllowedOrigins: ["*"], AllowedMethods: [PATCH] }
`), `bucket FilesBucket CORS rule 1: method "PATCH" is not one of GET, PUT, HEAD, POST, DELETE`},
		{"CORS origin with two wildcards", bucket(`      CorsConfiguration:
        CorsRules:
          - { AllowedOrigins: ["https://*.*.example"], AllowedMethods: [GET] }
`), `bucket FilesBucket CORS rule 1: origin "https://*.*.example" has more than one wildcard`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeTemplate(t, tt.body), Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
