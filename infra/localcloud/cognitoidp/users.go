package cognitoidp

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/parleychat/parley/infra/localcloud/oidc"
)

type attribute struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// userType is Cognito's UserType, as ListUsers and AdminCreateUser answer.
type userType struct {
	Username             string      `json:"Username"`
	Attributes           []attribute `json:"Attributes"`
	UserCreateDate       float64     `json:"UserCreateDate"`
	UserLastModifiedDate float64     `json:"UserLastModifiedDate"`
	Enabled              bool        `json:"Enabled"`
	UserStatus           string      `json:"UserStatus"`
}

// epoch is a timestamp as the JSON protocols send it: seconds, with
// milliseconds as the fraction.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// attributes lists a user's attributes by name; only those named in want
// when want is not nil.
func attributes(u oidc.User, want []string) []attribute {
	names := make([]string, 0, len(u.Attributes))
	for name := range u.Attributes {
		if want == nil || slices.Contains(want, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	out := make([]attribute, len(names))
	for n, name := range names {
		out[n] = attribute{Name: name, Value: u.Attributes[name]}
	}
	return out
}

func toUserType(u oidc.User, want []string) userType {
	return userType{
		Username: u.Username, Attributes: attributes(u, want), UserCreateDate: epoch(u.Created),
		UserLastModifiedDate: epoch(u.Modified), Enabled: u.Enabled, UserStatus: u.Status,
	}
}

// standardAttributes are the attributes every Cognito user pool has.
var standardAttributes = []string{
	"address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name", "locale",
	"middle_name", "name", "nickname", "phone_number", "phone_number_verified", "picture",
	"preferred_username", "profile", "updated_at", "website", "zoneinfo",
}

// maxAttributeLength is Cognito's bound on a string attribute's value.
const maxAttributeLength = 2048

type adminCreateUserInput struct {
	UserPoolId             string
	Username               string
	UserAttributes         []attribute
	TemporaryPassword      string
	MessageAction          string
	DesiredDeliveryMediums []string
}

// adminCreateUser creates a user who signs in with their email address
// (the pool's username attribute): Cognito generates the username, a
// UUID, and mails the invitation unless MessageAction is SUPPRESS. RESEND
// sends a user who has not signed in yet a new temporary password.
func (s *Server) adminCreateUser(_ context.Context, in adminCreateUserInput) (any, error) {
	if err := s.checkPool(in.UserPoolId); err != nil {
		return nil, err
	}
	if in.Username == "" {
		return nil, fail("InvalidParameterException", "1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null")
	}
	switch in.MessageAction {
	case "", "SUPPRESS", "RESEND":
	default:
		return nil, fail("InvalidParameterException", "1 validation error detected: Value '%s' at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]", in.MessageAction)
	}
	mediums := in.DesiredDeliveryMediums
	if len(mediums) == 0 {
		mediums = []string{"SMS"} // Cognito's default
	}
	for _, m := range mediums {
		if m != "EMAIL" && m != "SMS" {
			return nil, fail("InvalidParameterException", "1 validation error detected: Value '[%s]' at 'desiredDeliveryMediums' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [SMS, EMAIL]]", strings.Join(mediums, ", "))
		}
	}
	send := in.MessageAction != "SUPPRESS"
	// The pool's users have no phone number: an invitation must go by email.
	if send && !slices.Contains(mediums, "EMAIL") {
		return nil, fail("InvalidParameterException", "the user pool's users have no phone_number, so the invitation cannot go by SMS: set DesiredDeliveryMediums to [EMAIL]")
	}

	var (
		user oidc.User
		temp string
		err  error
	)
	if in.MessageAction == "RESEND" {
		user, temp, err = s.opts.Users.ResetTemporaryPassword(in.Username, in.TemporaryPassword)
	} else {
		var attrs map[string]string
		if attrs, err = newUserAttributes(in.Username, in.UserAttributes); err != nil {
			return nil, err
		}
		user, temp, err = s.opts.Users.CreateUser(attrs, in.TemporaryPassword)
	}
	var pe *oidc.PasswordError
	switch {
	case errors.Is(err, oidc.ErrUserExists):
		return nil, fail("UsernameExistsException", "An account with the given email already exists.")
	case errors.Is(err, oidc.ErrUserNotFound):
		return nil, fail("UserNotFoundException", "User does not exist.")
	case errors.Is(err, oidc.ErrNotForceChange):
		return nil, fail("UnsupportedUserStateException", "Resend not possible. %s status is not FORCE_CHANGE_PASSWORD", in.Username)
	case errors.As(err, &pe):
		return nil, fail("InvalidPasswordException", "%s", pe.Error())
	case err != nil:
		return nil, err
	}
	s.log.Info("user pool user created", "username", user.Username, "resend", in.MessageAction == "RESEND", "invited", send)
	if send {
		if err := s.invite(user, temp); err != nil {
			s.log.Error("invitation not delivered", "username", user.Username, "err", err)
			return nil, fail("CodeDeliveryFailureException", "the invitation could not be delivered")
		}
	}
	return map[string]any{"User": toUserType(user, nil)}, nil
}

// newUserAttributes checks a new user's attributes as the pool does: the
// username is the email address, the other attributes are standard ones.
func newUserAttributes(username string, given []attribute) (map[string]string, error) {
	if !validEmail(username) {
		return nil, fail("InvalidParameterException", "Username should be an email.")
	}
	attrs := map[string]string{}
	for _, a := range given {
		switch {
		case a.Name == "sub":
			return nil, fail("InvalidParameterException", "Attributes did not conform to the schema: sub: Attribute cannot be updated. (changing an immutable attribute)")
		case !slices.Contains(standardAttributes, a.Name):
			return nil, fail("InvalidParameterException", "Attributes did not conform to the schema: %s: Attribute does not exist in the schema.", a.Name)
		case len(a.Value) > maxAttributeLength:
			return nil, fail("InvalidParameterException", "Attributes did not conform to the schema: %s: String must be no longer than %d characters", a.Name, maxAttributeLength)
		case a.Name == "email" && !validEmail(a.Value):
			return nil, fail("InvalidParameterException", "Invalid email address format.")
		case a.Name == "email" && !strings.EqualFold(a.Value, username):
			return nil, fail("InvalidParameterException", "the email attribute must be the Username: the pool's users sign in with their email address")
		case (a.Name == "email_verified" || a.Name == "phone_number_verified") && a.Value != "true" && a.Value != "false":
			return nil, fail("InvalidParameterException", "Attributes did not conform to the schema: %s: must be true or false", a.Name)
		}
		attrs[a.Name] = a.Value
	}
	attrs["email"] = username
	return attrs, nil
}

// validEmail accepts a bare address (no display name, no comments) with a
// dot in its domain, as Cognito's format check does for real addresses.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(strings.Trim(domain, "."), ".")
}

type userInput struct {
	UserPoolId string
	Username   string
}

// user resolves the user a call names, by username or email address.
func (s *Server) user(in userInput) (oidc.User, error) {
	if err := s.checkPool(in.UserPoolId); err != nil {
		return oidc.User{}, err
	}
	u, err := s.opts.Users.LookupUser(in.Username)
	if errors.Is(err, oidc.ErrUserNotFound) {
		return oidc.User{}, fail("UserNotFoundException", "User does not exist.")
	}
	return u, err
}

func (s *Server) adminGetUser(_ context.Context, in userInput) (any, error) {
	u, err := s.user(in)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"Username": u.Username, "UserAttributes": attributes(u, nil), "UserCreateDate": epoch(u.Created),
		"UserLastModifiedDate": epoch(u.Modified), "Enabled": u.Enabled, "UserStatus": u.Status,
	}, nil
}

func (s *Server) adminDisableUser(_ context.Context, in userInput) (any, error) {
	return s.setEnabled(in, false)
}

func (s *Server) adminEnableUser(_ context.Context, in userInput) (any, error) {
	return s.setEnabled(in, true)
}

func (s *Server) setEnabled(in userInput, enabled bool) (any, error) {
	u, err := s.user(in)
	if err != nil {
		return nil, err
	}
	if err := s.opts.Users.SetUserEnabled(u.Username, enabled); err != nil {
		return nil, s.notFound(err)
	}
	s.log.Info("user pool user access changed", "username", u.Username, "enabled", enabled)
	return struct{}{}, nil
}

func (s *Server) adminDeleteUser(_ context.Context, in userInput) (any, error) {
	u, err := s.user(in)
	if err != nil {
		return nil, err
	}
	if err := s.opts.Users.DeleteUser(u.Username); err != nil {
		return nil, s.notFound(err)
	}
	s.log.Info("user pool user deleted", "username", u.Username)
	return struct{}{}, nil
}

// notFound translates a user removed between lookup and change.
func (s *Server) notFound(err error) error {
	if errors.Is(err, oidc.ErrUserNotFound) {
		return fail("UserNotFoundException", "User does not exist.")
	}
	return err
}
