package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/parleychat/parley/infra/chatclient"
)

var (
	temporaryPassword = regexp.MustCompile(`temporary password (\S+), then`)
	sessionField      = regexp.MustCompile(`name="session" value="([^"]+)"`)
)

// An admin invites an agent through the user pool, the way a function
// will: the SDK's client configured from AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER,
// the pool's id as the template names it. The invitation lands in the
// mailbox with the local inbox's URL; the agent signs in with it at the
// issuer the JWT authorizer trusts, chooses a password, and uses the agent
// API with the ID token.
func TestInvitedAgentSignsInToTheInbox(t *testing.T) {
	e := cloud.Endpoints()
	if e.UserPoolID == "" {
		t.Fatal("the local cloud names no user pool")
	}
	t.Setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", e.AWS)
	cfg, err := awsconfig.LoadDefaultConfig(t.Context(), awsconfig.WithRegion(cloud.Model().Region),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", "")))
	if err != nil {
		t.Fatal(err)
	}
	pool := cognitoidentityprovider.NewFromConfig(cfg)

	email := "noor-" + strings.ToLower(rand.Text()[:8]) + "@example.com"
	created, err := pool.AdminCreateUser(wait(t), &cognitoidentityprovider.AdminCreateUserInput{
		UserPoolId: aws.String(e.UserPoolID),
		Username:   aws.String(email),
		UserAttributes: []types.AttributeType{
			{Name: aws.String("name"), Value: aws.String("Noor Haddad")},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
	})
	if err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	username := aws.ToString(created.User.Username)

	var body string
	for _, m := range cloud.Mailbox() {
		if len(m.To) == 1 && m.To[0] == email {
			body = m.HTML
		}
	}
	for _, want := range []string{e.Inbox, username} {
		if !strings.Contains(body, want) {
			t.Errorf("invitation %q lacks %q", body, want)
		}
	}
	temp := temporaryPassword.FindStringSubmatch(body)
	if temp == nil {
		t.Fatalf("invitation %q has no temporary password", body)
	}

	// The inbox's sign-in: authorization code with PKCE.
	verifier := rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	auth := url.Values{
		"client_id": {e.OIDCClientID}, "redirect_uri": {e.Inbox}, "response_type": {"code"},
		"scope": {"openid email profile"}, "state": {"s1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(extra url.Values) (*http.Response, string) {
		form := url.Values{}
		for k, v := range auth {
			form[k] = v
		}
		for k, v := range extra {
			form[k] = v
		}
		resp, err := noRedirect.PostForm(e.OIDCIssuer+"/authorize", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, page := post(url.Values{"email": {email}, "password": {temp[1]}})
	session := sessionField.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || session == nil {
		t.Fatalf("first sign-in: %d, want the page to choose a password: %.300s", resp.StatusCode, page)
	}
	resp, page = post(url.Values{"session": {session[1]}, "new_password": {"Cortado-Con-Leche-8"}, "confirm_password": {"Cortado-Con-Leche-8"}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("choosing a password: %d %.300s", resp.StatusCode, page)
	}
	resp, err = http.PostForm(e.OIDCIssuer+"/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {e.OIDCClientID}, "code": {loc.Query().Get("code")},
		"redirect_uri": {e.Inbox}, "code_verifier": {verifier},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tokens struct {
		IDToken string `json:"id_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tokens)
	resp.Body.Close()
	if err != nil || tokens.IDToken == "" {
		t.Fatalf("token exchange: %d %v", resp.StatusCode, err)
	}

	var me struct {
		AgentID     string `json:"agentId"`
		DisplayName string `json:"displayName"`
	}
	if err := chatclient.NewAgent(endpoints(), tokens.IDToken).Call(wait(t), http.MethodGet, "/agent/me", nil, &me); err != nil {
		t.Fatalf("GET /agent/me: %v", err)
	}
	if me.DisplayName != "Noor Haddad" {
		t.Errorf("profile %+v, want the invited name", me)
	}

	got, err := pool.AdminGetUser(wait(t), &cognitoidentityprovider.AdminGetUserInput{UserPoolId: aws.String(e.UserPoolID), Username: aws.String(email)})
	if err != nil || got.UserStatus != types.UserStatusTypeConfirmed || aws.ToString(got.Username) != username {
		t.Errorf("AdminGetUser after sign-in: %v %v, want %s CONFIRMED", got, err, username)
	}
}
