// Package cfnemu is the part of CloudFormation the local cloud plays for
// custom resources: it sends a resource's function the Create, Update or
// Delete request CloudFormation would (an asynchronous invocation with a
// presigned response URL), serves that URL, checks the answer as
// CloudFormation does, and keeps the resource's physical id and
// properties for the next request.
package cfnemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// maxResponse is CloudFormation's limit for a custom resource's answer.
const maxResponse = 4096

// Invoke starts an asynchronous invocation of a function (by logical id),
// as CloudFormation invokes a custom resource's ServiceToken.
type Invoke func(logicalID string, payload []byte)

// Runner sends custom resources their requests and serves the response
// URLs (mount it at the URL base given to New).
type Runner struct {
	stackID string
	base    string
	invoke  Invoke

	mu       sync.Mutex
	waiting  map[string]*request // by request id
	physical map[string]string   // logical id -> physical id
	props    map[string]map[string]any
}

type request struct {
	ev     cfn.Event
	answer chan cfn.Response
	done   bool
}

// New returns a Runner for the stack; responseBase is the absolute URL the
// Runner is served at.
func New(stackID, responseBase string, invoke Invoke) *Runner {
	return &Runner{stackID: stackID, base: strings.TrimSuffix(responseBase, "/"), invoke: invoke,
		waiting: map[string]*request{}, physical: map[string]string{}, props: map[string]map[string]any{}}
}

// Run sends res a request with its properties props (ignored for Delete,
// which sends the last ones applied) and waits for the answer, at most the
// resource's ServiceTimeout. A FAILED answer is an error with its reason,
// as a stack event would show it.
func (r *Runner) Run(ctx context.Context, res *template.CustomResource, typ cfn.RequestType, props map[string]any) (cfn.Response, error) {
	r.mu.Lock()
	ev := cfn.Event{RequestType: typ, RequestID: uuid.NewString(), ResourceType: res.Type, LogicalResourceID: res.LogicalID,
		StackID: r.stackID, ResourceProperties: props}
	ev.ResponseURL = r.base + "/" + ev.RequestID
	physical, exists := r.physical[res.LogicalID]
	switch typ {
	case cfn.RequestCreate:
		if exists {
			r.mu.Unlock()
			return cfn.Response{}, fmt.Errorf("custom resource %s: Create of a resource that exists (%s)", res.LogicalID, physical)
		}
	case cfn.RequestUpdate, cfn.RequestDelete:
		if !exists {
			r.mu.Unlock()
			return cfn.Response{}, fmt.Errorf("custom resource %s: %s of a resource never created", res.LogicalID, typ)
		}
		ev.PhysicalResourceID = physical
		if typ == cfn.RequestUpdate {
			ev.OldResourceProperties = r.props[res.LogicalID]
		} else {
			ev.ResourceProperties = r.props[res.LogicalID]
		}
	default:
		r.mu.Unlock()
		return cfn.Response{}, fmt.Errorf("custom resource %s: unknown request type %q", res.LogicalID, typ)
	}
	req := &request{ev: ev, answer: make(chan cfn.Response, 1)}
	r.waiting[ev.RequestID] = req
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.waiting, ev.RequestID)
		r.mu.Unlock()
	}()

	payload, err := json.Marshal(ev)
	if err != nil {
		return cfn.Response{}, err
	}
	r.invoke(res.Function, payload)
	timer := time.NewTimer(res.Timeout)
	defer timer.Stop()
	var out cfn.Response
	select {
	case out = <-req.answer:
	case <-timer.C:
		return cfn.Response{}, fmt.Errorf("custom resource %s: no answer to %s within %v (ServiceTimeout)", res.LogicalID, typ, res.Timeout)
	case <-ctx.Done():
		return cfn.Response{}, fmt.Errorf("custom resource %s: %s: %w", res.LogicalID, typ, ctx.Err())
	}
	if out.Status == cfn.StatusFailed {
		return out, fmt.Errorf("custom resource %s: %s failed: %s", res.LogicalID, typ, out.Reason)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if typ == cfn.RequestDelete {
		delete(r.physical, res.LogicalID)
		delete(r.props, res.LogicalID)
	} else {
		r.physical[res.LogicalID] = out.PhysicalResourceID
		r.props[res.LogicalID] = props
	}
	return out, nil
}

// ServeHTTP takes answers PUT to response URLs. Like the presigned S3 URL
// CloudFormation hands out, it refuses a request signed differently (a
// Content-Type header) and an answer to no pending request, and it refuses
// what CloudFormation refuses: an answer over 4 KB, or one that does not
// name its request, a status, or a physical id.
func (r *Runner) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	id := strings.TrimPrefix(req.URL.Path, "/")
	if req.Method != http.MethodPut {
		http.Error(w, "response URLs take PUT", http.StatusMethodNotAllowed)
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "" {
		http.Error(w, "SignatureDoesNotMatch: the URL is presigned without a Content-Type, the request has "+ct, http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxResponse+1))
	if err != nil || len(body) > maxResponse {
		http.Error(w, "the answer is over 4096 bytes", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	pending, ok := r.waiting[id]
	r.mu.Unlock()
	if !ok {
		http.Error(w, "AccessDenied: no pending request "+id, http.StatusForbidden)
		return
	}
	var res cfn.Response
	if err := json.Unmarshal(body, &res); err != nil {
		http.Error(w, "the answer is not JSON", http.StatusBadRequest)
		return
	}
	if err := check(pending.ev, res); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	first := !pending.done
	pending.done = true
	r.mu.Unlock()
	// A second answer (a retried invocation) is stored over the first at
	// the URL, as S3 does; CloudFormation has acted on the first.
	if first {
		pending.answer <- res
	}
	w.WriteHeader(http.StatusOK)
}

func check(ev cfn.Event, res cfn.Response) error {
	var errs []error
	if res.Status != cfn.StatusSuccess && res.Status != cfn.StatusFailed {
		errs = append(errs, fmt.Errorf("the answer's Status %q is neither SUCCESS nor FAILED", res.Status))
	}
	if res.RequestID != ev.RequestID || res.LogicalResourceID != ev.LogicalResourceID || res.StackID != ev.StackID {
		errs = append(errs, errors.New("the answer does not name its request (RequestId, LogicalResourceId, StackId)"))
	}
	if res.PhysicalResourceID == "" {
		errs = append(errs, errors.New("PhysicalResourceId is empty"))
	}
	return errors.Join(errs...)
}
