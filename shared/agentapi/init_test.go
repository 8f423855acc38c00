package agentapi_test

import (
	"testing"

	"github.com/parleychat/parley/shared/agentapi"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/store"
)

// TestNewRefusesMissingDependencies: a handler without any of its
// dependencies, the access guard above all, is not built, so the
// function stops at init instead of serving with a check off.
func TestNewRefusesMissingDependencies(t *testing.T) {
	st := store.New(ddb.Client(), ddb.NewTable(t), nil)
	svc, err := chat.NewService(st, nopNotifier{}, chat.Options{ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, SocketFrames: ratelimit.New(st, ratelimit.Limits{}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		without func(*agentapi.Deps)
	}{
		{"access guard", func(d *agentapi.Deps) { d.Access = nil }},
		{"admin group", func(d *agentapi.Deps) { d.AdminGroup = "" }},
		{"signer", func(d *agentapi.Deps) { d.Signer = nil }},
		{"chat service", func(d *agentapi.Deps) { d.Chat = nil }},
		{"email service", func(d *agentapi.Deps) { d.Email = nil }},
		{"attachments", func(d *agentapi.Deps) { d.Attachments = nil }},
		{"contacts", func(d *agentapi.Deps) { d.Contacts = nil }},
		{"mentions", func(d *agentapi.Deps) { d.Mentions = nil }},
		{"search", func(d *agentapi.Deps) { d.Search = nil }},
		{"saved replies", func(d *agentapi.Deps) { d.Replies = nil }},
		{"team", func(d *agentapi.Deps) { d.Team = nil }},
		{"settings", func(d *agentapi.Deps) { d.Settings = nil }},
		{"reports", func(d *agentapi.Deps) { d.Reports = nil }},
		{"data rights", func(d *agentapi.Deps) { d.Privacy = nil }},
		{"file links", func(d *agentapi.Deps) { d.FileLinks = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deps(t, svc, st, &directory{})
			tt.without(&d)
			if h, err := agentapi.New(d); err == nil || h != nil {
				t.Errorf("New without the %s = %v, %v; want an error", tt.name, h, err)
			}
		})
	}
	if _, err := agentapi.New(deps(t, svc, st, &directory{})); err != nil {
		t.Errorf("New with every dependency: %v", err)
	}
}
