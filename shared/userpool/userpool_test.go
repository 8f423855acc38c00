package userpool_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/parleychat/parley/infra/localcloud/cognitoidp"
	"github.com/parleychat/parley/infra/localcloud/oidc"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/team"
	"github.com/parleychat/parley/shared/userpool"
)

const poolID = "us-east-1_Te4mP00l1"

// The pool over the local cloud's Cognito API and its users: what the SDK
// sends is what Cognito receives, and its exceptions come back as the
// SDK's types.
func TestPool(t *testing.T) {
	users, err := oidc.New("http://127.0.0.1/oidc", "parley-inbox", nil, oidc.DefaultPasswordPolicy())
	if err != nil {
		t.Fatal(err)
	}
	var mailed int
	api, err := cognitoidp.New(cognitoidp.Options{PoolID: poolID, Users: users, Deliver: func([]byte) (string, error) { mailed++; return "m", nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	client := cip.New(cip.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	pool, err := userpool.New(client, poolID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	sub, err := pool.Invite(ctx, "noor@example.com", "Noor Haddad")
	if err != nil {
		t.Fatal(err)
	}
	u, err := users.LookupUser(sub)
	if err != nil || u.Attributes["name"] != "Noor Haddad" || u.Attributes["email"] != "noor@example.com" || mailed != 1 {
		t.Errorf("invited user = %+v, %v, %d mails; want Noor, mailed once", u, err, mailed)
	}
	if _, err := pool.Invite(ctx, "noor@example.com", "Noor"); !errors.Is(err, team.ErrAddressTaken) {
		t.Errorf("the address again: %v, want ErrAddressTaken", err)
	}
	if _, err := pool.Invite(ctx, "not an address", "X"); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("a malformed address: %v, want ErrInvalid", err)
	}

	if err := pool.SetEnabled(ctx, sub, false); err != nil {
		t.Fatal(err)
	}
	if _, err := users.Mint(sub, time.Minute); err == nil {
		t.Error("a disabled user still gets tokens")
	}
	if err := pool.SetEnabled(ctx, sub, true); err != nil {
		t.Fatal(err)
	}
	if _, err := users.Mint(sub, time.Minute); err != nil {
		t.Errorf("enabled again: %v", err)
	}
	if err := pool.SetEnabled(ctx, "00000000-0000-4000-8000-000000000000", false); err != nil {
		t.Errorf("a user the pool does not know: %v, want nothing to do", err)
	}

	if err := pool.Remove(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := pool.Remove(ctx, sub); err != nil {
		t.Errorf("removed twice: %v", err)
	}
	if _, err := pool.Invite(ctx, "noor@example.com", "Noor"); err != nil {
		t.Errorf("inviting a removed address again: %v", err)
	}

	other, err := userpool.New(client, "us-east-1_Other0000")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Invite(ctx, "x@example.com", "X"); err == nil || errors.Is(err, chat.ErrInvalid) {
		t.Errorf("another pool: %v, want an internal error", err)
	}
}
