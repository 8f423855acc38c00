package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"
)

type profile struct {
	DisplayName string `json:"displayName"`
	AvatarURL   string `json:"avatarUrl,omitempty"`
	MeetingsURL string `json:"meetingsUrl,omitempty"`
}

// TestProfileURLs: every visitor's browser loads an agent's avatar and
// follows its meetings link, so the profile takes public https URLs only
// (the local cloud also takes http on loopback, where its demo avatars
// are), stored in their normal form; anything else is refused and
// changes nothing.
func TestProfileURLs(t *testing.T) {
	a := newAgent(t, "chiara")
	var before profile
	if err := a.Call(wait(t), http.MethodGet, "/agent/me", nil, &before); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := a.Call(ctx, http.MethodPut, "/agent/me", before, nil); err != nil {
			t.Errorf("restore chiara's profile: %v", err)
		}
	})
	for _, hostile := range []string{
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"https://10.0.0.7/avatar.png",
		"https://[::ffff:10.0.0.1]/a.png",
		"https://167772161/a.png",
		"https://0xa9.0xfe.0xa9.0xfe/latest/meta-data/",
		"https://user:secret@cdn.example.com/a.png",
		`https://cdn.example.com/a.png"><script>alert(1)</script>`,
		"http://cdn.example.com/a.png",
		"javascript:alert(1)",
	} {
		for _, field := range []string{"avatarUrl", "meetingsUrl"} {
			in := map[string]string{"displayName": before.DisplayName, field: hostile}
			err := a.Call(wait(t), http.MethodPut, "/agent/me", in, nil)
			if apiStatus(err) != http.StatusBadRequest {
				t.Errorf("%s %q: %v, want 400", field, hostile, err)
			}
		}
	}
	var after profile
	if err := a.Call(wait(t), http.MethodGet, "/agent/me", nil, &after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("refused URLs changed the profile: %+v, was %+v", after, before)
	}

	var got profile
	in := profile{DisplayName: before.DisplayName, AvatarURL: "HTTPS://CDN.Example.COM:443/Avatars/C.png", MeetingsURL: cloud.URL() + "/_local/avatars/chiara.svg"}
	if err := a.Call(wait(t), http.MethodPut, "/agent/me", in, &got); err != nil {
		t.Fatal(err)
	}
	want := profile{DisplayName: before.DisplayName, AvatarURL: "https://cdn.example.com/Avatars/C.png", MeetingsURL: in.MeetingsURL}
	if got != want {
		t.Errorf("stored %+v, want %+v", got, want)
	}
}
