package access_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/chat"
)

// a1 is the agent the tests act on, a member of the one inbox.
var a1 = chat.Principal{Role: chat.RoleAgent, ID: "a1", Inboxes: []string{"main"}}

// fakeStore keeps one agent's state and sockets in memory, and forgets
// sockets as chat.Service.Disconnect does.
type fakeStore struct {
	state     access.State
	conns     []string
	forgotten []string
	left      int // AgentLeft calls
}

func (f *fakeStore) AgentLeft(context.Context, string) error {
	f.left++
	return nil
}

func (f *fakeStore) AgentAccess(context.Context, string) (access.State, error) { return f.state, nil }

func (f *fakeStore) AgentRecord(context.Context, string) (access.Record, error) {
	return access.Record{State: f.state}, nil
}

func (f *fakeStore) SetAgentDisabled(_ context.Context, _ string, d bool, _ access.Admin) error {
	f.state.Disabled = d
	return nil
}

func (f *fakeStore) SetAgentSignedOut(_ context.Context, _ string, at time.Time) error {
	f.state.SignedOutAt = at
	return nil
}

func (f *fakeStore) AgentConnections(context.Context, string, string) ([]string, error) {
	return f.conns, nil
}

func (f *fakeStore) Disconnect(_ context.Context, id string) error {
	f.forgotten = append(f.forgotten, id)
	return nil
}

// fakeCloser answers 410 for the ids in gone, as API Gateway does for
// sockets already closed.
type fakeCloser struct {
	closed []string
	gone   map[string]bool
	broken map[string]bool // the @connections call fails
	// said is what each socket heard before it was closed.
	said map[string][]string
}

func (f *fakeCloser) PostToConnection(_ context.Context, in *apigatewaymanagementapi.PostToConnectionInput, _ ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	id := aws.ToString(in.ConnectionId)
	if f.gone[id] {
		return nil, &types.GoneException{}
	}
	if f.said == nil {
		f.said = map[string][]string{}
	}
	f.said[id] = append(f.said[id], string(in.Data))
	return &apigatewaymanagementapi.PostToConnectionOutput{}, nil
}

func (f *fakeCloser) DeleteConnection(_ context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, _ ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error) {
	id := aws.ToString(in.ConnectionId)
	if f.gone[id] {
		return nil, &types.GoneException{}
	}
	if f.broken[id] {
		return nil, errors.New("throttled")
	}
	f.closed = append(f.closed, id)
	return &apigatewaymanagementapi.DeleteConnectionOutput{}, nil
}

func TestCheck(t *testing.T) {
	out := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name     string
		state    access.State
		issuedAt time.Time
		want     error
	}{
		{"never signed out", access.State{}, out, nil},
		{"issued after the sign-out", access.State{SignedOutAt: out}, out.Add(time.Second), nil},
		{"issued in the sign-out's second", access.State{SignedOutAt: out}, out, access.ErrSignedOut},
		{"issued before the sign-out", access.State{SignedOutAt: out}, out.Add(-time.Hour), access.ErrSignedOut},
		{"no issue time and signed out", access.State{SignedOutAt: out}, time.Time{}, access.ErrSignedOut},
		{"disabled", access.State{Disabled: true}, out, access.ErrDisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := access.New(&fakeStore{state: tt.state}, nil, nil, nil)
			err := g.Check(t.Context(), "a1", tt.issuedAt)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Check = %v, want %v", err, tt.want)
			}
			if tt.want != nil && !errors.Is(err, chat.ErrUnauthorized) {
				t.Errorf("Check = %v, want an unauthorized error", err)
			}
		})
	}
}

func TestSignOutClosesSockets(t *testing.T) {
	now := time.Unix(1_700_000_000, 700_000_000)
	st := &fakeStore{conns: []string{"c1", "c2", "c3"}}
	cl := &fakeCloser{gone: map[string]bool{"c2": true}}
	g := access.New(st, cl, st, func() time.Time { return now })
	n, err := g.SignOut(t.Context(), a1)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("closed %d sockets, want 3 (one was gone already)", n)
	}
	if diff := cmp.Diff([]string{"c1", "c3"}, cl.closed); diff != "" {
		t.Errorf("closed through @connections (-want +got):\n%s", diff)
	}
	// Each open socket heard why before it closed.
	why := `{"type":"closing","closeCode":4001,"reason":"signed_out"}`
	if diff := cmp.Diff(map[string][]string{"c1": {why}, "c3": {why}}, cl.said); diff != "" {
		t.Errorf("said before closing (-want +got):\n%s", diff)
	}
	slices.Sort(st.forgotten)
	if diff := cmp.Diff([]string{"c1", "c2", "c3"}, st.forgotten); diff != "" {
		t.Errorf("forgotten connections (-want +got):\n%s", diff)
	}
	if st.left != 1 {
		t.Errorf("marked gone %d times, want once", st.left)
	}
	if !st.state.SignedOutAt.Equal(time.Unix(1_700_000_000, 0)) {
		t.Errorf("SignedOutAt = %v, want the whole second", st.state.SignedOutAt)
	}
	// A token issued in the same second as the sign-out is refused.
	if err := g.Check(t.Context(), "a1", time.Unix(1_700_000_000, 0)); !errors.Is(err, access.ErrSignedOut) {
		t.Errorf("Check after sign-out = %v", err)
	}
}

// TestSignOutForgetsSocketsItCannotClose: when @connections fails for a
// socket, the socket is still forgotten (no pushes reach it, its frames are
// refused) and the failure is reported.
func TestSignOutForgetsSocketsItCannotClose(t *testing.T) {
	st := &fakeStore{conns: []string{"c1", "c2"}}
	cl := &fakeCloser{broken: map[string]bool{"c1": true}}
	g := access.New(st, cl, st, time.Now)
	n, err := g.SignOut(t.Context(), a1)
	if err == nil {
		t.Error("SignOut reported no error although a close failed")
	}
	if n != 1 {
		t.Errorf("closed %d sockets, want 1", n)
	}
	if st.left != 1 {
		t.Errorf("marked gone %d times, want once: the socket that could not be closed counts no more", st.left)
	}
	slices.Sort(st.forgotten)
	if diff := cmp.Diff([]string{"c1", "c2"}, st.forgotten); diff != "" {
		t.Errorf("forgotten connections (-want +got):\n%s", diff)
	}
}

func TestSetDisabled(t *testing.T) {
	st := &fakeStore{conns: []string{"c1"}}
	cl := &fakeCloser{}
	g := access.New(st, cl, st, nil)
	if _, err := g.SetDisabled(t.Context(), a1, true, access.Admin{ID: "boss", ByGroup: true}); err != nil {
		t.Fatal(err)
	}
	if !st.state.Disabled || len(cl.closed) != 1 || st.left != 1 {
		t.Errorf("disable: state %+v, closed %v, marked gone %d times; want disabled, closed and gone", st.state, cl.closed, st.left)
	}
	if diff := cmp.Diff([]string{`{"type":"closing","closeCode":4003,"reason":"disabled"}`}, cl.said["c1"]); diff != "" {
		t.Errorf("said before closing (-want +got):\n%s", diff)
	}
	if _, err := g.SetDisabled(t.Context(), a1, false, access.Admin{ID: "boss", ByGroup: true}); err != nil {
		t.Fatal(err)
	}
	if st.state.Disabled || len(cl.closed) != 1 || st.left != 1 {
		t.Errorf("enable: state %+v, closed %v, marked gone %d times; want enabled, no socket closed and not gone again", st.state, cl.closed, st.left)
	}
}
