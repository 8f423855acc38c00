// Package awscall makes the few AWS calls Parley needs of S3, SES,
// Secrets Manager and Cognito as signed HTTP requests, without their SDK
// clients. Each of those clients costs a function 0.3 to 1 MB of binary
// whether it makes one call or all of them (docs/cost.md, "Cold start and
// binary size"), while the parts a call needs — the SigV4 signer, the
// standard retryer, the HTTP transport and the credentials — are the
// ones the DynamoDB client links already. DynamoDB and the @connections
// API keep their SDK clients: they are on every message's path and use
// far more of them.
//
// What the SDK would do for these calls and this package does too:
// endpoints (the service's regional one, or AWS_ENDPOINT_URL_<service>
// through setup.Endpoint), SigV4 signing, the SDK's standard retries
// (retry.Standard: throttling, 5xx and connection errors, at most three
// attempts, with its backoff and retry quota), and errors that carry
// the service's code, message and HTTP status as smithy.APIError, so a
// caller tells them apart as it would the SDK's; for S3, a 200 answer
// holding an <Error> document is an error too, and objects are asked for
// as stored (Accept-Encoding: identity). The wire format of each
// call is checked against the SDK's own requests in the adapters' tests.
//
// Every call names the IAM action it needs as an Action constant; the
// template's test reads those constants from the code to check each
// function's policy, as it reads the SDK's operations.
package awscall

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Action is the IAM action a call needs, such as "s3:GetObject"; a call
// that needs more than one (S3's copy also reads its source) names them
// separated by spaces. Calls take it as a constant, which the template's
// test reads.
type Action string

// maxAnswerBytes bounds an answer read whole (every answer but a
// streamed object). Most are a few KB, but a ListObjectsV2 page of 1,000
// keys of up to 1,024 bytes, each of S3's XML escapes (&apos; is 6 bytes
// for 1), runs to about 6.5 MB; one of Parley's keys (a 120-character file
// name) can make a page over 1 MB already.
const maxAnswerBytes = 8 << 20

// UnsignedPayload is the payload hash of a request whose body is not
// signed (S3 only).
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// Client calls one AWS service.
type Client struct {
	// Service is the signing name ("s3", "ses", "secretsmanager",
	// "cognito-idp").
	Service string
	// Region is the region signed for.
	Region string
	// Endpoint is the base URL calls go to, without a trailing slash.
	Endpoint string
	// Custom is set when Endpoint is a configured one (the local cloud),
	// not AWS's.
	Custom bool

	creds   aws.CredentialsProvider
	http    aws.HTTPClient
	signer  *v4.Signer
	retryer aws.Retryer
	now     func() time.Time
}

// New returns the client of service (its signing name) in cfg's region
// with cfg's credentials, at endpoint, or (nil) at AWS's endpoint
// https://<host>.<region>.<partition's domain>. cfg.HTTPClient, when
// set, sends the requests, and cfg.Retryer, when set, retries them
// (tests), or cfg.RetryMaxAttempts bounds the SDK's standard retryer's
// attempts; otherwise that retryer retries as it would for the SDK. A configuration without a region or
// credentials (setup.Handler refuses to start without them) fails each
// call.
func New(cfg aws.Config, service, host string, endpoint *string) *Client {
	c := &Client{
		Service: service, Region: cfg.Region,
		creds: cfg.Credentials, http: cfg.HTTPClient, signer: v4.NewSigner(),
		retryer: retry.NewStandard(), now: time.Now,
	}
	if c.http == nil {
		c.http = awshttp.NewBuildableClient()
	}
	switch {
	case cfg.Retryer != nil:
		c.retryer = cfg.Retryer()
	case cfg.RetryMaxAttempts > 0:
		c.retryer = retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = cfg.RetryMaxAttempts })
	}
	if endpoint != nil {
		c.Endpoint, c.Custom = strings.TrimSuffix(*endpoint, "/"), true
	} else {
		c.Endpoint = "https://" + host + "." + cfg.Region + "." + DNSSuffix(cfg.Region)
	}
	return c
}

// DNSSuffix is the domain of region's partition's endpoints (the SDK's
// partitions.json: its regions' patterns and dnsSuffix).
func DNSSuffix(region string) string {
	for _, p := range []struct{ prefix, suffix string }{
		{"cn-", "amazonaws.com.cn"},
		{"eusc-", "amazonaws.eu"},
		{"us-iso-", "c2s.ic.gov"},
		{"us-isob-", "sc2s.sgov.gov"},
		{"eu-isoe-", "cloud.adc-e.uk"},
		{"us-isof-", "csp.hci.ic.gov"},
	} {
		if strings.HasPrefix(region, p.prefix) {
			return p.suffix
		}
	}
	return "amazonaws.com"
}

