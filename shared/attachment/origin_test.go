package attachment

import (
	"net/url"
	"testing"
)

// Downloads served from the files origin are the presigned request with
// only the scheme and host replaced (shared/bucket's
// TestDownloadFromFilesOrigin signs them as S3 will check them).
func TestRebase(t *testing.T) {
	origin := &url.URL{Scheme: "https", Host: "d111111abcdef8.cloudfront.net"}
	tests := []struct {
		signed, want string
		wantErr      bool
	}{
		{signed: "https://b.s3.eu-west-1.amazonaws.com/attachments/c/m/1-a%28b%29%20c.pdf?X-Amz-Signature=ab&response-content-type=application%2Foctet-stream",
			want: "https://d111111abcdef8.cloudfront.net/attachments/c/m/1-a%28b%29%20c.pdf?X-Amz-Signature=ab&response-content-type=application%2Foctet-stream"},
		{signed: "http://127.0.0.1:9000/mail/attachments/k?z=1&a=2", want: "https://d111111abcdef8.cloudfront.net/mail/attachments/k?z=1&a=2"},
		{signed: "/attachments/k?X-Amz-Signature=ab", wantErr: true},
		{signed: "https://b.s3.amazonaws.com", want: "https://d111111abcdef8.cloudfront.net"},
		{signed: "://bad", wantErr: true},
	}
	for _, tt := range tests {
		got, err := rebase(tt.signed, origin)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("rebase(%q) = %q, %v; want %q (error %v)", tt.signed, got, err, tt.want, tt.wantErr)
		}
	}
	if got, err := rebase("https://b.s3.amazonaws.com/k?s=1", nil); err != nil || got != "https://b.s3.amazonaws.com/k?s=1" {
		t.Errorf("rebase without an origin = %q, %v; want the URL unchanged", got, err)
	}
}
