package chatclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
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