// Request is one call's HTTP request.
type Request struct {
	Method string
	// URL is the full URL (from the client's Endpoint).
	URL    string
	Header http.Header
	Body   []byte
	// PayloadHash replaces the body's SHA-256 in the signature
	// (UnsignedPayload); "" signs the body.
	PayloadHash string
}

// Response is a call's successful answer.
type Response struct {
	Status int
	Header http.Header
	// Body is the answer, read whole; nil for Stream's.
	Body []byte
	// Stream is the unread body of an answer asked for with Stream.
	Stream io.ReadCloser
}

// Error is an AWS error answer: the service's code and message, the HTTP
// status and the request id. It is a smithy.APIError, and the standard
// retryer reads its code and status.
type Error struct {
	Action    Action
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %d %s", e.Action, e.Status, e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RequestID != "" {
		msg += " (request " + e.RequestID + ")"
	}
	return msg
}

// ErrorCode is the service's error code (smithy.APIError).
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage is the service's message (smithy.APIError).
func (e *Error) ErrorMessage() string { return e.Message }

// ErrorFault is the side at fault (smithy.APIError).
func (e *Error) ErrorFault() smithy.ErrorFault {
	if e.Status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

// HTTPStatusCode is the answer's status, which the retryer reads.
func (e *Error) HTTPStatusCode() int { return e.Status }

// Credentials are the client's credentials, for a request the caller
// signs itself to hand on (a presigned URL, an upload policy), which
// will need action of whoever signed it.
func (c *Client) Credentials(ctx context.Context, action Action) (aws.Credentials, error) {
	if c.creds == nil {
		return aws.Credentials{}, errors.New("no credentials configured")
	}
	return c.creds.Retrieve(ctx)
}

// Do sends r, signed, retrying as the SDK's standard retryer does, and
// returns the answer read whole; an answer other than 2xx is an *Error.
func (c *Client) Do(ctx context.Context, action Action, r Request) (*Response, error) {
	return c.send(ctx, action, r, false)
}

// Stream is Do whose successful answer's body is left to the caller to
// read and close (an object's content).
func (c *Client) Stream(ctx context.Context, action Action, r Request) (*Response, error) {
	return c.send(ctx, action, r, true)
}

func (c *Client) send(ctx context.Context, action Action, r Request, stream bool) (*Response, error) {
	hash := r.PayloadHash
	if hash == "" {
		sum := sha256.Sum256(r.Body)
		hash = hex.EncodeToString(sum[:])
	}
	release := c.retryer.GetInitialToken()
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, action, r, hash, stream)
		if err == nil {
			_ = release(nil)
			return resp, nil
		}
		_ = release(err)
		if ctx.Err() != nil || attempt >= c.retryer.MaxAttempts() || !c.retryer.IsErrorRetryable(err) {
			return nil, err
		}
		delay, derr := c.retryer.RetryDelay(attempt, err)
		if derr != nil {
			return nil, err
		}
		if release, derr = c.retryer.GetRetryToken(ctx, err); derr != nil {
			return nil, err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
	}
}

// signOptions are the signer's options for the service: S3 signs the
// path as it is sent, the others its escaped form once more.
func (c *Client) signOptions(o *v4.SignerOptions) {
	o.DisableURIPathEscaping = c.Service == "s3"
}

func (c *Client) attempt(ctx context.Context, action Action, r Request, hash string, stream bool) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	req.ContentLength = int64(len(r.Body))
	if len(r.Body) == 0 && r.Method != http.MethodPost && r.Method != http.MethodPut {
		req.Body, req.GetBody = http.NoBody, nil
	}
	if c.Service == "s3" {
		req.Header.Set("X-Amz-Content-Sha256", hash)
		// An object as stored, as the SDK asks for it: otherwise Go's
		// transport asks for gzip and unzips an object stored with
		// Content-Encoding: gzip.
		if req.Header.Get("Accept-Encoding") == "" {
			req.Header.Set("Accept-Encoding", "identity")
		}
	}
	if c.creds == nil || c.Region == "" {
		return nil, fmt.Errorf("%s: no region or credentials configured", action)
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: credentials: %w", action, err)
	}
	if err := c.signer.SignHTTP(ctx, creds, req, hash, c.Service, c.Region, c.now().UTC(), c.signOptions); err != nil {
		return nil, fmt.Errorf("%s: sign: %w", action, err)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, &netError{action: action, err: err, sending: true}
	}
	if res.StatusCode/100 == 2 && stream {
		return &Response{Status: res.StatusCode, Header: res.Header, Stream: res.Body}, nil
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxAnswerBytes+1))
	if err != nil {
		return nil, &netError{action: action, err: err}
	}
	if len(body) > maxAnswerBytes {
		return nil, fmt.Errorf("%s: an answer of more than %d bytes", action, maxAnswerBytes)
	}
	if res.StatusCode/100 != 2 {
		return nil, decodeError(action, res, body)
	}
	if c.Service == "s3" && isErrorDocument(body) {
		// S3 may answer 200 and then fail (a copy, a batch delete); the SDK
		// takes such an answer as a 500 for every operation but GetObject,
		// and so retries it.
		e := decodeError(action, res, body)
		e.Status = http.StatusInternalServerError
		return nil, e
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: body}, nil
}

