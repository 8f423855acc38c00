package chatclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/parleychat/parley/shared/identity"
)

// Identify tells the widget routes who the visitor is on the host site,
// with the signature the site's backend computed. On success the visitor
// continues as the answer's visitor (its token replaces the current one).
func (v *Visitor) Identify(ctx context.Context, externalID, signature string) (*SessionAnswer, error) {
	var s SessionAnswer
	in := map[string]string{"externalId": externalID, "signature": signature}
	if err := v.Call(ctx, http.MethodPost, "/widget/identify", in, &s); err != nil {
		return nil, fmt.Errorf("identify: %w", err)
	}
	v.ID, v.Token, v.bearer = s.VisitorID, s.VisitorToken, s.VisitorToken
	return &s, nil
}

// IdentifyAs is Identify with every field of a v1 assertion (the name,
// address and signing time the site's backend signed with the id).
func (v *Visitor) IdentifyAs(ctx context.Context, a identity.Assertion) (*SessionAnswer, error) {
	var s SessionAnswer
	if err := v.Call(ctx, http.MethodPost, "/widget/identify", a, &s); err != nil {
		return nil, fmt.Errorf("identify: %w", err)
	}
	v.ID, v.Token, v.bearer = s.VisitorID, s.VisitorToken, s.VisitorToken
	return &s, nil
}

// SetAttributes passes on what the page set with Parley.setAttributes
// (PUT /widget/attributes) and returns the visitor's attributes.
func (v *Visitor) SetAttributes(ctx context.Context, attrs map[string]any) (map[string]any, error) {
	var out struct {
		Attributes map[string]any `json:"attributes"`
	}
	if err := v.Call(ctx, http.MethodPut, "/widget/attributes", map[string]any{"attributes": attrs}, &out); err != nil {
		return nil, err
	}
	return out.Attributes, nil
}

// Revoke is the site's backend revoking a user's identifications (POST
// /widget/identify/revoke, no Origin). It returns how many sockets were
// closed.
func Revoke(ctx context.Context, ep Endpoints, r identity.Revocation) (int, error) {
	c := client{ep: ep, http: &http.Client{Timeout: 30 * time.Second}}
	var out struct {
		ClosedSockets int `json:"closedSockets"`
	}
	err := c.Call(ctx, http.MethodPost, "/widget/identify/revoke", r, &out)
	return out.ClosedSockets, err
}

// Messages reads a page of a conversation's history (GET
// /widget/conversations/{id}/messages).
func (v *Visitor) Messages(ctx context.Context, conversationID string) ([]Message, error) {
	var out struct {
		Messages []Message `json:"messages"`
	}
	if err := v.Call(ctx, http.MethodGet, "/widget/conversations/"+url.PathEscape(conversationID)+"/messages", nil, &out); err != nil {
		return nil, err
	}
	return out.Messages, nil
}
