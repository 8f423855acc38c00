package cognitoidp

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/oidc"
	"github.com/parleychat/parley/infra/localcloud/sesemu"
)

const (
	poolID   = "us-east-1_Lc4lP00l1"
	clientID = "parley-inbox"
	redirect = "http://localhost:3000/inbox/"
	verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-local-test"
)

// The template's policy: 12 characters, lower, upper and digits.
var policy = oidc.PasswordPolicy{
	MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true,
	TemporaryPasswordValidity: 7 * 24 * time.Hour,
}

type harness struct {
	base   string
	inbox  string
	issuer *oidc.Issuer
	ses    *sesemu.Server
	idp    *idp.Client
	web    *http.Client // a browser that shows redirects instead of following them
}

// newHarness serves the issuer below /oidc and the Cognito API at the
// root, as the local cloud does, and calls it with the SDK's client.
func newHarness(t *testing.T) *harness {
	t.Helper()
	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	issuer, err := oidc.New(srv.URL+"/oidc", clientID, oidc.DemoAgents(), policy)
	if err != nil {
		t.Fatal(err)
	}
	ses := sesemu.New(sesemu.Options{})
	inbox := srv.URL + "/inbox/"
	api, err := New(Options{
		PoolID: poolID, Users: issuer, Deliver: ses.Deliver,
		InviteSubject: "Your Parley inbox account",
		InviteMessage: "Sign in at " + inbox + " with this email address and the temporary password {####} (your user id: {username}).",
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/oidc/", http.StripPrefix("/oidc", issuer))
	h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsRequest(r) {
			api.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	client := idp.New(idp.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
	})
	return &harness{
		base: srv.URL, inbox: inbox, issuer: issuer, ses: ses, idp: client,
		web: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

func (h *harness) invite(t *testing.T, email, name string) *idp.AdminCreateUserOutput {
	t.Helper()
	out, err := h.idp.AdminCreateUser(t.Context(), &idp.AdminCreateUserInput{
		UserPoolId: aws.String(poolID),
		Username:   aws.String(email),
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("name"), Value: aws.String(name)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
	})
	if err != nil {
		t.Fatalf("AdminCreateUser %s: %v", email, err)
	}
	return out
}

var invitationText = regexp.MustCompile(`temporary password (\S+) \(your user id: ([0-9a-f-]{36})\)`)

type invitation struct {
	mail               sesemu.Mail
	password, username string
}

// lastInvitation reads the newest mail to email from the mailbox.
func (h *harness) lastInvitation(t *testing.T, email string) invitation {
	t.Helper()
	box := h.ses.Mailbox()
	for i := len(box) - 1; i >= 0; i-- {
		if m := box[i]; len(m.To) == 1 && m.To[0] == email {
			got := invitationText.FindStringSubmatch(m.HTML)
			if got == nil {
				t.Fatalf("invitation to %s lacks the password and user id: %q", email, m.HTML)
			}
			return invitation{mail: m, password: got[1], username: got[2]}
		}
	}
	t.Fatalf("no mail to %s in the mailbox", email)
	return invitation{}
}

func authParams() url.Values {
	sum := sha256.Sum256([]byte(verifier))
	return url.Values{
		"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid email profile"}, "state": {"st"}, "nonce": {"n1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
}

type page struct {
	status   int
	body     string
	location *url.URL
}

// submit posts the sign-in form with fields added to the authorization
// request, as the page's forms do.
func (h *harness) submit(t *testing.T, fields url.Values) page {
	t.Helper()
	form := authParams()
	for k, v := range fields {
		form[k] = v
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, h.base+"/oidc/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := h.web.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, body: string(body)}
	if loc := resp.Header.Get("Location"); loc != "" {
		p.location, _ = url.Parse(loc)
	}
	return p
}

func (h *harness) signIn(t *testing.T, email, password string) page {
	t.Helper()
	return h.submit(t, url.Values{"email": {email}, "password": {password}})
}

var sessionField = regexp.MustCompile(`name="session" value="([^"]+)"`)

func sessionOf(t *testing.T, p page) string {
	t.Helper()
	m := sessionField.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		t.Fatalf("want the new-password page, got %d: %.300s", p.status, p.body)
	}
	return m[1]
}

func (h *harness) choose(t *testing.T, session, password, again string) page {
	t.Helper()
	return h.submit(t, url.Values{"session": {session}, "new_password": {password}, "confirm_password": {again}})
}

// tokens redeems the code a sign-in redirected with.
func (h *harness) tokens(t *testing.T, p page) (id jwt.MapClaims, refresh string) {
	t.Helper()
	if p.status != http.StatusFound || p.location == nil || p.location.Query().Get("code") == "" {
		t.Fatalf("sign-in answered %d without a code: %.300s", p.status, p.body)
	}
	resp, err := http.PostForm(h.base+"/oidc/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {clientID}, "code": {p.location.Query().Get("code")},
		"redirect_uri": {redirect}, "code_verifier": {verifier},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		IDToken      string `json:"id_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token exchange: %d %v", resp.StatusCode, err)
	}
	tok, err := jwt.Parse(out.IDToken, func(*jwt.Token) (any, error) { return h.issuer.PublicKey(), nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(h.base+"/oidc"), jwt.WithAudience(clientID))
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	return tok.Claims.(jwt.MapClaims), out.RefreshToken
}

func (h *harness) refresh(t *testing.T, token string) int {
	t.Helper()
	resp, err := http.PostForm(h.base+"/oidc/token", url.Values{
		"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {token},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (h *harness) get(t *testing.T, username string) *idp.AdminGetUserOutput {
	t.Helper()
	out, err := h.idp.AdminGetUser(t.Context(), &idp.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String(username)})
	if err != nil {
		t.Fatalf("AdminGetUser %s: %v", username, err)
	}
	return out
}

func attrs(list []types.AttributeType) map[string]string {
	out := map[string]string{}
	for _, a := range list {
		out[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return out
}

// An admin invites Dana: Cognito's answer, the invitation in the mailbox,
// the first sign-in with the temporary password, the password she must
// choose, and the ID token she ends up with.
func TestInvitedAgentChoosesPasswordAndSignsIn(t *testing.T) {
	h := newHarness(t)
	created := h.invite(t, "dana@example.com", "Dana Okafor")

	u := created.User
	username := aws.ToString(u.Username)
	gotUser := map[string]any{"status": u.UserStatus, "enabled": u.Enabled, "attributes": attrs(u.Attributes)}
	wantUser := map[string]any{
		"status": types.UserStatusTypeForceChangePassword, "enabled": true,
		"attributes": map[string]string{"sub": username, "email": "dana@example.com", "name": "Dana Okafor", "email_verified": "true"},
	}
	if diff := cmp.Diff(wantUser, gotUser); diff != "" {
		t.Errorf("created user (-want +got):\n%s", diff)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(username) {
		t.Errorf("username %q is not the generated UUID a pool with email sign-in gives", username)
	}
	if u.UserCreateDate == nil || time.Since(*u.UserCreateDate) > time.Minute {
		t.Errorf("UserCreateDate = %v, want about now", u.UserCreateDate)
	}

	inv := h.lastInvitation(t, "dana@example.com")
	gotMail := map[string]any{"from": inv.mail.From, "subject": inv.mail.Subject, "username": inv.username, "links the inbox": strings.Contains(inv.mail.HTML, h.inbox)}
	wantMail := map[string]any{"from": Sender, "subject": "Your Parley inbox account", "username": username, "links the inbox": true}
	if diff := cmp.Diff(wantMail, gotMail); diff != "" {
		t.Errorf("invitation (-want +got):\n%s", diff)
	}
	if err := policy.Check(inv.password); err != nil {
		t.Errorf("temporary password %q: %v", inv.password, err)
	}

	session := sessionOf(t, h.signIn(t, "dana@example.com", inv.password))
	for _, tc := range []struct{ name, password, again, want string }{
		{"passwords differ", "Espresso-Doppio-42", "Espresso-Doppio-43", "The passwords do not match."},
		{"too short", "Short1a", "Short1a", "Password did not conform with policy: Password not long enough."},
		{"no digit", "EspressoDoppioLungo", "EspressoDoppioLungo", "Password did not conform with policy: Password must have numeric characters."},
	} {
		p := h.choose(t, session, tc.password, tc.again)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, tc.want) || !strings.Contains(p.body, `name="session"`) {
			t.Errorf("%s: %d, want 400 with %q and the form again: %.300s", tc.name, p.status, tc.want, p.body)
		}
	}
	if got := h.get(t, username).UserStatus; got != types.UserStatusTypeForceChangePassword {
		t.Errorf("status after refused passwords = %s", got)
	}

	id, _ := h.tokens(t, h.choose(t, session, "Espresso-Doppio-42", "Espresso-Doppio-42"))
	gotClaims := map[string]any{}
	for _, k := range []string{"sub", "email", "email_verified", "name", "cognito:username", "token_use", "nonce"} {
		gotClaims[k] = id[k]
	}
	wantClaims := map[string]any{
		"sub": username, "email": "dana@example.com", "email_verified": true, "name": "Dana Okafor",
		"cognito:username": username, "token_use": "id", "nonce": "n1",
	}
	if diff := cmp.Diff(wantClaims, gotClaims); diff != "" {
		t.Errorf("ID token claims (-want +got):\n%s", diff)
	}
	if got := h.get(t, "dana@example.com").UserStatus; got != types.UserStatusTypeConfirmed {
		t.Errorf("status after choosing a password = %s, want CONFIRMED", got)
	}

	// The session is spent, the temporary password no longer works and the
	// chosen one signs in directly, with the same sub.
	if p := h.choose(t, session, "Another-Password-7", "Another-Password-7"); p.status != http.StatusUnauthorized {
		t.Errorf("reusing the spent session: %d, want 401", p.status)
	}
	if p := h.signIn(t, "dana@example.com", inv.password); p.status != http.StatusUnauthorized {
		t.Errorf("temporary password after the change: %d, want 401", p.status)
	}
	again, _ := h.tokens(t, h.signIn(t, "Dana@Example.com", "Espresso-Doppio-42"))
	if again["sub"] != username {
		t.Errorf("second sign-in sub = %v, want %s", again["sub"], username)
	}
}

// exception matches an error the SDK decoded to one exception type.
type exception struct {
	name  string
	match func(error) (message string, ok bool)
}

func is[T interface {
	error
	ErrorMessage() string
}]() exception {
	var zero T
	return exception{name: fmt.Sprintf("%T", zero), match: func(err error) (string, bool) {
		var e T
		if errors.As(err, &e) {
			return e.ErrorMessage(), true
		}
		return "", false
	}}
}

// Bad calls are answered with the exception Cognito answers, which the
// SDK decodes to its type, and change nothing: no user, no mail.
func TestAdminCreateUserRefusesBadInput(t *testing.T) {
	h := newHarness(t)
	h.invite(t, "erin@example.com", "Erin")
	alice := oidc.DemoAgents()[0]

	email := func(v string) []types.AttributeType {
		return []types.AttributeType{{Name: aws.String("email"), Value: aws.String(v)}}
	}
	tests := []struct {
		name string
		in   idp.AdminCreateUserInput
		want exception
		msg  string
	}{
		{name: "invited twice", want: is[*types.UsernameExistsException](), msg: "An account with the given email already exists.",
			in: idp.AdminCreateUserInput{Username: aws.String("erin@example.com")}},
		{name: "invited twice in another case", want: is[*types.UsernameExistsException](),
			in: idp.AdminCreateUserInput{Username: aws.String("Erin@Example.com")}},
		{name: "a demo agent's address", want: is[*types.UsernameExistsException](),
			in: idp.AdminCreateUserInput{Username: aws.String(alice.Email)}},
		{name: "username not an email", want: is[*types.InvalidParameterException](), msg: "Username should be an email.",
			in: idp.AdminCreateUserInput{Username: aws.String("frank")}},
		{name: "username with a display name", want: is[*types.InvalidParameterException](),
			in: idp.AdminCreateUserInput{Username: aws.String("Frank <frank@example.com>")}},
		{name: "address without a domain dot", want: is[*types.InvalidParameterException](),
			in: idp.AdminCreateUserInput{Username: aws.String("frank@localhost")}},
		{name: "email attribute malformed", want: is[*types.InvalidParameterException](), msg: "Invalid email address format.",
			in: idp.AdminCreateUserInput{Username: aws.String("frank@example.com"), UserAttributes: email("frank@@example.com")}},
		{name: "email attribute another address", want: is[*types.InvalidParameterException](),
			in: idp.AdminCreateUserInput{Username: aws.String("frank@example.com"), UserAttributes: email("gina@example.com")}},
		{name: "custom attribute", want: is[*types.InvalidParameterException](),
			msg: "Attributes did not conform to the schema: custom:team: Attribute does not exist in the schema.",
			in: idp.AdminCreateUserInput{Username: aws.String("frank@example.com"),
				UserAttributes: []types.AttributeType{{Name: aws.String("custom:team"), Value: aws.String("sales")}}}},
		{name: "sub chosen by the caller", want: is[*types.InvalidParameterException](),
			in: idp.AdminCreateUserInput{Username: aws.String("frank@example.com"),
				UserAttributes: []types.AttributeType{{Name: aws.String("sub"), Value: aws.String("mine")}}}},
		{name: "email_verified not a boolean", want: is[*types.InvalidParameterException](),
			in: idp.AdminCreateUserInput{Username: aws.String("frank@example.com"),
				UserAttributes: []types.AttributeType{{Name: aws.String("email_verified"), Value: aws.String("yes")}}}},
		{name: "temporary password against the policy", want: is[*types.InvalidPasswordException](),
			msg: "Password did not conform with policy: Password not long enough",
			in:  idp.AdminCreateUserInput{Username: aws.String("frank@example.com"), TemporaryPassword: aws.String("Short1")}},
		{name: "invitation by SMS", want: is[*types.InvalidParameterException](),
			in: idp.AdminCreateUserInput{Username: aws.String("frank@example.com"), DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeSms}}},
		{name: "another pool", want: is[*types.ResourceNotFoundException](), msg: "User pool us-east-1_Other0001 does not exist.",
			in: idp.AdminCreateUserInput{UserPoolId: aws.String("us-east-1_Other0001"), Username: aws.String("frank@example.com")}},
		{name: "resend to nobody", want: is[*types.UserNotFoundException](), msg: "User does not exist.",
			in: idp.AdminCreateUserInput{Username: aws.String("nobody@example.com"), MessageAction: types.MessageActionTypeResend}},
		{name: "resend to a confirmed user", want: is[*types.UnsupportedUserStateException](),
			in: idp.AdminCreateUserInput{Username: aws.String(alice.Email), MessageAction: types.MessageActionTypeResend}},
		{name: "unknown message action", want: is[*types.InvalidParameterException](),
			in: idp.AdminCreateUserInput{Username: aws.String("frank@example.com"), MessageAction: "SHOUT"}},
	}
	users, mails := len(h.issuer.Users()), len(h.ses.Mailbox())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.UserPoolId == nil {
				in.UserPoolId = aws.String(poolID)
			}
			if in.DesiredDeliveryMediums == nil {
				in.DesiredDeliveryMediums = []types.DeliveryMediumType{types.DeliveryMediumTypeEmail}
			}
			_, err := h.idp.AdminCreateUser(t.Context(), &in)
			msg, ok := tc.want.match(err)
			if !ok {
				t.Fatalf("err = %v, want %s", err, tc.want.name)
			}
			if tc.msg != "" && msg != tc.msg {
				t.Errorf("message %q, want %q", msg, tc.msg)
			}
		})
	}
	if got := len(h.issuer.Users()); got != users {
		t.Errorf("%d users after refused calls, want %d", got, users)
	}
	if got := len(h.ses.Mailbox()); got != mails {
		t.Errorf("%d mails after refused calls, want %d", got, mails)
	}
}

// RESEND mails a new temporary password: the old one stops working, and a
// new-password step begun with it cannot finish.
func TestResendInvitation(t *testing.T) {
	h := newHarness(t)
	created := h.invite(t, "gina@example.com", "Gina")
	first := h.lastInvitation(t, "gina@example.com")
	session := sessionOf(t, h.signIn(t, "gina@example.com", first.password))

	out, err := h.idp.AdminCreateUser(t.Context(), &idp.AdminCreateUserInput{
		UserPoolId: aws.String(poolID), Username: aws.String("gina@example.com"),
		MessageAction: types.MessageActionTypeResend, DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
	})
	if err != nil {
		t.Fatalf("RESEND: %v", err)
	}
	if aws.ToString(out.User.Username) != aws.ToString(created.User.Username) || out.User.UserStatus != types.UserStatusTypeForceChangePassword {
		t.Errorf("RESEND answered %s %s, want the same user, still FORCE_CHANGE_PASSWORD", aws.ToString(out.User.Username), out.User.UserStatus)
	}
	second := h.lastInvitation(t, "gina@example.com")
	if second.mail.ID == first.mail.ID || second.password == first.password {
		t.Fatal("RESEND mailed no new temporary password")
	}
	if p := h.choose(t, session, "Ristretto-Corto-77", "Ristretto-Corto-77"); p.status != http.StatusUnauthorized {
		t.Errorf("finishing a sign-in begun with the old password: %d, want 401", p.status)
	}
	if p := h.signIn(t, "gina@example.com", first.password); p.status != http.StatusUnauthorized {
		t.Errorf("old temporary password: %d, want 401", p.status)
	}
	session = sessionOf(t, h.signIn(t, "gina@example.com", second.password))
	h.tokens(t, h.choose(t, session, "Ristretto-Corto-77", "Ristretto-Corto-77"))
}

// SUPPRESS creates the user with the caller's temporary password and mails
// nothing.
func TestSuppressedInvitation(t *testing.T) {
	h := newHarness(t)
	_, err := h.idp.AdminCreateUser(t.Context(), &idp.AdminCreateUserInput{
		UserPoolId: aws.String(poolID), Username: aws.String("hugo@example.com"),
		TemporaryPassword: aws.String("Temporary-Pass-1"), MessageAction: types.MessageActionTypeSuppress,
	})
	if err != nil {
		t.Fatalf("AdminCreateUser SUPPRESS: %v", err)
	}
	if n := len(h.ses.Mailbox()); n != 0 {
		t.Errorf("%d mails sent for a suppressed invitation", n)
	}
	sessionOf(t, h.signIn(t, "hugo@example.com", "Temporary-Pass-1"))
}

// A disabled user cannot sign in or refresh; enabled again, they can.
func TestDisabledUserCannotSignIn(t *testing.T) {
	h := newHarness(t)
	h.invite(t, "ivy@example.com", "Ivy")
	session := sessionOf(t, h.signIn(t, "ivy@example.com", h.lastInvitation(t, "ivy@example.com").password))
	_, refresh := h.tokens(t, h.choose(t, session, "Flat-White-Oat-9", "Flat-White-Oat-9"))

	disable := &idp.AdminDisableUserInput{UserPoolId: aws.String(poolID), Username: aws.String("ivy@example.com")}
	if _, err := h.idp.AdminDisableUser(t.Context(), disable); err != nil {
		t.Fatalf("AdminDisableUser: %v", err)
	}
	if h.get(t, "ivy@example.com").Enabled {
		t.Error("AdminGetUser says a disabled user is enabled")
	}
	if p := h.signIn(t, "ivy@example.com", "Flat-White-Oat-9"); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "User is disabled.") {
		t.Errorf("disabled user's sign-in: %d %.200s, want 401 User is disabled.", p.status, p.body)
	}
	if p := h.signIn(t, "ivy@example.com", "wrong"); strings.Contains(p.body, "disabled") {
		t.Error("a wrong password learns that the user is disabled")
	}
	if got := h.refresh(t, refresh); got != http.StatusBadRequest {
		t.Errorf("disabled user's refresh: %d, want 400", got)
	}

	// A disabled demo agent's button signs nobody in either.
	ben := oidc.DemoAgents()[1]
	if _, err := h.idp.AdminDisableUser(t.Context(), &idp.AdminDisableUserInput{UserPoolId: aws.String(poolID), Username: aws.String(ben.Sub)}); err != nil {
		t.Fatal(err)
	}
	if p := h.submit(t, url.Values{"agent": {ben.Sub}}); p.status != http.StatusUnauthorized {
		t.Errorf("disabled demo agent's button: %d, want 401", p.status)
	}

	if _, err := h.idp.AdminEnableUser(t.Context(), &idp.AdminEnableUserInput{UserPoolId: aws.String(poolID), Username: aws.String("ivy@example.com")}); err != nil {
		t.Fatalf("AdminEnableUser: %v", err)
	}
	h.tokens(t, h.signIn(t, "ivy@example.com", "Flat-White-Oat-9"))

	var notFound *types.UserNotFoundException
	_, err := h.idp.AdminDisableUser(t.Context(), &idp.AdminDisableUserInput{UserPoolId: aws.String(poolID), Username: aws.String("nobody@example.com")})
	if !errors.As(err, &notFound) {
		t.Errorf("disabling nobody: %v, want UserNotFoundException", err)
	}
}

// A deleted user is gone: not found, cannot sign in, and the address can
// be invited again as a new user.
func TestDeleteUser(t *testing.T) {
	h := newHarness(t)
	first := h.invite(t, "jo@example.com", "Jo")
	if _, err := h.idp.AdminDeleteUser(t.Context(), &idp.AdminDeleteUserInput{UserPoolId: aws.String(poolID), Username: first.User.Username}); err != nil {
		t.Fatalf("AdminDeleteUser: %v", err)
	}
	var notFound *types.UserNotFoundException
	if _, err := h.idp.AdminGetUser(t.Context(), &idp.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String("jo@example.com")}); !errors.As(err, &notFound) {
		t.Errorf("AdminGetUser after delete: %v, want UserNotFoundException", err)
	}
	if p := h.signIn(t, "jo@example.com", h.lastInvitation(t, "jo@example.com").password); p.status != http.StatusUnauthorized {
		t.Errorf("deleted user's sign-in: %d, want 401", p.status)
	}
	again := h.invite(t, "jo@example.com", "Jo")
	if aws.ToString(again.User.Username) == aws.ToString(first.User.Username) {
		t.Error("the re-invited user has the deleted user's sub")
	}
}

func TestListUsers(t *testing.T) {
	h := newHarness(t)
	kim := h.invite(t, "kim@example.com", "Kim Lee")
	h.invite(t, "kira@example.org", `Kira "K" Nowak`)
	if _, err := h.idp.AdminDisableUser(t.Context(), &idp.AdminDisableUserInput{UserPoolId: aws.String(poolID), Username: aws.String("kira@example.org")}); err != nil {
		t.Fatal(err)
	}
	demo := oidc.DemoAgents()

	emails := func(t *testing.T, filter string) []string {
		t.Helper()
		out, err := h.idp.ListUsers(t.Context(), &idp.ListUsersInput{UserPoolId: aws.String(poolID), Filter: aws.String(filter)})
		if err != nil {
			t.Fatalf("ListUsers %q: %v", filter, err)
		}
		got := []string{}
		for _, u := range out.Users {
			got = append(got, attrs(u.Attributes)["email"])
		}
		return got
	}
	tests := []struct {
		filter string
		want   []string
	}{
		{``, []string{demo[0].Email, demo[1].Email, demo[2].Email, "kim@example.com", "kira@example.org"}},
		{`email = "kim@example.com"`, []string{"kim@example.com"}},
		{`email="kim@example.com"`, []string{"kim@example.com"}},
		{`email = "KIM@example.com"`, []string{}},
		{`email ^= "ki"`, []string{"kim@example.com", "kira@example.org"}},
		{`email = "nobody@example.com"`, []string{}},
		{`name = "Kira \"K\" Nowak"`, []string{"kira@example.org"}},
		{`status = "Disabled"`, []string{"kira@example.org"}},
		{`cognito:user_status = "force_change_password"`, []string{"kim@example.com", "kira@example.org"}},
		{`username = "` + aws.ToString(kim.User.Username) + `"`, []string{"kim@example.com"}},
		{`sub ^= "a11ce"`, []string{demo[0].Email}},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, emails(t, tc.filter)); diff != "" {
				t.Errorf("ListUsers %q (-want +got):\n%s", tc.filter, diff)
			}
		})
	}

	for _, bad := range []string{`email = kim@example.com`, `email == "x"`, `email = "x" and name = "y"`, `custom:team = "x"`, `email = "open`} {
		var ipe *types.InvalidParameterException
		if _, err := h.idp.ListUsers(t.Context(), &idp.ListUsersInput{UserPoolId: aws.String(poolID), Filter: aws.String(bad)}); !errors.As(err, &ipe) {
			t.Errorf("filter %q: %v, want InvalidParameterException", bad, err)
		}
	}
	var ipe *types.InvalidParameterException
	if _, err := h.idp.ListUsers(t.Context(), &idp.ListUsersInput{UserPoolId: aws.String(poolID), Limit: aws.Int32(61)}); !errors.As(err, &ipe) {
		t.Errorf("limit 61: %v, want InvalidParameterException", err)
	}

	// Pages of two, deleting a listed user between pages, cover everyone
	// else once.
	var seen []string
	var token *string
	for page := 0; ; page++ {
		out, err := h.idp.ListUsers(t.Context(), &idp.ListUsersInput{
			UserPoolId: aws.String(poolID), Limit: aws.Int32(2), PaginationToken: token, AttributesToGet: []string{"email"},
		})
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		for _, u := range out.Users {
			a := attrs(u.Attributes)
			if len(a) != 1 {
				t.Errorf("AttributesToGet [email] answered %v", a)
			}
			seen = append(seen, a["email"])
		}
		if page == 0 {
			if _, err := h.idp.AdminDeleteUser(t.Context(), &idp.AdminDeleteUserInput{UserPoolId: aws.String(poolID), Username: aws.String(demo[0].Email)}); err != nil {
				t.Fatal(err)
			}
		}
		if token = out.PaginationToken; token == nil {
			break
		}
	}
	if diff := cmp.Diff([]string{demo[0].Email, demo[1].Email, demo[2].Email, "kim@example.com", "kira@example.org"}, seen); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}

// An operation the local pool does not serve is refused by name.
func TestUnknownOperation(t *testing.T) {
	h := newHarness(t)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, h.base+"/", strings.NewReader(`{"UserPoolId":"`+poolID+`"}`))
	req.Header.Set("X-Amz-Target", TargetPrefix+"AdminResetUserPassword")
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest || body["__type"] != "UnknownOperationException" || !strings.Contains(body["message"], "AdminCreateUser") {
		t.Errorf("unknown operation: %d %v", resp.StatusCode, body)
	}
}
