package mail_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	parleymail "github.com/parleychat/parley/shared/mail"
)

func TestRatingTokens(t *testing.T) {
	secret := []byte("rating-test-secret-0123456789ab")
	tokens, err := parleymail.NewTokens(secret, 'a')
	if err != nil {
		t.Fatal(err)
	}
	other, err := parleymail.NewTokens([]byte("another-secret-0123456789abcdef"), 'a')
	if err != nil {
		t.Fatal(err)
	}
	const cid = "8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10"
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	tok, err := tokens.RatingToken(cid, now.Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tokens.VerifyRating(tok, now); err != nil || got != cid {
		t.Fatalf("VerifyRating = %q, %v; want %s", got, err, cid)
	}
	if got, err := tokens.VerifyRating(strings.ToUpper(tok), now); err != nil || got != cid {
		t.Errorf("upper-cased (a mail client's doing) = %q, %v", got, err)
	}
	if _, err := tokens.VerifyRating(tok, now.Add(30*24*time.Hour)); !errors.Is(err, parleymail.ErrTokenExpired) {
		t.Errorf("at its expiry = %v, want ErrTokenExpired", err)
	}
	reply, _ := tokens.Token(cid)
	confirm, _ := tokens.ConfirmToken(cid, "ada@visitor.test", now.Add(time.Hour))
	otherTok, _ := other.RatingToken(cid, now.Add(time.Hour))
	flipped := []byte(tok)
	flipped[10] ^= 1
	for name, bad := range map[string]string{
		"empty": "", "another secret's": otherTok, "a reply token": reply, "a confirmation token": confirm,
		"a changed character": string(flipped), "cut short": tok[:len(tok)-3], "an unknown version": "z" + tok[1:],
	} {
		if _, err := tokens.VerifyRating(bad, now); !errors.Is(err, parleymail.ErrBadToken) {
			t.Errorf("%s: VerifyRating = %v, want ErrBadToken", name, err)
		}
	}
	if _, err := tokens.RatingToken("not-a-uuid", now); err == nil {
		t.Error("a token for an id that is not a UUID")
	}
}

func TestRenderSurveyLinks(t *testing.T) {
	var links []string
	for s := range 5 {
		links = append(links, "https://api.example.com/widget/rating?score="+string(rune('1'+s))+"&token=a<b>")
	}
	text, html, err := parleymail.Render(parleymail.Thread{Title: "Your conversation", Survey: links, Footer: "Bye"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "How was this conversation?") || !strings.Contains(text, "5 - Very good: https://api.example.com/widget/rating?score=5&token=a<b>") {
		t.Errorf("text part:\n%s", text)
	}
	if !strings.Contains(html, `href="https://api.example.com/widget/rating?score=1&amp;token=a%3cb%3e"`) || strings.Contains(html, "<b>") {
		t.Errorf("html part does not carry the links escaped:\n%s", html)
	}
	links[2] = "javascript:alert(1)"
	text, html, _ = parleymail.Render(parleymail.Thread{Title: "Your conversation", Survey: links})
	if strings.Contains(text+html, "How was this conversation?") {
		t.Error("a survey with a link that is not http(s) is shown")
	}
}
