package lambdaemu

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// The SDK's Lambda client invokes the local functions as it would in AWS:
// by name or ARN, synchronously (the function's answer, or its error
// flagged Unhandled) or as an event.
func TestInvokeAPI(t *testing.T) {
	a, r, _ := newAsync(t, AsyncConfig{ARN: "arn:fn", MaxRetries: 0, MaxEventAge: time.Hour})
	srv := httptest.NewServer(NewInvokeAPI(r, a))
	t.Cleanup(srv.Close)
	client := lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})

	out, err := client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:000000000000:function:fn:live"),
		Payload: payload(t, request{Action: "echo", Message: "hi"})})
	if err != nil {
		t.Fatal(err)
	}
	var resp response
	if err := json.Unmarshal(out.Payload, &resp); err != nil || resp.Echo == nil || resp.Echo.Message != "hi" || out.FunctionError != nil || out.StatusCode != 200 {
		t.Fatalf("echo = %+v %s, %v", out, out.Payload, err)
	}

	out, err = client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("fn"), Payload: payload(t, request{Action: "error", Message: "no mail today"})})
	if err != nil {
		t.Fatal(err)
	}
	var fe FunctionError
	if aws.ToString(out.FunctionError) != "Unhandled" || json.Unmarshal(out.Payload, &fe) != nil || fe.Message != "no mail today" {
		t.Fatalf("function error = %+v %s", out, out.Payload)
	}

	before := r.Stats()["fn"].Invocations
	out, err = client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("fn"), InvocationType: lambdatypes.InvocationTypeEvent,
		Payload: payload(t, request{Action: "echo"})})
	if err != nil || out.StatusCode != 202 {
		t.Fatalf("event invoke = %+v, %v", out, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.Stats()["fn"].Invocations == before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if r.Stats()["fn"].Invocations == before {
		t.Error("the event was never run")
	}

	_, err = client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("nope")})
	var nf *lambdatypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("unknown function: %v", err)
	}
}
