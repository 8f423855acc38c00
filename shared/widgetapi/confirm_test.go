package widgetapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail"
)

type fakeSES struct {
	mu   sync.Mutex
	sent []string // the text parts
}

func (f *fakeSES) Send(_ context.Context, m email.Outgoing) error {
	parsed, err := mail.Parse(m.Raw)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, parsed.Text)
	return nil
}

func (h *harness) putContact(t *testing.T, token, addr string) (int, string) {
	t.Helper()
	req := request(t, "PUT /widget/contact", `{"email":"`+addr+`"}`)
	req.Headers["authorization"] = "Bearer " + token
	res, err := h.h.Handle(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Body
}

var linkRE = regexp.MustCompile(`https://h7x2k9\.execute-api\.eu-west-1\.amazonaws\.com/widget/contact/confirm\?token=[a-z0-9]+`)

// page requests the confirmation page as a mail client opens it: no
// Origin, no visitor token.
func (h *harness) page(t *testing.T, method, link, form string, base64Body bool) events.APIGatewayV2HTTPResponse {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	req := request(t, method+" /widget/contact/confirm", "")
	delete(req.Headers, "origin")
	req.QueryStringParameters = map[string]string{}
	for k, v := range u.Query() {
		req.QueryStringParameters[k] = v[0]
	}
	if form != "" {
		req.Headers["content-type"] = "application/x-www-form-urlencoded"
		req.Body, req.IsBase64Encoded = form, base64Body
		if base64Body {
			req.Body = base64.StdEncoding.EncodeToString([]byte(form))
		}
	}
	res, err := h.h.Handle(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestContactAnswerIsNoOracle: giving an address another visitor
// confirmed is answered exactly like giving a fresh one.
func TestContactAnswerIsNoOracle(t *testing.T) {
	h := setup(t)
	ses := h.ses
	owner, eve := h.session(t, `{}`), h.session(t, `{}`)
	if status, _ := h.putContact(t, owner.VisitorToken, "ada@visitor.test"); status != http.StatusOK {
		t.Fatal(status)
	}
	link := linkRE.FindString(ses.sent[0])
	if res := h.page(t, "POST", link, "token="+tokenOf(link), true); res.StatusCode != http.StatusOK {
		t.Fatalf("confirm = %d %s", res.StatusCode, res.Body)
	}
	takenStatus, taken := h.putContact(t, eve.VisitorToken, "ada@visitor.test")
	freshStatus, fresh := h.putContact(t, eve.VisitorToken, "nobody.yet@visitor.test")
	if takenStatus != http.StatusOK || taken != strings.Replace(fresh, "nobody.yet", "ada", 1) {
		t.Errorf("taken address = %d %s; fresh address = %d %s; want the same answer", takenStatus, taken, freshStatus, fresh)
	}
	var got struct {
		Contact struct {
			Email    string `json:"email"`
			Verified bool   `json:"verified"`
		} `json:"contact"`
	}
	if err := json.Unmarshal([]byte(taken), &got); err != nil || got.Contact.Verified {
		t.Errorf("answer = %s, want unverified", taken)
	}
}

func tokenOf(link string) string {
	u, _ := url.Parse(link)
	return u.Query().Get("token")
}

// TestConfirmationPage: the link's page shows a button and changes
// nothing (link scanners open links); the button's form post confirms; a
// damaged link gets an error page. The page is HTML with a strict CSP.
func TestConfirmationPage(t *testing.T) {
	h := setup(t)
	ses := h.ses
	v := h.session(t, `{}`)
	if status, body := h.putContact(t, v.VisitorToken, "grace@visitor.test"); status != http.StatusOK || !strings.Contains(body, `"verified":false`) {
		t.Fatalf("put contact = %d %s", status, body)
	}
	if len(ses.sent) != 1 {
		t.Fatalf("%d emails sent, want the confirmation", len(ses.sent))
	}
	link := linkRE.FindString(ses.sent[0])
	if link == "" {
		t.Fatalf("no confirmation link on the API's domain in:\n%s", ses.sent[0])
	}
	res := h.page(t, "GET", link, "", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `<form method="post" action="confirm">`) || !strings.Contains(res.Body, "grace@visitor.test") {
		t.Fatalf("GET = %d %s", res.StatusCode, res.Body)
	}
	if ct, csp := res.Headers["Content-Type"], res.Headers["Content-Security-Policy"]; ct != "text/html; charset=utf-8" || !strings.Contains(csp, "default-src 'none'") || res.Headers["Referrer-Policy"] != "no-referrer" {
		t.Errorf("headers = %v", res.Headers)
	}
	if status, body := h.putContact(t, v.VisitorToken, "grace@visitor.test"); !strings.Contains(body, `"verified":false`) {
		t.Errorf("after opening the page: %d %s, want still unverified", status, body)
	}
	damaged := link[:len(link)-3]
	if res := h.page(t, "POST", damaged, "token="+tokenOf(damaged), true); res.StatusCode != http.StatusBadRequest || !strings.Contains(res.Body, "not valid") {
		t.Errorf("damaged link = %d %s", res.StatusCode, res.Body)
	}
	if res := h.page(t, "POST", link, "token="+tokenOf(link), true); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "is confirmed") {
		t.Fatalf("POST = %d %s", res.StatusCode, res.Body)
	}
	if status, body := h.putContact(t, v.VisitorToken, "grace@visitor.test"); !strings.Contains(body, `"verified":true`) {
		t.Errorf("after confirming: %d %s, want verified", status, body)
	}
	if len(ses.sent) != 1 {
		t.Errorf("%d emails, want no second confirmation for a verified address", len(ses.sent))
	}
	if res := h.page(t, "GET", link, "", false); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "is confirmed") || strings.Contains(res.Body, "<form") {
		t.Errorf("GET after confirming = %d %s", res.StatusCode, res.Body)
	}
}
