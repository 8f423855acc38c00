package wsgw

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"
)

// sdkClient is the real management API client pointed at the gateway, as a
// function's push client would be locally.
func sdkClient(h *harness) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		BaseEndpoint: aws.String(h.srv.URL + "/_aws/execute-api/wsapi1/dev"),
		Region:       "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "test"}, nil
		}),
		HTTPClient: http.DefaultClient,
	})
}

func postTo(t *testing.T, c *apigatewaymanagementapi.Client, id, data string) error {
	t.Helper()
	_, err := c.PostToConnection(t.Context(), &apigatewaymanagementapi.PostToConnectionInput{
		ConnectionId: aws.String(id), Data: []byte(data),
	})
	return err
}

func deleteConn(t *testing.T, c *apigatewaymanagementapi.Client, id string) error {
	t.Helper()
	_, err := c.DeleteConnection(t.Context(), &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)})
	return err
}

func isGone(err error) bool {
	var gone *types.GoneException
	return errors.As(err, &gone)
}

func isPayloadTooLarge(err error) bool {
	var tooLarge *types.PayloadTooLargeException
	return errors.As(err, &tooLarge)
}

func TestConnectionsAPIWithSDK(t *testing.T) {
	h := newHarness(t, defaultRoutes, nil, Options{})
	ws, id := h.dial(t)
	client := sdkClient(h)

	// POST delivers one text frame.
	if err := postTo(t, client, id, `{"type":"pong"}`); err != nil {
		t.Fatalf("PostToConnection: %v", err)
	}
	if got := readText(t, ws); got != `{"type":"pong"}` {
		t.Errorf("client received %q", got)
	}

	// GET describes the connection.
	before := time.Now().Add(-time.Second)
	out, err := client.GetConnection(t.Context(), &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetConnection: %v", err)
	}
	if out.ConnectedAt == nil || out.LastActiveAt == nil || out.ConnectedAt.Before(before.Add(-time.Minute)) || out.ConnectedAt.After(time.Now()) {
		t.Errorf("times = %v / %v", out.ConnectedAt, out.LastActiveAt)
	}
	if out.Identity == nil || aws.ToString(out.Identity.SourceIp) != "127.0.0.1" {
		t.Errorf("identity = %+v", out.Identity)
	}

	// Unknown connections are gone.
	if err := postTo(t, client, "NoSuchConnect1=", "x"); !isGone(err) {
		t.Errorf("post to unknown: err = %v, want GoneException", err)
	}
	if _, err := client.GetConnection(t.Context(), &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String("NoSuchConnect1=")}); !isGone(err) {
		t.Errorf("get unknown: err = %v, want GoneException", err)
	}

	// DELETE closes the socket; afterwards the connection is gone.
	if err := deleteConn(t, client, id); err != nil {
		t.Fatalf("DeleteConnection: %v", err)
	}
	if ce := readClose(t, ws); ce.Code != websocket.StatusNormalClosure {
		t.Errorf("client saw close %v", ce.Code)
	}
	h.inv.waitFor(t, "DISCONNECT", id, 1)
	if err := postTo(t, client, id, "late"); !isGone(err) {
		t.Errorf("post after delete: err = %v, want GoneException", err)
	}
	if err := deleteConn(t, client, id); !isGone(err) {
		t.Errorf("delete after delete: err = %v, want GoneException", err)
	}
}

func TestConcurrentPushes(t *testing.T) {
	h := newHarness(t, defaultRoutes, nil, Options{MaxFrameBytes: 1024})
	ws, id := h.dial(t)
	client := sdkClient(h)
	const n = 40
	// Some pushes span several frames, so interleaved writes would corrupt them.
	payload := func(i int) string { return fmt.Sprintf("%03d:%0*d", i, 1000+i*50, i) }

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if err := postTo(t, client, id, payload(i)); err != nil {
				errs <- err
			}
		})
	}
	got := map[string]bool{}
	for range n {
		got[readText(t, ws)] = true
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("push: %v", err)
	}
	for i := range n {
		if !got[payload(i)] {
			t.Errorf("push %d missing or corrupted", i)
		}
	}
	if s := h.gw.Stats(); s.PushesPosted != n {
		t.Errorf("PushesPosted = %d, want %d", s.PushesPosted, n)
	}
}
