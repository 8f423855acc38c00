package attachment

import (
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
)

// signedBucket is the mail bucket as the S3 client sees it in AWS: listed
// and headed in memory, presigned by the SDK's real presigner.
type signedBucket struct {
	bucket
	presign *s3.PresignClient
}

func newSignedBucket(keys ...string) *signedBucket {
	c := s3.New(s3.Options{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "session-token")})
	b := &signedBucket{bucket: *newBucket(), presign: s3.NewPresignClient(c)}
	for _, k := range keys {
		b.objects[k] = object{}
	}
	return b
}

// Downloads served from the files origin are the presigned request with
// only the scheme and host replaced: put back on the host it was signed
// for (what the distribution's origin request is), the path and query are
// the signed ones byte for byte, so S3's signature check still holds.
func TestGetServedFromFilesOrigin(t *testing.T) {
	const signedHost = "https://mail.s3.eu-west-1.amazonaws.com"
	files := []string{"m1/1-logo (1).svg", "m1/2-Zoë's report+final.pdf", "m1/3-photo.png", "m1/4-a;b=c&d.html"}
	keys := make([]string, len(files))
	for i, f := range files {
		keys[i] = Folder + conv + "/" + f
	}
	b := newSignedBucket(keys...)
	tests := []struct {
		origin     string
		wantPrefix string
	}{
		{"", signedHost + "/"},
		{"https://d111111abcdef8.cloudfront.net", "https://d111111abcdef8.cloudfront.net/"},
		{"http://127.0.0.1:4567", "http://127.0.0.1:4567/"},
	}
	for _, tt := range tests {
		for _, f := range files {
			t.Run(tt.origin+" "+f, func(t *testing.T) {
				var opts []Option
				if tt.origin != "" {
					o, err := url.Parse(tt.origin)
					if err != nil {
						t.Fatal(err)
					}
					opts = append(opts, ServeFrom(o))
				}
				svc := newService(t, b, b.presign, opts...)
				d, err := svc.Get(t.Context(), chat.Principal{Role: chat.RoleAgent, ID: "a"}, conv, encodeID(f))
				if err != nil {
					t.Fatal(err)
				}
				rest, ok := strings.CutPrefix(d.URL, strings.TrimSuffix(tt.wantPrefix, "/"))
				if !ok || !strings.HasPrefix(rest, "/") {
					t.Fatalf("URL %s is not on %s", d.URL, tt.wantPrefix)
				}
				// The request S3 gets: the signed host, the viewer's path and query.
				atOrigin, err := url.Parse(signedHost + rest)
				if err != nil {
					t.Fatal(err)
				}
				q := atOrigin.Query()
				if q.Get("X-Amz-Signature") == "" || q.Get("X-Amz-SignedHeaders") != "host" || q.Get("X-Amz-Security-Token") != "session-token" {
					t.Errorf("query %v: want a signature over the host alone, with the session token", q)
				}
				if got, want := atOrigin.Path, "/"+Folder+conv+"/"+f; got != want {
					t.Errorf("path %q, want %q", got, want)
				}
				if got := q.Get("response-content-disposition"); !strings.HasPrefix(got, "attachment;") && !strings.HasPrefix(got, "inline;") {
					t.Errorf("response-content-disposition = %q", got)
				}
				// The same signature as a URL for the bucket's own host.
				direct := newService(t, b, b.presign)
				d2, err := direct.Get(t.Context(), chat.Principal{Role: chat.RoleAgent, ID: "a"}, conv, encodeID(f))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(withoutSignature(t, d2.URL), withoutSignature(t, signedHost+rest)); diff != "" {
					t.Errorf("request at the origin differs from the signed one (-signed +forwarded):\n%s", diff)
				}
			})
		}
	}
}

// withoutSignature is a presigned URL without the parts that change from
// one signing to the next (the time and the signature), byte for byte
// otherwise.
func withoutSignature(t *testing.T, raw string) string {
	t.Helper()
	base, query, _ := strings.Cut(raw, "?")
	var kept []string
	for _, p := range strings.Split(query, "&") {
		if !strings.HasPrefix(p, "X-Amz-Date=") && !strings.HasPrefix(p, "X-Amz-Signature=") && !strings.HasPrefix(p, "X-Amz-Credential=") {
			kept = append(kept, p)
		}
	}
	return base + "?" + strings.Join(kept, "&")
}

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
