package template

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The template's pool is derived with the local issuer's parameters too,
// which leave the pool itself out of the stack: the issuer stands in for
// it and needs its id, policy and invitation.
func TestLoadUserPoolOfRealTemplate(t *testing.T) {
	for name, params := range map[string]map[string]string{
		"with Cognito":      nil,
		"with local issuer": {"OidcIssuer": "http://127.0.0.1:3000/oidc", "OidcAudience": "parley-inbox"},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := Load(realTemplate, Options{Parameters: params})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.UserPools) != 1 {
				t.Fatalf("%d user pools, want the template's one", len(m.UserPools))
			}
			pool := *m.UserPools[0]
			msg := pool.Invitation.Message
			pool.Invitation.Message = ""
			want := UserPool{
				LogicalID:           "AgentUserPool",
				ID:                  "us-east-1_" + stableID("AgentUserPool", 9, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
				UsernameAttributes:  []string{"email"},
				AdminCreateUserOnly: true,
				Invitation:          Invitation{Subject: "Your Parley inbox account"},
				PasswordPolicy: PasswordPolicy{
					MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true,
					TemporaryPasswordValidityDays: 7,
				},
			}
			if diff := cmp.Diff(want, pool); diff != "" {
				t.Errorf("user pool (-want +got):\n%s", diff)
			}
			for _, part := range []string{"{username}", "{####}", m.Outputs["InboxUrl"]} {
				if !strings.Contains(msg, part) {
					t.Errorf("invitation %q lacks %q", msg, part)
				}
			}
		})
	}
}

func TestLoadUserPoolDefaultsAndErrors(t *testing.T) {
	pool := func(props string) string {
		return "Resources:\n  Pool:\n    Type: AWS::Cognito::UserPool\n    Properties:\n      UsernameAttributes: [email]\n" + props
	}
	m, err := Load(writeTemplate(t, pool("")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := PasswordPolicy{MinimumLength: 8, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7}
	if diff := cmp.Diff(want, m.UserPools[0].PasswordPolicy); diff != "" {
		t.Errorf("policy of a pool without Policies (-want +got):\n%s", diff)
	}
	if got := m.UserPools[0].Invitation; got != (Invitation{}) {
		t.Errorf("invitation of a pool without a template = %+v, want Cognito's default (empty)", got)
	}

	tests := []struct{ name, body, want string }{
		{"invitation without the password", pool(`      AdminCreateUserConfig:
        InviteMessageTemplate: { EmailMessage: "Welcome {username}" }
`), "user pool Pool: InviteMessageTemplate.EmailMessage must contain {username} and {####}"},
		{"password length Cognito refuses", pool(`      Policies:
        PasswordPolicy: { MinimumLength: 3 }
`), "user pool Pool: PasswordPolicy.MinimumLength 3: Cognito allows 6 to 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeTemplate(t, tt.body), Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
