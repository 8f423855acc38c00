package wsapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/wsapi"
)

// stalledDB is a table whose transactions hang until the caller gives up,
// as a throttled table does while the SDK backs off between retries.
type stalledDB struct{ store.DB }

func (stalledDB) TransactWriteItems(ctx context.Context, _ *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// deadlineGateway refuses posts whose context has expired, as the SDK does.
type deadlineGateway struct{ *fakeGateway }

func (g deadlineGateway) PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, o ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return g.fakeGateway.PostToConnection(ctx, in, o...)
}

// TestSlowStoreStillAnswersTheSender: a write that runs into the
// invocation's deadline stops short of it, and the sender is told, with its
// client id, that the write failed and a retry is safe.
func TestSlowStoreStillAnswersTheSender(t *testing.T) {
	h := newHarness(t)
	table := ddb.NewTable(t)
	fast := store.New(ddb.Client(), table, nil)
	tok := h.ticket(visitor)
	conn := fixture(t, "connect.json")
	conn.RequestContext.ConnectionID = "vis-1"
	conn.QueryStringParameters["ticket"] = tok
	noLimits := ratelimit.New(fast, ratelimit.Limits{}, nil)
	h.svc = newService(t, fast, h.gw, noLimits, nil)
	if res, err := h.newConnect(t, testOrigins(t), noLimits, access.New(fast, nil, nil, nil)).Handle(t.Context(), conn); err != nil || res.StatusCode != 200 {
		t.Fatalf("connect = %d, %v", res.StatusCode, err)
	}
	h.gw.take()

	slow := store.New(stalledDB{ddb.Client()}, table, nil)
	handler, err := wsapi.NewMessage(newService(t, slow, deadlineGateway{h.gw}, noLimits, nil), noLimits)
	if err != nil {
		t.Fatal(err)
	}

	clientID := uuid.NewString()
	req := fixture(t, "message.json")
	req.RequestContext.ConnectionID = "vis-1"
	req.RequestContext.RouteKey = "sendMessage"
	req.Body = `{"action":"sendMessage","clientId":"` + clientID + `","body":"Hello"}`
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if _, err := handler.Handle(ctx, req); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{"type": "error", "code": "internal", "message": "internal error", "clientId": clientID, "retryable": true}}
	if diff := cmp.Diff(want, h.gw.take()["vis-1"]); diff != "" {
		t.Errorf("frames to the sender (-want +got):\n%s", diff)
	}
}