// isErrorDocument reports whether body is an XML document whose root is
// <Error>.
func isErrorDocument(body []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		if start, ok := tok.(xml.StartElement); ok {
			return start.Name.Local == "Error"
		}
	}
}

// netError is a failure to send a request or to read its answer.
type netError struct {
	action Action
	err    error
	// sending is set for a failure to send, which the retryer retries as
	// it does the SDK's (smithyhttp.RequestSendError).
	sending bool
}

func (e *netError) Error() string { return fmt.Sprintf("%s: %v", e.action, e.err) }
func (e *netError) Unwrap() error { return e.err }

// ConnectionError is read by the retryer.
func (e *netError) ConnectionError() bool { return e.sending }

// decodeError reads an error answer in the protocols of these services:
// JSON (`__type` or `code`, with `message`/`Message`; the type may carry
// a namespace before '#' and the header X-Amzn-ErrorType may carry it
// too) and S3's XML (<Error><Code>, <Message>). An answer without a body
// (S3's to HEAD) is named by its status.
func decodeError(action Action, res *http.Response, body []byte) *Error {
	e := &Error{Action: action, Status: res.StatusCode, RequestID: requestID(res.Header)}
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '<':
		var x struct {
			Code      string `xml:"Code"`
			Message   string `xml:"Message"`
			RequestID string `xml:"RequestId"`
		}
		if xml.Unmarshal(trimmed, &x) == nil {
			e.Code, e.Message = x.Code, x.Message
			if e.RequestID == "" {
				e.RequestID = x.RequestID
			}
		}
	case len(trimmed) > 0 && trimmed[0] == '{':
		var j struct {
			Type     string `json:"__type"`
			Code     string `json:"code"`
			Message  string `json:"message"`
			MessageU string `json:"Message"`
		}
		if json.Unmarshal(trimmed, &j) == nil {
			e.Code = firstOf(j.Code, j.Type)
			e.Message = firstOf(j.Message, j.MessageU)
		}
	}
	if h := res.Header.Get("X-Amzn-Errortype"); h != "" {
		e.Code = h
	}
	e.Code = sanitizeCode(e.Code)
	if e.Code == "" {
		e.Code = statusCode(res.StatusCode)
	}
	return e
}

// sanitizeCode keeps a JSON error type's name: "ns#Name:url" → "Name",
// as the SDK does.
func sanitizeCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return code
}

// statusCode names an error answer without a code by its status, as
// S3's HEAD answers are named by the SDK.
func statusCode(status int) string {
	switch status {
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusBadRequest:
		return "BadRequest"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	}
	return http.StatusText(status)
}

func requestID(h http.Header) string {
	return firstOf(h.Get("X-Amzn-Requestid"), h.Get("X-Amz-Request-Id"))
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// JSON calls a JSON-protocol operation (awsJson1_1: POST / with
// X-Amz-Target) with in as its body, and decodes the answer into out
// (nil: ignored).
func (c *Client) JSON(ctx context.Context, action Action, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	res, err := c.Do(ctx, action, Request{
		Method: http.MethodPost, URL: c.Endpoint + "/", Body: body,
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {target}},
	})
	if err != nil {
		return err
	}
	if out == nil || len(bytes.TrimSpace(res.Body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(res.Body, out); err != nil {
		return fmt.Errorf("%s: the answer: %w", action, err)
	}
	return nil
}

// PathEscape escapes each segment of a path, keeping its slashes, as
// AWS's REST APIs and SigV4 expect.
func PathEscape(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = escapeSegment(s)
	}
	return strings.Join(parts, "/")
}

// escapeSegment is RFC 3986's unreserved characters kept, every other
// byte percent-encoded (url.PathEscape keeps sub-delimiters such as '+'
// and '=', which SigV4's canonical path encodes).
func escapeSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '_' || ch == '.' || ch == '~' {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}

// Query encodes q as SigV4 expects (spaces as %20, sorted).
func Query(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}
