package customresource

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/google/go-cmp/cmp"
)

// responseURL records the answers PUT to it, as CloudFormation's
// presigned URL takes them.
type responseURL struct {
	mu      sync.Mutex
	answers []cfn.Response
	ctypes  []string
	status  int
}

func (u *responseURL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var res cfn.Response
	if r.Method != http.MethodPut || json.Unmarshal(body, &res) != nil {
		http.Error(w, "bad answer", http.StatusBadRequest)
		return
	}
	u.mu.Lock()
	u.answers = append(u.answers, res)
	u.ctypes = append(u.ctypes, r.Header.Get("Content-Type"))
	status := u.status
	u.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
	}
}

func event(url string, typ cfn.RequestType, physicalID string) cfn.Event {
	return cfn.Event{RequestType: typ, RequestID: "req-1", ResponseURL: url, ResourceType: "Custom::Thing",
		PhysicalResourceID: physicalID, LogicalResourceID: "Thing", StackID: "arn:aws:cloudformation:us-east-1:1:stack/s/1",
		ResourceProperties: map[string]any{"ServiceToken": "arn:fn"}}
}

func TestHandleAnswers(t *testing.T) {
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name     string
		typ      cfn.RequestType
		physical string
		work     Work
		want     cfn.Response
	}{
		{"create", cfn.RequestCreate, "", func(context.Context, cfn.Event) (string, map[string]any, error) {
			return "bucket-1", map[string]any{"Files": 7.0}, nil
		}, cfn.Response{Status: cfn.StatusSuccess, PhysicalResourceID: "bucket-1", Data: map[string]any{"Files": 7.0}}},
		{"update keeps the id when the work names none", cfn.RequestUpdate, "bucket-1", func(context.Context, cfn.Event) (string, map[string]any, error) {
			return "", nil, nil
		}, cfn.Response{Status: cfn.StatusSuccess, PhysicalResourceID: "bucket-1"}},
		{"failed create", cfn.RequestCreate, "", func(context.Context, cfn.Event) (string, map[string]any, error) {
			return "", nil, errors.New("put widget/loader.js: AccessDenied")
		}, cfn.Response{Status: cfn.StatusFailed, PhysicalResourceID: "Thing", Reason: "put widget/loader.js: AccessDenied"}},
		{"failed update keeps the old id", cfn.RequestUpdate, "bucket-1", func(context.Context, cfn.Event) (string, map[string]any, error) {
			return "bucket-2", nil, errors.New("no")
		}, cfn.Response{Status: cfn.StatusFailed, PhysicalResourceID: "bucket-1", Reason: "no"}},
		{"long reason is cut", cfn.RequestCreate, "", func(context.Context, cfn.Event) (string, map[string]any, error) {
			return "", nil, errors.New(long)
		}, cfn.Response{Status: cfn.StatusFailed, PhysicalResourceID: "Thing", Reason: long[:maxReason-3] + "..."}},
		{"panic", cfn.RequestDelete, "bucket-1", func(context.Context, cfn.Event) (string, map[string]any, error) {
			panic("boom")
		}, cfn.Response{Status: cfn.StatusFailed, PhysicalResourceID: "bucket-1", Reason: "Delete failed: boom"}},
		{"unknown request type", "Replace", "bucket-1", func(context.Context, cfn.Event) (string, map[string]any, error) {
			t.Error("work ran for an unknown request type")
			return "", nil, nil
		}, cfn.Response{Status: cfn.StatusFailed, PhysicalResourceID: "bucket-1", Reason: `unknown request type "Replace"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &responseURL{}
			srv := httptest.NewServer(u)
			defer srv.Close()
			if err := New(tt.work, srv.Client()).Handle(t.Context(), event(srv.URL, tt.typ, tt.physical)); err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.RequestID, want.LogicalResourceID, want.StackID = "req-1", "Thing", "arn:aws:cloudformation:us-east-1:1:stack/s/1"
			if diff := cmp.Diff([]cfn.Response{want}, u.answers, cmp.AllowUnexported(cfn.Response{})); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
			if u.ctypes[0] != "" {
				t.Errorf("answer sent with Content-Type %q; the presigned URL is signed without one", u.ctypes[0])
			}
		})
	}
}

// Work that would outlive the function is stopped in time to answer:
// the stack hears FAILED instead of waiting for a timeout.
func TestHandleAnswersBeforeTheDeadline(t *testing.T) {
	u := &responseURL{}
	srv := httptest.NewServer(u)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), answerMargin+200*time.Millisecond)
	defer cancel()
	work := func(ctx context.Context, _ cfn.Event) (string, map[string]any, error) {
		<-ctx.Done()
		return "", nil, ctx.Err()
	}
	if err := New(work, srv.Client()).Handle(ctx, event(srv.URL, cfn.RequestCreate, "")); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("answered after the function's deadline")
	}
	if len(u.answers) != 1 || u.answers[0].Status != cfn.StatusFailed || !strings.Contains(u.answers[0].Reason, "ran out of time") {
		t.Fatalf("answers = %+v, want one FAILED for running out of time", u.answers)
	}
}

// An answer CloudFormation did not take is an error of the invocation, so
// Lambda retries it.
func TestHandleReportsALostAnswer(t *testing.T) {
	u := &responseURL{status: http.StatusForbidden}
	srv := httptest.NewServer(u)
	defer srv.Close()
	work := func(context.Context, cfn.Event) (string, map[string]any, error) { return "x", nil, nil }
	err := New(work, srv.Client()).Handle(t.Context(), event(srv.URL, cfn.RequestCreate, ""))
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("err = %v, want the response URL's 403", err)
	}
}
