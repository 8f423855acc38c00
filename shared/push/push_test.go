package push_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
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

type fakeRemover struct {
	mu      sync.Mutex
	removed []string
}

func (f *fakeRemover) DeleteConnection(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, id)
	return nil
}

func (f *fakeRemover) DeleteConnectionVia(_ context.Context, id string, via chat.Via) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, id+" via "+string(via.Kind)+" "+via.ID)
	return nil
}

func TestPush(t *testing.T) {
	poster := &fakePoster{got: map[string]string{}, fail: map[string]error{
		"gone":  &types.GoneException{},
		"flaky": errors.New("timeout"),
	}}
	remover := &fakeRemover{}
	ids := []string{"sender", "gone", "flaky"}
	for i := range 20 {
		ids = append(ids, string(rune('a'+i)))
	}
	push.New(poster, remover).Push(t.Context(), ids, map[string]string{"type": "pong"})

	if len(poster.got) != 21 {
		t.Errorf("delivered to %d connections, want 21", len(poster.got))
	}
	var frame map[string]string
	if err := json.Unmarshal([]byte(poster.got["sender"]), &frame); err != nil || frame["type"] != "pong" {
		t.Errorf("frame = %q, %v", poster.got["sender"], err)
	}
	slices.Sort(remover.removed)
	if diff := cmp.Diff([]string{"gone"}, remover.removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
}

func TestPushViaRemovesTheListenerItem(t *testing.T) {
	poster := &fakePoster{got: map[string]string{}, fail: map[string]error{"gone": &types.GoneException{}}}
	remover := &fakeRemover{}
	via := chat.Via{Kind: chat.ViaConversation, ID: "c-1"}
	push.New(poster, remover).PushVia(t.Context(), via, []string{"live", "gone"}, map[string]string{"type": "pong"})
	if diff := cmp.Diff([]string{"gone via conversation c-1"}, remover.removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	if _, ok := poster.got["live"]; !ok {
		t.Error("live connection got nothing")
	}
}
