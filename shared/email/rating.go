package email

import (
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// RatingTTL is how long the survey links of a transcript work.
const RatingTTL = 30 * 24 * time.Hour

// The answers a rating link gets when it cannot rate.
var (
	errRatingLinkInvalid = &chat.Error{Kind: chat.ErrInvalid, Message: "This rating link is not valid: it may be incomplete or changed."}
	errRatingLinkExpired = &chat.Error{Kind: chat.ErrInvalid, Message: "This rating link has expired: links to rate a conversation work for 30 days."}
)

// surveyLinks are the links of a transcript that rate conversationID 1 to
// 5 on the rating page, or none when no page is configured.
func (s *Service) surveyLinks(conversationID string) ([]string, error) {
	if s.ratingURL == "" {
		return nil, nil
	}
	page, err := url.Parse(s.ratingURL)
	if err != nil {
		return nil, err
	}
	tok, err := s.tokens.RatingToken(conversationID, s.now().Add(RatingTTL))
	if err != nil {
		return nil, err
	}
	links := make([]string, 0, chat.MaxScore)
	for score := chat.MinScore; score <= chat.MaxScore; score++ {
		q := url.Values{"token": {tok}, "score": {strconv.Itoa(score)}}
		page.RawQuery = q.Encode()
		links = append(links, page.String())
	}
	return links, nil
}

// RatingLink returns the conversation a rating link's token was issued
// for, or an ErrInvalid error saying why the link does not work (forged
// or expired).
func (s *Service) RatingLink(token string) (string, error) {
	id, err := s.tokens.VerifyRating(token, s.now())
	switch {
	case errors.Is(err, mail.ErrTokenExpired):
		return "", errRatingLinkExpired
	case err != nil:
		return "", errRatingLinkInvalid
	}
	return id, nil
}
