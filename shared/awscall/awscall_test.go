package awscall_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/parleychat/parley/shared/awscall"
	"github.com/parleychat/parley/shared/awscall/awscalltest"
)

// TestErrors: each protocol's error answer becomes an *Error with the
// service's code and message, the status and the request id; an answer
// without a body is named by its status.
func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		answer awscalltest.Answer
		want   awscall.Error
	}{
		{"S3 XML", awscalltest.Answer{Status: 404, Header: http.Header{"X-Amz-Request-Id": {"r1"}},
			Body: []byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`)},
			awscall.Error{Status: 404, Code: "NoSuchKey", Message: "The specified key does not exist.", RequestID: "r1"}},
		{"JSON with a namespaced type", awscalltest.Answer{Status: 400, Header: http.Header{"X-Amzn-Requestid": {"r2"}},
			Body: []byte(`{"__type":"com.amazonaws.cognito#UserNotFoundException","message":"User does not exist."}`)},
			awscall.Error{Status: 400, Code: "UserNotFoundException", Message: "User does not exist.", RequestID: "r2"}},
		{"JSON with the type in the header", awscalltest.Answer{Status: 400,
			Header: http.Header{"X-Amzn-Errortype": {"MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/"}},
			Body:   []byte(`{"message":"Email address is not verified."}`)},
			awscall.Error{Status: 400, Code: "MessageRejected", Message: "Email address is not verified."}},
		{"no body", awscalltest.Answer{Status: 403}, awscall.Error{Status: 403, Code: "Forbidden"}},
		{"not a document", awscalltest.Answer{Status: 418, Body: []byte("<html>teapot")}, awscall.Error{Status: 418, Code: "I'm a teapot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awscalltest.New(t, func(awscalltest.Recorded) awscalltest.Answer { return tt.answer })
			c := awscall.New(awscalltest.Config(), "s3", "s3", srv.Endpoint())
			_, err := c.Do(t.Context(), "s3:GetObject", awscall.Request{Method: http.MethodGet, URL: c.Endpoint + "/b/k"})
			var got *awscall.Error
			if !errors.As(err, &got) {
				t.Fatalf("err = %v, want an *awscall.Error", err)
			}
			tt.want.Action = "s3:GetObject"
			if *got != tt.want {
				t.Errorf("err = %+v, want %+v", *got, tt.want)
			}
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tt.want.Code {
				t.Errorf("as smithy.APIError: %v", api)
			}
		})
	}
}

// TestRetries: throttling, 5xx and a dropped connection are retried, up
// to three attempts; a client error is not; a cancelled context stops.
func TestRetries(t *testing.T) {
	tests := []struct {
		name     string
		fail     func(w http.ResponseWriter)
		failures int
		calls    int
		ok       bool
	}{
		{"throttled twice", func(w http.ResponseWriter) {
			w.WriteHeader(503)
			io.WriteString(w, `<Error><Code>SlowDown</Code></Error>`)
		}, 2, 3, true},
		{"500 three times", func(w http.ResponseWriter) { w.WriteHeader(500) }, 5, 3, false},
		{"connection dropped once", func(w http.ResponseWriter) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, 1, 2, true},
		{"refused", func(w http.ResponseWriter) {
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"ValidationException"}`)
		}, 5, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
				calls++
				if calls <= tt.failures {
					tt.fail(w)
					return
				}
				io.WriteString(w, "{}")
			})
			c := awscall.New(awscalltest.Config(), "secretsmanager", "secretsmanager", aws.String(srv))
			err := c.JSON(t.Context(), "secretsmanager:GetSecretValue", "secretsmanager.GetSecretValue", struct{}{}, nil)
			if (err == nil) != tt.ok || calls != tt.calls {
				t.Errorf("err = %v after %d calls; want ok %v after %d", err, calls, tt.ok, tt.calls)
			}
		})
	}

	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		cancel()
		w.WriteHeader(500)
	})
	c := awscall.New(awscalltest.Config(), "ses", "email", aws.String(srv))
	if _, err := c.Do(ctx, "ses:SendEmail", awscall.Request{Method: http.MethodPost, URL: c.Endpoint + "/"}); err == nil || calls != 1 {
		t.Errorf("cancelled: err = %v after %d calls; want an error after 1", err, calls)
	}
}

// TestLimits: an answer over 8 MB (more than S3's largest listing) is refused, not read into
// memory; a streamed one is the caller's to read; a client without
// credentials fails its calls with a clear error.
func TestLimits(t *testing.T) {
	big := strings.Repeat("x", 8<<20+1)
	srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) })
	c := awscall.New(awscalltest.Config(), "s3", "s3", aws.String(srv))
	if _, err := c.Do(t.Context(), "s3:ListBucket", awscall.Request{Method: http.MethodGet, URL: c.Endpoint + "/b"}); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("an 8 MB answer: %v, want refused", err)
	}
	res, err := c.Stream(t.Context(), "s3:GetObject", awscall.Request{Method: http.MethodGet, URL: c.Endpoint + "/b/k"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(res.Stream)
	res.Stream.Close()
	if err != nil || len(data) != len(big) {
		t.Errorf("streamed %d bytes, %v; want %d", len(data), err, len(big))
	}

	bare := awscall.New(aws.Config{}, "s3", "s3", aws.String(srv))
	if _, err := bare.Do(t.Context(), "s3:GetObject", awscall.Request{Method: http.MethodGet, URL: c.Endpoint + "/b/k"}); err == nil || !strings.Contains(err.Error(), "no region or credentials") {
		t.Errorf("without credentials: %v", err)
	}
}

func TestEndpoints(t *testing.T) {
	for _, tt := range []struct{ region, host, want string }{
		{"eu-west-1", "email", "https://email.eu-west-1.amazonaws.com"},
		{"cn-north-1", "secretsmanager", "https://secretsmanager.cn-north-1.amazonaws.com.cn"},
		{"us-gov-west-1", "cognito-idp", "https://cognito-idp.us-gov-west-1.amazonaws.com"},
		{"eusc-de-east-1", "email", "https://email.eusc-de-east-1.amazonaws.eu"},
		{"eu-isoe-west-1", "s3", "https://s3.eu-isoe-west-1.cloud.adc-e.uk"},
		{"us-isof-south-1", "s3", "https://s3.us-isof-south-1.csp.hci.ic.gov"},
	} {
		cfg := awscalltest.Config()
		cfg.Region = tt.region
		if c := awscall.New(cfg, "x", tt.host, nil); c.Endpoint != tt.want || c.Custom {
			t.Errorf("%s %s: %s (custom %v), want %s", tt.region, tt.host, c.Endpoint, c.Custom, tt.want)
		}
	}
	if c := awscall.New(awscalltest.Config(), "s3", "s3", aws.String("http://127.0.0.1:3000/")); c.Endpoint != "http://127.0.0.1:3000" || !c.Custom {
		t.Errorf("configured: %s (custom %v)", c.Endpoint, c.Custom)
	}
	if got, want := awscall.PathEscape("a b/Zoë's+(1)=~.pdf"), "a%20b/Zo%C3%AB%27s%2B%281%29%3D~.pdf"; got != want {
		t.Errorf("PathEscape = %s, want %s", got, want)
	}
}
