package userpool_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/parleychat/parley/infra/localcloud/cognitoidp"
	"github.com/parleychat/parley/infra/localcloud/oidc"
	"github.com/parleychat/parley/shared/awscall/awscalltest"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/team"
	"github.com/parleychat/parley/shared/userpool"
)

const poolID = "us-east-1_Te4mP00l1"

// The pool over the local cloud's Cognito API and its users: what the
// pool sends is what Cognito receives, and its exceptions come back as
// the team's and the domain's errors.
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
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	pool, err := userpool.New(cfg, aws.String(srv.URL), poolID)
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

	other, err := userpool.New(cfg, aws.String(srv.URL), "us-east-1_Other0000")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Invite(ctx, "x@example.com", "X"); err == nil || errors.Is(err, chat.ErrInvalid) {
		t.Errorf("another pool: %v, want an internal error", err)
	}
}

// TestWire: each of the pool's calls is the SDK's request for the same
// operation.
func TestWire(t *testing.T) {
	srv := awscalltest.New(t, func(awscalltest.Recorded) awscalltest.Answer {
		return awscalltest.Answer{Status: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}}, Body: []byte(`{"User":{"Username":"u-1"}}`)}
	})
	cfg := awscalltest.Config()
	sdk := cip.NewFromConfig(cfg, func(o *cip.Options) { o.BaseEndpoint = srv.Endpoint() })
	pool, err := userpool.New(cfg, srv.Endpoint(), poolID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	id, sub := aws.String(poolID), aws.String("u-1")
	call := func(name string, sdk, ours func() error) awscalltest.Call {
		return awscalltest.Call{Name: name, SDK: sdk, Ours: ours}
	}
	calls := []awscalltest.Call{
		call("AdminCreateUser", func() error {
			_, err := sdk.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
				UserPoolId: id, Username: aws.String("noor@example.com"),
				UserAttributes: []types.AttributeType{
					{Name: aws.String("email"), Value: aws.String("noor@example.com")},
					{Name: aws.String("email_verified"), Value: aws.String("true")},
					{Name: aws.String("name"), Value: aws.String("Noor Haddad")},
				},
				DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
			})
			return err
		}, func() error {
			got, err := pool.Invite(ctx, "noor@example.com", "Noor Haddad")
			if err == nil && got != "u-1" {
				t.Errorf("Invite = %q, want the answer's u-1", got)
			}
			return err
		}),
		call("AdminDeleteUser", func() error {
			_, err := sdk.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: id, Username: sub})
			return err
		}, func() error { return pool.Remove(ctx, "u-1") }),
		call("AdminDisableUser", func() error {
			_, err := sdk.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: id, Username: sub})
			return err
		}, func() error { return pool.SetEnabled(ctx, "u-1", false) }),
		call("AdminEnableUser", func() error {
			_, err := sdk.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: id, Username: sub})
			return err
		}, func() error { return pool.SetEnabled(ctx, "u-1", true) }),
	}
	srv.Compare(t, calls, "Content-Type", "X-Amz-Target", "Host", "X-Amz-Security-Token")
}
