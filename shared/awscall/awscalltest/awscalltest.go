// Package awscalltest checks shared/awscall's calls against the SDK's:
// a server that records what each client sends and answers as a test
// says, so a test makes the same call with the SDK's client and with
// Parley's and compares the two requests.
package awscalltest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Recorded is one request as the server received it.
type Recorded struct {
	Method string
	// Path is the escaped path, RawQuery the query as sent.
	Path, RawQuery string
	Header         http.Header
	Body           []byte
}

// Answer is what the server answers a request with.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Server records requests and answers each with answer's result.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []Recorded
}

// New starts a server that answers with answer, closed with the test.
func New(t *testing.T, answer func(Recorded) Answer) *Server {
	t.Helper()
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := Recorded{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
		rec.Header.Set("Host", r.Host)
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
		a := answer(rec)
		for k, vs := range a.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(a.Status)
		_, _ = w.Write(a.Body)
	}))
	t.Cleanup(s.Close)
	return s
}

// Config is an AWS configuration for the server: a region, static
// credentials and the standard retryer without its waits.
func Config() aws.Config {
	return aws.Config{
		Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "token"),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.Backoff = noWait{} })
		},
	}
}

type noWait struct{}

func (noWait) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// Redirect is an HTTP client that sends every request to the server,
// whatever its host (which the request keeps in its Host header): a
// client at AWS's endpoints, tested here.
func (s *Server) Redirect() aws.HTTPClient { return redirect{s} }

type redirect struct{ s *Server }

func (r redirect) Do(req *http.Request) (*http.Response, error) {
	u, err := url.Parse(r.s.URL)
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Host = req.URL.Host
	req.URL.Scheme, req.URL.Host = u.Scheme, u.Host
	return r.s.Client().Do(req)
}

// Take returns the requests received since the last Take.
func (s *Server) Take() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.requests
	s.requests = nil
	return r
}

// Endpoint is the server's URL, as a client's endpoint.
func (s *Server) Endpoint() *string { return aws.String(s.URL) }

// Call is one operation made both ways: with the SDK's client and with
// Parley's. Either may fail the test itself (an answer it did not expect);
// an error returned fails it.
type Call struct {
	Name      string
	SDK, Ours func() error
	// Headers are the headers compared (Same), beside the test's.
	Headers []string
}

// Compare makes each call with the SDK's client, then with Parley's, each
// as a subtest, and checks that each sent one request, the same (Same)
// in the headers named.
func (s *Server) Compare(t *testing.T, calls []Call, headers ...string) {
	t.Helper()
	for _, c := range calls {
		t.Run(c.Name, func(t *testing.T) {
			if err := c.SDK(); err != nil {
				t.Fatalf("the SDK's call: %v", err)
			}
			want := s.Take()
			if err := c.Ours(); err != nil {
				t.Fatal(err)
			}
			got := s.Take()
			if len(got) != 1 || len(want) != 1 {
				t.Fatalf("%d requests, the SDK %d; want 1 each", len(got), len(want))
			}
			Same(t, want[0], got[0], append(headers, c.Headers...)...)
		})
	}
}

// Same fails the test unless ours is the request sdk is in what AWS
// reads: method, path, query, the headers named, and the body (JSON
// bodies compared as values). Both must be signed for the same service
// and region, with the same signed headers among those named.
func Same(t *testing.T, sdk, ours Recorded, headers ...string) {
	t.Helper()
	if sdk.Method != ours.Method || sdk.Path != ours.Path {
		t.Errorf("request %s %s, the SDK's %s %s", ours.Method, ours.Path, sdk.Method, sdk.Path)
	}
	if sdk.RawQuery != ours.RawQuery {
		t.Errorf("query %q, the SDK's %q", ours.RawQuery, sdk.RawQuery)
	}
	for _, h := range headers {
		if got, want := ours.Header.Values(h), sdk.Header.Values(h); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("header %s = %q, the SDK's %q", h, got, want)
		}
	}
	if !sameBody(sdk.Body, ours.Body) {
		t.Errorf("body\n%s\nthe SDK's\n%s", ours.Body, sdk.Body)
	}
	if got, want := scope(ours.Header.Get("Authorization")), scope(sdk.Header.Get("Authorization")); got != want {
		t.Errorf("signed for %q, the SDK for %q", got, want)
	}
	for _, h := range headers {
		if signed(sdk, h) != signed(ours, h) {
			t.Errorf("header %s signed: %v, by the SDK: %v", h, signed(ours, h), signed(sdk, h))
		}
	}
}

func sameBody(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

// scope is the credential scope of a SigV4 Authorization header without
// its date: region/service/aws4_request.
func scope(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return cred
	}
	return strings.Join(parts[2:], "/")
}

func signed(r Recorded, header string) bool {
	_, list, _ := strings.Cut(r.Header.Get("Authorization"), "SignedHeaders=")
	list, _, _ = strings.Cut(list, ",")
	for _, h := range strings.Split(list, ";") {
		if strings.EqualFold(h, header) {
			return true
		}
	}
	return false
}
