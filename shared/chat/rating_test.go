package chat_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
)

// surveyEnv is newEnv whose channel has the survey set to on.
func surveyEnv(t *testing.T, on bool) *env {
	t.Helper()
	e := newEnv(t)
	e.svc = newService(t, e.store, e.push, chat.Options{ChannelID: "main", Channels: chat.StaticChannels{"main": {InboxID: "main", Survey: on}},
		AgentInboxes: []string{"main"}, Now: func() time.Time { return t0 }})
	return e
}

// ratedEvents are the conversation's stored closes and ratings.
func ratedEvents(t *testing.T, e *env, id string) []chat.Event {
	t.Helper()
	var out []chat.Event
	for _, m := range e.store.msgs[id] {
		if m.Event != nil && (m.Event.Type == chat.EventRated || m.Event.Type == chat.EventClosed) {
			out = append(out, *m.Event)
		}
	}
	return out
}

func TestRateAfterASurveyClose(t *testing.T) {
	e := surveyEnv(t, true)
	id := e.start(t).ConversationID
	if _, err := e.svc.Rate(t.Context(), vis, id, chat.Rating{Score: 4}); !errors.Is(err, chat.ErrConflict) {
		t.Fatalf("rating before any close = %v, want ErrConflict", err)
	}
	if _, err := e.svc.Close(t.Context(), ann, id); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		who  chat.Principal
		in   chat.Rating
		want error
	}{
		{"an agent cannot rate", ann, chat.Rating{Score: 5}, chat.ErrNotFound},
		{"another visitor cannot", other, chat.Rating{Score: 5}, chat.ErrNotFound},
		{"score 0", vis, chat.Rating{Score: 0}, chat.ErrInvalid},
		{"score 6", vis, chat.Rating{Score: 6}, chat.ErrInvalid},
		{"comment too long", vis, chat.Rating{Score: 3, Comment: strings.Repeat("ß", chat.MaxRatingCommentRunes+1)}, chat.ErrTooLarge},
		{"first answer", vis, chat.Rating{Score: 2, Comment: " slow "}, nil},
		{"the same again changes nothing", vis, chat.Rating{Score: 2, Comment: "slow"}, nil},
		{"a new answer replaces it", vis, chat.Rating{Score: 5}, nil},
	}
	for _, s := range steps {
		_, err := e.svc.Rate(t.Context(), s.who, id, s.in)
		if (s.want == nil) != (err == nil) || (s.want != nil && !errors.Is(err, s.want)) {
			t.Errorf("%s: err = %v, want %v", s.name, err, s.want)
		}
	}
	want := []chat.Event{
		{Type: chat.EventClosed, Reason: chat.CloseReasonAgent, Survey: true},
		{Type: chat.EventRated, Rating: &chat.Rating{Score: 2, Comment: "slow"}},
		{Type: chat.EventRated, Rating: &chat.Rating{Score: 5}},
	}
	if diff := cmp.Diff(want, ratedEvents(t, e, id)); diff != "" {
		t.Errorf("stored events (-want +got):\n%s", diff)
	}
	c, err := e.store.Conversation(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Rating != (chat.Rating{Score: 5}) || c.Ratings != 2 || c.AgentSummary().Rating.Score != 5 {
		t.Errorf("conversation rating = %+v after %d answers", c.Rating, c.Ratings)
	}
}

func TestRatingAnswersAreBounded(t *testing.T) {
	e := surveyEnv(t, true)
	id := e.start(t).ConversationID
	if _, err := e.svc.Close(t.Context(), ann, id); err != nil {
		t.Fatal(err)
	}
	for i := range chat.MaxRatingAnswers {
		if _, err := e.svc.Rate(t.Context(), vis, id, chat.Rating{Score: 1 + i%2}); err != nil {
			t.Fatalf("answer %d: %v", i+1, err)
		}
	}
	if _, err := e.svc.Rate(t.Context(), vis, id, chat.Rating{Score: 5}); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("answer past the bound = %v, want ErrConflict", err)
	}
}

func TestNoSurveyNoRating(t *testing.T) {
	e := surveyEnv(t, false)
	id := e.start(t).ConversationID
	if _, err := e.svc.Close(t.Context(), ann, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Rate(t.Context(), vis, id, chat.Rating{Score: 5}); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("rating without the survey = %v, want ErrConflict", err)
	}
	if _, err := e.svc.RateAsVisitor(t.Context(), id, chat.Rating{Score: 5}); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("rating by link without the survey = %v, want ErrConflict", err)
	}
	if diff := cmp.Diff([]chat.Event{{Type: chat.EventClosed, Reason: chat.CloseReasonAgent}}, ratedEvents(t, e, id)); diff != "" {
		t.Errorf("stored events (-want +got):\n%s", diff)
	}
}

func TestRateAsVisitorActsForTheConversationsVisitor(t *testing.T) {
	e := surveyEnv(t, true)
	id := e.start(t).ConversationID
	if _, err := e.svc.Close(t.Context(), ann, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RateAsVisitor(t.Context(), "33333333-3333-4333-8333-333333333333", chat.Rating{Score: 5}); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("unknown conversation = %v, want ErrNotFound", err)
	}
	if _, err := e.svc.RateAsVisitor(t.Context(), id, chat.Rating{Score: 3, Comment: "ok"}); err != nil {
		t.Fatal(err)
	}
	r, asked, err := e.svc.RatingOf(t.Context(), id)
	if err != nil || !asked || r == nil || *r != (chat.Rating{Score: 3, Comment: "ok"}) {
		t.Errorf("RatingOf = %+v, %v, %v", r, asked, err)
	}
	last := e.store.msgs[id][len(e.store.msgs[id])-1]
	if last.Author.Type != chat.RoleVisitor || last.Author.ID != vis.ID {
		t.Errorf("the rating's author = %+v, want the visitor", last.Author)
	}
}

func TestInactivityCloseAsksToo(t *testing.T) {
	e := newEnv(t)
	now := t0
	e.svc = newService(t, e.store, e.push, chat.Options{ChannelID: "main", Channels: chat.StaticChannels{"main": {InboxID: "main", Survey: true,
		Inactivity: chat.Inactivity{Timeout: 30 * time.Minute}}}, AgentInboxes: []string{"main"}, Now: func() time.Time { return now }})
	id := e.start(t).ConversationID
	now = t0.Add(31 * time.Minute)
	if out, err := e.svc.Expire(t.Context(), id); err != nil || out != chat.ExpireClosed {
		t.Fatalf("expire = %v, %v", out, err)
	}
	if _, err := e.svc.Rate(t.Context(), vis, id, chat.Rating{Score: 4}); err != nil {
		t.Errorf("rating after an inactivity close: %v", err)
	}
}
