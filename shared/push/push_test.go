package push_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/push"
)

type fakePoster struct {
	mu   sync.Mutex
	got  map[string]string
	fail map[string]error
}

func (f *fakePoster) PostToConnection(_ context.Context, in *apigatewaymanagementapi.PostToConnectionInput, _ ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail[*in.ConnectionId]; err != nil {
		return nil, err
	}
	f.got[*in.ConnectionId] = string(in.Data)
	return &apigatewaymanagementapi.PostToConnectionOutput{}, nil
}

func TestPush(t *testing.T) {
	poster := &fakePoster{got: map[string]string{}, fail: map[string]error{
		"gone":  &types.GoneException{},
		"flaky": errors.New("timeout"),
	}}
	ids := []string{"sender", "gone", "flaky"}
	for i := range 20 {
		ids = append(ids, string(rune('a'+i)))
	}
	gone := push.New(poster).Push(t.Context(), ids, map[string]string{"type": "pong"})

	if len(poster.got) != 21 {
		t.Errorf("delivered to %d connections, want 21", len(poster.got))
	}
	var frame map[string]string
	if err := json.Unmarshal([]byte(poster.got["sender"]), &frame); err != nil || frame["type"] != "pong" {
		t.Errorf("frame = %q, %v", poster.got["sender"], err)
	}
	// The gone connection is reported, that one only: the caller forgets
	// it (chat's gone.go); a flaky one is not gone.
	if diff := cmp.Diff([]string{"gone"}, gone); diff != "" {
		t.Errorf("reported gone (-want +got):\n%s", diff)
	}
}
