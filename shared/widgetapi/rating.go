package widgetapi

import (
	"context"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
	"github.com/parleychat/parley/shared/plaintext"
)

// ratingPath is the page the survey links of a transcript open.
const ratingPath = "/widget/rating"

type ratingRequest struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

type ratingResponse struct {
	Rating chat.Rating `json:"rating"`
}

// rate answers PUT /widget/conversations/{id}/rating: the visitor's answer
// to the survey, in the widget. A second answer replaces the first.
func (h *Handler) rate(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	p, err := h.visitor(ctx, req)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	var in ratingRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return apigw.Error(ctx, err)
	}
	// Every answer is an entry of the conversation's stream.
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return apigw.Error(ctx, err)
	}
	c, err := h.svc.Rate(ctx, p, req.PathParameters["id"], chat.Rating{Score: in.Score, Comment: plaintext.Body(in.Comment)})
	if err != nil {
		return apigw.Error(ctx, err)
	}
	slog.InfoContext(ctx, "conversation rated", "conversationId", c.ID, "via", "widget")
	return apigw.JSON(http.StatusOK, ratingResponse{Rating: c.Rating})
}

// The rating page is what a survey link of a transcript opens. Like the
// confirmation page, GET changes nothing (mail scanners open every link):
// it shows the question with the link's score chosen, a comment field and
// a button; the button POSTs the form back and records the rating. The
// link's token is the proof: no origin check, no visitor token.
//
// render writes the page with a strings.Builder, every value escaped (see
// confirmView.render); color is the channel's, always #rrggbb.
func (v ratingView) render(color string) string {
	esc := html.EscapeString
	var b strings.Builder
	pageStart(&b, v.Title, color, `fieldset{border:0;padding:0;margin:0 0 1rem}legend{font-weight:600;margin-bottom:.5rem}label{display:block;margin:.25rem 0}
textarea{width:100%;box-sizing:border-box;font:inherit;min-height:5rem}
`)
	if v.Text != "" {
		b.WriteString("<p>" + esc(v.Text) + "</p>")
	}
	b.WriteString("\n")
	if v.Token != "" {
		b.WriteString(`<form method="post" action="rating"><input type="hidden" name="token" value="` + esc(v.Token) + `">
<fieldset><legend>` + esc(v.Question) + "</legend>\n")
		for _, c := range v.Scores {
			n := strconv.Itoa(c.Score)
			b.WriteString(`<label><input type="radio" name="score" value="` + n + `" required`)
			if c.Checked {
				b.WriteString(" checked")
			}
			b.WriteString("> " + n + " · " + esc(c.Label) + "</label>\n")
		}
		b.WriteString(`</fieldset>
<p><label for="comment">Comment (optional)</label><textarea id="comment" name="comment" maxlength="` + strconv.Itoa(v.MaxComment) + `">` + esc(v.Comment) + `</textarea></p>
<button type="submit">Send my rating</button></form>`)
	}
	b.WriteString("\n</body></html>\n")
	return b.String()
}

type scoreChoice struct {
	Score   int
	Label   string
	Checked bool
}

type ratingView struct {
	Title, Text, Token, Question, Comment string
	Scores                                []scoreChoice
	MaxComment                            int
}

// maxRatingBody bounds the rating form's body: the token and a comment
// of chat.MaxRatingCommentRunes characters, each at most 4 bytes, each
// byte percent-encoded.
const maxRatingBody = 512 + chat.MaxRatingCommentRunes*4*3

func (h *Handler) ratingView(ctx context.Context, status int, v ratingView) events.APIGatewayV2HTTPResponse {
	return htmlPage(status, v.render(h.settings.Color(ctx, h.channel)))
}

// ratingFailed is the page of a link or a form that cannot rate.
func (h *Handler) ratingFailed(ctx context.Context, err error) events.APIGatewayV2HTTPResponse {
	var de *chat.Error
	switch {
	case errors.As(err, &de) && (errors.Is(err, chat.ErrInvalid) || errors.Is(err, chat.ErrTooLarge) || errors.Is(err, chat.ErrConflict)):
		return h.ratingView(ctx, http.StatusBadRequest, ratingView{Title: "This link cannot rate the conversation", Text: de.Message})
	case errors.Is(err, chat.ErrNotFound):
		return h.ratingView(ctx, http.StatusNotFound, ratingView{Title: "This link cannot rate the conversation", Text: "The conversation no longer exists."})
	case errors.As(err, new(*chat.RateLimitError)):
		return h.ratingView(ctx, http.StatusTooManyRequests, ratingView{Title: "Too many requests", Text: "Please try again in a minute."})
	}
	slog.ErrorContext(ctx, "rating page failed", "error", err)
	return h.ratingView(ctx, http.StatusInternalServerError, ratingView{Title: "Something went wrong", Text: "The rating could not be recorded just now. Please open the link again in a moment."})
}

// ratingForm answers GET /widget/rating?token=…&score=…: the question with
// the link's score chosen (or the current rating's), and the button that
// records it. It records nothing.
func (h *Handler) ratingForm(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	token := req.QueryStringParameters["token"]
	cid, err := h.email.RatingLink(token)
	if err != nil {
		return h.ratingFailed(ctx, err)
	}
	current, asked, err := h.svc.RatingOf(ctx, cid)
	if err != nil {
		return h.ratingFailed(ctx, err)
	}
	if !asked {
		return h.ratingFailed(ctx, &chat.Error{Kind: chat.ErrInvalid, Message: "This conversation did not ask for a rating."})
	}
	v := ratingView{Title: "Rate your conversation", Token: token}
	score, _ := strconv.Atoi(req.QueryStringParameters["score"])
	if current != nil {
		v.Text = "You rated this conversation " + strconv.Itoa(current.Score) + " of 5. You can change your rating."
		v.Comment = current.Comment
		if score < chat.MinScore || score > chat.MaxScore {
			score = current.Score
		}
	}
	return h.ratingView(ctx, http.StatusOK, ratingChoices(v, score))
}

// ratingChoices fills the question and its five answers, score chosen
// (none when it is out of range).
func ratingChoices(v ratingView, score int) ratingView {
	v.Question, v.MaxComment = mail.SurveyQuestion, chat.MaxRatingCommentRunes
	for i, label := range mail.ScoreLabels {
		v.Scores = append(v.Scores, scoreChoice{Score: i + 1, Label: label, Checked: i+1 == score})
	}
	return v
}

// rateByLink answers POST /widget/rating (the page's form): it records the
// rating, replacing an earlier one.
func (h *Handler) rateByLink(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	form, err := readForm(req, maxRatingBody)
	if err != nil {
		return h.ratingFailed(ctx, err)
	}
	cid, err := h.email.RatingLink(form.Get("token"))
	if err != nil {
		return h.ratingFailed(ctx, err)
	}
	score, err := strconv.Atoi(form.Get("score"))
	if err != nil {
		return h.ratingFailed(ctx, &chat.Error{Kind: chat.ErrInvalid, Message: "Choose a rating from 1 to 5."})
	}
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return h.ratingFailed(ctx, err)
	}
	c, err := h.svc.RateAsVisitor(ctx, cid, chat.Rating{Score: score, Comment: plaintext.Body(form.Get("comment"))})
	if err != nil {
		return h.ratingFailed(ctx, err)
	}
	slog.InfoContext(ctx, "conversation rated", "conversationId", c.ID, "via", "email")
	return h.ratingView(ctx, http.StatusOK, ratingView{Title: "Thank you", Text: "Your rating of " + strconv.Itoa(c.Rating.Score) + " of 5 is recorded. You can close this page."})
}
