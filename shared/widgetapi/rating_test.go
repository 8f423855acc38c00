package widgetapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// surveyed starts a conversation of a new visitor on main with the survey
// on, closes it and returns it with the visitor's token.
func (h *harness) surveyed(t *testing.T) (conv, token string) {
	t.Helper()
	ch, err := h.settings.Channel(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	ch.CSAT = true
	if _, err := h.settings.PutChannel(t.Context(), "main", ch); err != nil {
		t.Fatal(err)
	}
	s := h.session(t, `{"channelId":"main"}`)
	p := chat.Principal{Role: chat.RoleVisitor, ID: s.VisitorID, ChannelID: "main"}
	conn := "c-" + uuid.NewString()[:8]
	if err := h.st.SaveConnection(t.Context(), chat.Connection{ID: conn, Principal: p, ConnectedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	m, err := h.svc.SendFromConnection(t.Context(), conn, chat.SendInput{ClientID: uuid.NewString(), Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	agent := chat.Principal{Role: chat.RoleAgent, ID: "ann", Name: "Ann", Inboxes: []string{"main"}}
	if _, err := h.svc.Close(t.Context(), agent, m.ConversationID); err != nil {
		t.Fatal(err)
	}
	return m.ConversationID, s.VisitorToken
}

// ratingPage requests the rating page as a mail client opens a survey
// link (GET, no Origin, no visitor token) or posts its form.
func (h *harness) ratingPage(t *testing.T, method string, query map[string]string, form string) (int, string, map[string]string) {
	t.Helper()
	req := request(t, method+" /widget/rating", "")
	delete(req.Headers, "origin")
	req.QueryStringParameters = query
	if form != "" {
		req.Headers["content-type"] = "application/x-www-form-urlencoded"
		req.Body = form
	}
	res, err := h.h.Handle(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Body, res.Headers
}

func (h *harness) rating(t *testing.T, conv string) chat.Rating {
	t.Helper()
	c, err := h.st.Conversation(t.Context(), conv)
	if err != nil {
		t.Fatal(err)
	}
	return c.Rating
}

// TestRatingPage: a survey link's GET shows the question with the link's
// score chosen and records nothing; its form's POST records; the comment
// shows escaped; forged and expired tokens, scores out of range and
// oversized forms get an error page and change nothing.
func TestRatingPage(t *testing.T) {
	h := setup(t)
	conv, _ := h.surveyed(t)
	tokens, err := mail.NewTokens([]byte("widget-test-secret-0123456789"), 'a')
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.RatingToken(conv, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	status, body, headers := h.ratingPage(t, "GET", map[string]string{"token": tok, "score": "2"}, "")
	if status != http.StatusOK || !strings.Contains(body, `value="2" required checked`) || strings.Count(body, "checked") != 1 || !strings.Contains(body, `<form method="post" action="rating">`) {
		t.Fatalf("GET = %d %s", status, body)
	}
	if csp := headers["Content-Security-Policy"]; !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") || headers["Cache-Control"] != "no-store" {
		t.Errorf("headers = %v", headers)
	}
	if r := h.rating(t, conv); r.Score != 0 {
		t.Fatalf("the GET recorded %+v", r)
	}

	form := url.Values{"token": {tok}, "score": {"2"}, "comment": {`<script>alert(1)</script> slow`}}.Encode()
	if status, body, _ := h.ratingPage(t, "POST", nil, form); status != http.StatusOK || !strings.Contains(body, "2 of 5 is recorded") {
		t.Fatalf("POST = %d %s", status, body)
	}
	if r := h.rating(t, conv); r != (chat.Rating{Score: 2, Comment: `<script>alert(1)</script> slow`}) {
		t.Fatalf("rating after the POST = %+v", r)
	}
	// Opened again: the current rating, its comment escaped.
	status, body, _ = h.ratingPage(t, "GET", map[string]string{"token": tok}, "")
	if status != http.StatusOK || !strings.Contains(body, `value="2" required checked`) || strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("GET with a rating = %d %s", status, body)
	}

	expired, _ := tokens.RatingToken(conv, time.Now().Add(-time.Second))
	other, _ := mail.NewTokens([]byte("another-secret-0123456789abcdef"), 'a')
	forged, _ := other.RatingToken(conv, time.Now().Add(time.Hour))
	for _, c := range []struct {
		name, form, want string
		status           int
	}{
		{"forged", url.Values{"token": {forged}, "score": {"5"}}.Encode(), "not valid", http.StatusBadRequest},
		{"expired", url.Values{"token": {expired}, "score": {"5"}}.Encode(), "expired", http.StatusBadRequest},
		{"no token", url.Values{"score": {"5"}}.Encode(), "not valid", http.StatusBadRequest},
		{"score 9", url.Values{"token": {tok}, "score": {"9"}}.Encode(), "score must be 1 to 5", http.StatusBadRequest},
		{"no score", url.Values{"token": {tok}}.Encode(), "Choose a rating", http.StatusBadRequest},
		{"oversized", url.Values{"token": {tok}, "score": {"5"}, "comment": {strings.Repeat("x", 20000)}}.Encode(), "too large", http.StatusBadRequest},
	} {
		status, body, _ := h.ratingPage(t, "POST", nil, c.form)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: POST = %d, want %d with %q:\n%s", c.name, status, c.status, c.want, body)
		}
	}
	if status, body, _ := h.ratingPage(t, "GET", map[string]string{"token": expired, "score": "5"}, ""); status != http.StatusBadRequest || !strings.Contains(body, "expired") || strings.Contains(body, "<form") {
		t.Errorf("GET of an expired link = %d %s", status, body)
	}
	if r := h.rating(t, conv); r.Score != 2 {
		t.Errorf("refused requests changed the rating to %+v", r)
	}
}

// TestRateInWidget: PUT /widget/conversations/{id}/rating is the visitor's
// own (origin and token checked), validated, and a second answer replaces
// the first.
func TestRateInWidget(t *testing.T) {
	h := setup(t)
	conv, token := h.surveyed(t)
	stranger := h.session(t, `{"channelId":"main"}`)
	put := func(tok, origin, body string) (int, string) {
		req := request(t, "PUT /widget/conversations/{id}/rating", body)
		req.PathParameters = map[string]string{"id": conv}
		req.Headers["authorization"] = "Bearer " + tok
		if origin != "" {
			req.Headers["origin"] = origin
		}
		res, err := h.h.Handle(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, res.Body
	}
	for _, c := range []struct {
		name, tok, origin, body string
		want                    int
	}{
		{"another visitor", stranger.VisitorToken, "", `{"score":4}`, http.StatusNotFound},
		{"another origin", token, "https://evil.example", `{"score":4}`, http.StatusUnauthorized},
		{"score 0", token, "", `{"score":0}`, http.StatusBadRequest},
		{"not JSON", token, "", `{"score":"four"}`, http.StatusBadRequest},
		{"comment too long", token, "", `{"score":4,"comment":"` + strings.Repeat("a", chat.MaxRatingCommentRunes+1) + `"}`, http.StatusRequestEntityTooLarge},
		{"first", token, "", `{"score":4,"comment":"nice\u0000 "}`, http.StatusOK},
		{"second", token, "", `{"score":1}`, http.StatusOK},
	} {
		if status, body := put(c.tok, c.origin, c.body); status != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, status, body, c.want)
		}
	}
	if r := h.rating(t, conv); r != (chat.Rating{Score: 1}) {
		t.Errorf("rating = %+v, want the second answer", r)
	}
}
