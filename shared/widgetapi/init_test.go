package widgetapi_test

import (
	"testing"

	"github.com/parleychat/parley/shared/widgetapi"
)

// TestNewRefusesMissingDependencies: a handler without its origin
// allowlist, its rate limiter or any other dependency is not built, so
// the function stops at init instead of serving with a check off.
func TestNewRefusesMissingDependencies(t *testing.T) {
	tests := []struct {
		name    string
		without func(*widgetapi.Deps)
	}{
		{"origin allowlist", func(d *widgetapi.Deps) { d.Origins = nil }},
		{"rate limiter", func(d *widgetapi.Deps) { d.Limiter = nil }},
		{"signer", func(d *widgetapi.Deps) { d.Signer = nil }},
		{"chat service", func(d *widgetapi.Deps) { d.Chat = nil }},
		{"channel id", func(d *widgetapi.Deps) { d.ChannelID = "" }},
		{"email service", func(d *widgetapi.Deps) { d.Email = nil }},
		{"identity service", func(d *widgetapi.Deps) { d.Identity = nil }},
		{"contacts", func(d *widgetapi.Deps) { d.Contacts = nil }},
		{"settings", func(d *widgetapi.Deps) { d.Settings = nil }},
	}
	h := setup(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := h.deps
			tt.without(&d)
			if got, err := widgetapi.New(d); err == nil || got != nil {
				t.Errorf("New without the %s = %v, %v; want an error", tt.name, got, err)
			}
		})
	}
}

// TestNewFilesRefusesMissingDependencies: the same for the file routes.
func TestNewFilesRefusesMissingDependencies(t *testing.T) {
	h := setup(t)
	complete := widgetapi.FilesDeps{
		Signer: h.signer, ChannelID: "main", Origins: h.deps.Origins, Limiter: h.deps.Limiter, Tokens: h.deps.Identity,
		Files: files(t, h.svc, &fakeBucket{}, h.signer),
	}
	if _, err := widgetapi.NewFiles(complete); err != nil {
		t.Fatalf("NewFiles with every dependency: %v", err)
	}
	tests := []struct {
		name    string
		without func(*widgetapi.FilesDeps)
	}{
		{"signer", func(d *widgetapi.FilesDeps) { d.Signer = nil }},
		{"channel id", func(d *widgetapi.FilesDeps) { d.ChannelID = "" }},
		{"origin allowlist", func(d *widgetapi.FilesDeps) { d.Origins = nil }},
		{"rate limiter", func(d *widgetapi.FilesDeps) { d.Limiter = nil }},
		{"token check", func(d *widgetapi.FilesDeps) { d.Tokens = nil }},
		{"files", func(d *widgetapi.FilesDeps) { d.Files = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := complete
			tt.without(&d)
			if got, err := widgetapi.NewFiles(d); err == nil || got != nil {
				t.Errorf("NewFiles without the %s = %v, %v; want an error", tt.name, got, err)
			}
		})
	}
}
