// Package customresource speaks CloudFormation's custom resource protocol
// for a Lambda-backed resource: it runs the resource's work for a Create,
// Update or Delete request and always answers the request's response URL
// (SUCCESS, or FAILED with a reason), before the function's own deadline,
// so a stack never waits an hour for an answer that will not come.
package customresource

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
)

// Work does what a request asks. It returns the resource's physical id
// (empty keeps the one CloudFormation sent, or for a Create the logical
// id) and the values Fn::GetAtt may read.
type Work func(ctx context.Context, ev cfn.Event) (physicalID string, data map[string]any, err error)

// Doer sends the answer (an *http.Client).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Answer margins: the work stops this long before the function's deadline
// so the answer still goes out, and the answer gets at most this long.
const (
	answerMargin  = 5 * time.Second
	answerTimeout = 4 * time.Second
	// maxReason keeps the whole answer under CloudFormation's 4 KB limit.
	maxReason = 1024
)

// Handler answers custom resource requests with w's outcome.
type Handler struct {
	work Work
	http Doer
}

// New returns a Handler running w and answering through client.
func New(w Work, client Doer) *Handler { return &Handler{work: w, http: client} }

// Handle is the Lambda handler. It returns an error only when the answer
// could not be delivered: Lambda then retries the request, which the work
// must bear (it is idempotent).
func (h *Handler) Handle(ctx context.Context, ev cfn.Event) error {
	res := cfn.NewResponse(&ev)
	res.PhysicalResourceID = ev.PhysicalResourceID
	if res.PhysicalResourceID == "" {
		res.PhysicalResourceID = ev.LogicalResourceID
	}
	workCtx := ctx
	if d, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		workCtx, cancel = context.WithDeadline(ctx, d.Add(-answerMargin))
		defer cancel()
	}
	id, data, err := h.run(workCtx, ev)
	switch {
	case err != nil:
		res.Status, res.Reason = cfn.StatusFailed, reason(err)
		slog.ErrorContext(ctx, "custom resource failed", "requestType", ev.RequestType, "logicalResourceId", ev.LogicalResourceID, "error", err)
	default:
		res.Status, res.Data = cfn.StatusSuccess, data
		if id != "" {
			res.PhysicalResourceID = id
		}
		slog.InfoContext(ctx, "custom resource done", "requestType", ev.RequestType, "logicalResourceId", ev.LogicalResourceID, "physicalResourceId", res.PhysicalResourceID)
	}
	if err := h.answer(ctx, ev.ResponseURL, res); err != nil {
		return fmt.Errorf("answer %s %s: %w", ev.RequestType, ev.LogicalResourceID, err)
	}
	return nil
}

func (h *Handler) run(ctx context.Context, ev cfn.Event) (id string, data map[string]any, err error) {
	switch ev.RequestType {
	case cfn.RequestCreate, cfn.RequestUpdate, cfn.RequestDelete:
	default:
		return "", nil, fmt.Errorf("unknown request type %q", ev.RequestType)
	}
	// A panic in the work must still be answered, or the stack waits.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s failed: %v", ev.RequestType, p)
		}
	}()
	id, data, err = h.work(ctx, ev)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("%s ran out of time: %w", ev.RequestType, err)
	}
	return id, data, err
}

// reason is the text CloudFormation shows for a failure, cut to fit.
func reason(err error) string {
	s := err.Error()
	if len(s) > maxReason {
		s = s[:maxReason-3] + "..."
	}
	return s
}

// answer PUTs the response to the presigned URL CloudFormation gave.
func (h *Handler) answer(ctx context.Context, url string, res *cfn.Response) error {
	body, err := json.Marshal(res)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answerTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	// The URL is presigned without a content type: sending one breaks
	// the signature.
	req.Header.Del("Content-Type")
	resp, err := h.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("response URL answered %s", resp.Status)
	}
	return nil
}
