package chat

// Satisfaction: a close of a channel with the survey on asks the visitor
// "How was this conversation?". The visitor answers 1 to 5 with an
// optional comment, in the widget or from the transcript email's links.
// One rating per conversation: a later answer replaces the earlier one.
// Every answer is an event in the seq stream, so agents viewing the thread
// see it at once and the bus carries it (conversation.rated).

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Bounds of a rating.
const (
	MinScore = 1
	MaxScore = 5
	// MaxRatingCommentRunes is the longest comment, in characters.
	MaxRatingCommentRunes = 1000
	// MaxRatingAnswers bounds how often one conversation's rating
	// changes: each answer is an entry of the seq stream.
	MaxRatingAnswers = 10
)

// Rating is a visitor's answer to the survey.
type Rating struct {
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
}

// Check refuses a score out of 1..5 or a comment too long; the comment is
// expected normalised (plaintext.Body) by the handler that decoded it.
func (r Rating) Check() error {
	if r.Score < MinScore || r.Score > MaxScore {
		return &Error{Kind: ErrInvalid, Message: fmt.Sprintf("score must be %d to %d", MinScore, MaxScore)}
	}
	if utf8.RuneCountInString(r.Comment) > MaxRatingCommentRunes {
		return &Error{Kind: ErrTooLarge, Message: fmt.Sprintf("a comment has at most %d characters", MaxRatingCommentRunes)}
	}
	return nil
}

// rating is the conversation's current rating, nil before any.
func (c Conversation) rating() *Rating {
	if c.Rating.Score == 0 {
		return nil
	}
	r := c.Rating
	return &r
}

// surveyOf tells whether closing c now asks for a rating: the channel's
// setting at the moment of the close.
func (s *Service) surveyOf(ctx context.Context, c Conversation) (bool, error) {
	ch, err := s.channelOf(ctx, c.ChannelID)
	return ch.Survey, err
}

var (
	errNoSurvey     = &Error{Kind: ErrConflict, Message: "this conversation did not ask for a rating"}
	errRatingClosed = &Error{Kind: ErrConflict, Message: "this rating cannot be changed any more"}
)

// Rate records the visitor's rating of its conversation (a visitor only:
// an agent cannot rate). The conversation must have asked (a close with
// the survey on). The same answer again changes nothing; a different one
// replaces the rating, up to MaxRatingAnswers answers.
func (s *Service) Rate(ctx context.Context, visitor Principal, conversationID string, r Rating) (Conversation, error) {
	if visitor.Role != RoleVisitor {
		return Conversation{}, notFound()
	}
	r.Comment = strings.TrimSpace(r.Comment)
	if err := r.Check(); err != nil {
		return Conversation{}, err
	}
	return s.transition(ctx, visitor, conversationID, func(c *Conversation) (*Event, error) {
		switch {
		case !c.Survey:
			return nil, errNoSurvey
		case c.Rating == r:
			return nil, nil
		case c.Ratings >= MaxRatingAnswers:
			return nil, errRatingClosed
		}
		c.Rating, c.Ratings = r, c.Ratings+1
		answer := r
		return &Event{Type: EventRated, Rating: &answer}, nil
	})
}

// RateAsVisitor is Rate for whoever holds a signed link to the
// conversation (the transcript email's): it acts as the conversation's
// visitor. An unknown conversation answers like Rate's.
func (s *Service) RateAsVisitor(ctx context.Context, conversationID string, r Rating) (Conversation, error) {
	c, err := s.linked(ctx, conversationID)
	if err != nil {
		return Conversation{}, err
	}
	return s.Rate(ctx, Principal{Role: RoleVisitor, ID: c.VisitorID, Name: c.VisitorName}, conversationID, r)
}

// RatingOf returns the current rating of a conversation, for the page of
// a signed link (nil before any), and whether it asked for one.
func (s *Service) RatingOf(ctx context.Context, conversationID string) (*Rating, bool, error) {
	c, err := s.linked(ctx, conversationID)
	if err != nil {
		return nil, false, err
	}
	return c.rating(), c.Survey, nil
}

// linked reads the conversation a signed link names: the link is the
// proof, there is no principal to check.
func (s *Service) linked(ctx context.Context, conversationID string) (Conversation, error) {
	if err := checkID("conversation id", conversationID); err != nil {
		return Conversation{}, err
	}
	c, err := s.store.Conversation(ctx, conversationID)
	switch {
	case errors.Is(err, ErrNotFound):
		return Conversation{}, notFound()
	case err != nil:
		return Conversation{}, fmt.Errorf("conversation %s: %w", conversationID, err)
	}
	return c, nil
}
