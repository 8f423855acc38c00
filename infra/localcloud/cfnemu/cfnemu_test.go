package cfnemu_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/cfnemu"
	"github.com/parleychat/parley/infra/localcloud/template"
	"github.com/parleychat/parley/shared/customresource"
)

// resource is a custom resource function behind shared/customresource,
// recording the requests it gets.
type resource struct {
	mu     sync.Mutex
	events []cfn.Event
	fail   error
	silent bool
}

func (f *resource) work(_ context.Context, ev cfn.Event) (string, map[string]any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, ev)
	if f.fail != nil {
		return "", nil, f.fail
	}
	return "bucket-" + ev.ResourceProperties["Bucket"].(string), nil, nil
}

func start(t *testing.T, f *resource) *cfnemu.Runner {
	t.Helper()
	var r *cfnemu.Runner
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h := customresource.New(f.work, srv.Client())
	r = cfnemu.New("arn:aws:cloudformation:us-east-1:000000000000:stack/parley-local/1", srv.URL+"/_local/cfn", func(fn string, payload []byte) {
		if fn != "WebPublisherFunction" {
			t.Errorf("invoked %s", fn)
		}
		if f.silent {
			return
		}
		var ev cfn.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			t.Error(err)
			return
		}
		go func() { _ = h.Handle(context.Background(), ev) }()
	})
	mux.Handle("/_local/cfn/", http.StripPrefix("/_local/cfn", r))
	return r
}

var webPublish = &template.CustomResource{LogicalID: "WebPublish", Type: "Custom::WebPublish", Function: "WebPublisherFunction", Timeout: 5 * time.Second}

// A resource's life as CloudFormation drives it: Create, Update with the
// old properties and the physical id, Delete with the last properties.
func TestLifecycle(t *testing.T) {
	f := &resource{}
	r := start(t, f)
	for _, step := range []struct {
		typ   cfn.RequestType
		props map[string]any
	}{
		{cfn.RequestCreate, map[string]any{"Bucket": "a"}},
		{cfn.RequestUpdate, map[string]any{"Bucket": "b"}},
		{cfn.RequestDelete, nil},
	} {
		res, err := r.Run(t.Context(), webPublish, step.typ, step.props)
		if err != nil {
			t.Fatalf("%s: %v", step.typ, err)
		}
		if res.Status != cfn.StatusSuccess {
			t.Fatalf("%s: %+v", step.typ, res)
		}
	}
	type seen struct {
		Type           cfn.RequestType
		Physical       string
		Props, OldProp map[string]any
	}
	var got []seen
	for _, ev := range f.events {
		got = append(got, seen{ev.RequestType, ev.PhysicalResourceID, ev.ResourceProperties, ev.OldResourceProperties})
		if ev.StackID == "" || ev.ResourceType != "Custom::WebPublish" || ev.LogicalResourceID != "WebPublish" || !strings.HasSuffix(ev.ResponseURL, ev.RequestID) {
			t.Errorf("event %+v", ev)
		}
	}
	want := []seen{
		{cfn.RequestCreate, "", map[string]any{"Bucket": "a"}, nil},
		{cfn.RequestUpdate, "bucket-a", map[string]any{"Bucket": "b"}, map[string]any{"Bucket": "a"}},
		{cfn.RequestDelete, "bucket-b", map[string]any{"Bucket": "b"}, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestFailures(t *testing.T) {
	f := &resource{fail: errors.New("put widget/loader.js: AccessDenied")}
	r := start(t, f)
	_, err := r.Run(t.Context(), webPublish, cfn.RequestCreate, map[string]any{"Bucket": "a"})
	if err == nil || !strings.Contains(err.Error(), "Create failed: put widget/loader.js: AccessDenied") {
		t.Fatalf("err = %v, want the reason", err)
	}
	if _, err := r.Run(t.Context(), webPublish, cfn.RequestUpdate, map[string]any{"Bucket": "a"}); err == nil {
		t.Error("Update of a resource whose Create failed was sent")
	}

	silent := start(t, &resource{silent: true})
	quick := *webPublish
	quick.Timeout = 50 * time.Millisecond
	if _, err := silent.Run(t.Context(), &quick, cfn.RequestCreate, map[string]any{"Bucket": "a"}); err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Errorf("err = %v, want no answer within the ServiceTimeout", err)
	}
}

// The response URL refuses what the presigned S3 URL and CloudFormation
// would.
func TestResponseURLRefuses(t *testing.T) {
	r := cfnemu.New("stack", "http://x/_local/cfn", func(string, []byte) {})
	tests := []struct {
		name, path, ctype, body string
		want                    int
	}{
		{"unknown request", "/nope", "", `{}`, http.StatusForbidden},
		{"content type", "/nope", "application/json", `{}`, http.StatusForbidden},
		{"too large", "/nope", "", strings.Repeat("x", 5000), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPut, tt.path, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != tt.want {
				t.Errorf("%d %s, want %d", w.Code, w.Body, tt.want)
			}
		})
	}
}

// An answer that does not name its request, or names no physical id or
// status, is refused as CloudFormation refuses it; the request keeps
// waiting for a proper one.
func TestMalformedAnswersAreRefused(t *testing.T) {
	events := make(chan cfn.Event, 1)
	r := cfnemu.New("stack", "http://x/_local/cfn", func(_ string, payload []byte) {
		var ev cfn.Event
		_ = json.Unmarshal(payload, &ev)
		events <- ev
	})
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), webPublish, cfn.RequestCreate, map[string]any{"Bucket": "a"})
		done <- err
	}()
	ev := <-events
	put := func(res cfn.Response) int {
		b, _ := json.Marshal(res)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/"+ev.RequestID, strings.NewReader(string(b))))
		return w.Code
	}
	good := cfn.Response{Status: cfn.StatusSuccess, RequestID: ev.RequestID, LogicalResourceID: ev.LogicalResourceID, StackID: ev.StackID, PhysicalResourceID: "p"}
	for name, change := range map[string]func(*cfn.Response){
		"no physical id": func(r *cfn.Response) { r.PhysicalResourceID = "" },
		"other request":  func(r *cfn.Response) { r.RequestID = "nope" },
		"unknown status": func(r *cfn.Response) { r.Status = "DONE" },
		"other stack":    func(r *cfn.Response) { r.StackID = "arn:other" },
		"other resource": func(r *cfn.Response) { r.LogicalResourceID = "Other" },
	} {
		bad := good
		change(&bad)
		if code := put(bad); code != http.StatusBadRequest {
			t.Errorf("%s: answered %d, want 400", name, code)
		}
	}
	if code := put(good); code != http.StatusOK {
		t.Fatalf("a proper answer: %d", code)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
