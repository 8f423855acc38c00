package oidc

import (
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
)

// Statuses of a user, as Cognito names them.
const (
	StatusConfirmed           = "CONFIRMED"
	StatusForceChangePassword = "FORCE_CHANGE_PASSWORD"
)

// Errors of the user directory, for the Cognito API in front of it to
// translate.
var (
	ErrUserExists   = errors.New("oidc: a user with this email address exists")
	ErrUserNotFound = errors.New("oidc: no such user")
	// ErrNotForceChange: the action needs a user who has not chosen a
	// password yet.
	ErrNotForceChange = errors.New("oidc: the user's status is not " + StatusForceChangePassword)
)

// PasswordError is a password the policy refuses; Reason is Cognito's
// wording ("Password not long enough").
type PasswordError struct{ Reason string }

func (e *PasswordError) Error() string { return "Password did not conform with policy: " + e.Reason }

// PasswordPolicy is a user pool's password policy.
type PasswordPolicy struct {
	MinimumLength                                                      int
	RequireLowercase, RequireUppercase, RequireNumbers, RequireSymbols bool
	// TemporaryPasswordValidity is how long an invited user may sign in
	// with the temporary password.
	TemporaryPasswordValidity time.Duration
}

// DefaultPasswordPolicy is Cognito's policy for a pool that sets none.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{
		MinimumLength: 8, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true,
		TemporaryPasswordValidity: 7 * 24 * time.Hour,
	}
}

// symbols are the special characters Cognito's policy counts.
const symbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// Check returns a *PasswordError when p does not satisfy the policy, with
// the first reason Cognito would give.
func (pp PasswordPolicy) Check(p string) error {
	has := func(f func(rune) bool) bool { return strings.IndexFunc(p, f) >= 0 }
	switch {
	case len([]rune(p)) < pp.MinimumLength:
		return &PasswordError{"Password not long enough"}
	case len(p) > 256:
		return &PasswordError{"Password is too long"}
	case pp.RequireUppercase && !has(unicode.IsUpper):
		return &PasswordError{"Password must have uppercase characters"}
	case pp.RequireLowercase && !has(unicode.IsLower):
		return &PasswordError{"Password must have lowercase characters"}
	case pp.RequireNumbers && !has(unicode.IsDigit):
		return &PasswordError{"Password must have numeric characters"}
	case pp.RequireSymbols && !strings.ContainsAny(p, symbols):
		return &PasswordError{"Password must have symbol characters"}
	}
	return nil
}

// generate makes a temporary password the policy accepts, of letters,
// digits and symbols no HTML or URL treats specially, so the invitation
// shows it as it is.
func (pp PasswordPolicy) generate() string {
	const (
		lower = "abcdefghijkmnopqrstuvwxyz"
		upper = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		digit = "23456789"
		safe  = "!#$%*+-=?@^_~"
	)
	n := max(pp.MinimumLength, 16)
	out := []byte{pick(lower), pick(upper), pick(digit), pick(safe)}
	for len(out) < n {
		out = append(out, pick(lower+upper+digit))
	}
	// Shuffle so the required classes are not always in front.
	for i := len(out) - 1; i > 0; i-- {
		j := randInt(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func pick(chars string) byte { return chars[randInt(len(chars))] }

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("oidc: crypto/rand failed: " + err.Error())
	}
	return int(v.Int64())
}

// User is a user of the directory as the Cognito API shows it.
type User struct {
	// Username is the sub: Cognito generates a UUID as the username of a
	// pool whose users sign in with their email address.
	Username string
	// Attributes hold sub, email, email_verified, name and any other
	// standard attribute the user was created with.
	Attributes map[string]string
	Status     string
	Enabled    bool
	Created    time.Time
	Modified   time.Time
}

// account is a user as the issuer keeps it. Attributes never change after
// creation; the rest changes under Issuer.usersMu.
type account struct {
	attrs    map[string]string // with sub
	password string
	groups   []string
	status   string
	enabled  bool
	demo     bool // offered as a button on the sign-in page
	seq      int  // creation order
	created  time.Time
	modified time.Time
	// tempExpires ends the temporary password of a FORCE_CHANGE_PASSWORD
	// user; passwordGen counts password changes, so a sign-in half done
	// with an old password cannot finish.
	tempExpires time.Time
	passwordGen int
}

func (a *account) sub() string   { return a.attrs["sub"] }
func (a *account) email() string { return a.attrs["email"] }
func (a *account) name() string  { return a.attrs["name"] }

func (a *account) user() User {
	return User{
		Username: a.sub(), Attributes: maps.Clone(a.attrs), Status: a.status, Enabled: a.enabled,
		Created: a.created, Modified: a.modified,
	}
}

// addAccount registers a under usersMu (or before the issuer serves).
func (i *Issuer) addAccount(a *account) error {
	email := strings.ToLower(a.email())
	if i.bySub[a.sub()] != nil || i.byEmail[email] != nil {
		return ErrUserExists
	}
	i.seq++
	a.seq = i.seq
	i.bySub[a.sub()], i.byEmail[email] = a, a
	return nil
}

// find resolves a username (the sub) or an email address. The caller
// holds usersMu.
func (i *Issuer) find(name string) *account {
	if a := i.bySub[name]; a != nil {
		return a
	}
	return i.byEmail[strings.ToLower(strings.TrimSpace(name))]
}

// snapshot returns a copy of the account named, or nil.
func (i *Issuer) snapshot(name string) *account {
	i.usersMu.RLock()
	defer i.usersMu.RUnlock()
	a := i.find(name)
	if a == nil {
		return nil
	}
	c := *a
	return &c
}

// CreateUser adds a user who must choose a password at first sign-in:
// status FORCE_CHANGE_PASSWORD, with temporaryPassword (checked against
// the policy) or a generated one, which it returns. attrs must hold an
// email address; the sub is generated.
func (i *Issuer) CreateUser(attrs map[string]string, temporaryPassword string) (User, string, error) {
	if attrs["email"] == "" {
		return User{}, "", errors.New("oidc: a user needs an email address")
	}
	temp, err := i.temporaryPassword(temporaryPassword)
	if err != nil {
		return User{}, "", err
	}
	now := i.now()
	a := &account{
		attrs: maps.Clone(attrs), password: temp, status: StatusForceChangePassword, enabled: true,
		created: now, modified: now, tempExpires: now.Add(i.policy.TemporaryPasswordValidity),
	}
	a.attrs["sub"] = uuid.NewString()
	i.usersMu.Lock()
	defer i.usersMu.Unlock()
	if err := i.addAccount(a); err != nil {
		return User{}, "", err
	}
	return a.user(), temp, nil
}

// ResetTemporaryPassword gives a user who has not chosen a password yet a
// new temporary password, valid for the policy's validity from now (what
// AdminCreateUser's RESEND does).
func (i *Issuer) ResetTemporaryPassword(name, temporaryPassword string) (User, string, error) {
	temp, err := i.temporaryPassword(temporaryPassword)
	if err != nil {
		return User{}, "", err
	}
	i.usersMu.Lock()
	defer i.usersMu.Unlock()
	a := i.find(name)
	switch {
	case a == nil:
		return User{}, "", ErrUserNotFound
	case a.status != StatusForceChangePassword:
		return User{}, "", ErrNotForceChange
	}
	now := i.now()
	a.password, a.tempExpires, a.modified = temp, now.Add(i.policy.TemporaryPasswordValidity), now
	a.passwordGen++
	return a.user(), temp, nil
}

func (i *Issuer) temporaryPassword(given string) (string, error) {
	if given == "" {
		return i.policy.generate(), nil
	}
	if err := i.policy.Check(given); err != nil {
		return "", err
	}
	return given, nil
}

// LookupUser finds a user by username (the sub) or email address.
func (i *Issuer) LookupUser(name string) (User, error) {
	a := i.snapshot(name)
	if a == nil {
		return User{}, ErrUserNotFound
	}
	return a.user(), nil
}

// SetUserEnabled enables or disables a user. A disabled user cannot sign
// in, refresh tokens or call userinfo; tokens issued before still verify,
// as Cognito's JWTs do at an API's authorizer until they expire.
func (i *Issuer) SetUserEnabled(name string, enabled bool) error {
	i.usersMu.Lock()
	defer i.usersMu.Unlock()
	a := i.find(name)
	if a == nil {
		return ErrUserNotFound
	}
	if a.enabled != enabled {
		a.enabled, a.modified = enabled, i.now()
	}
	return nil
}

// DeleteUser removes a user; its email address may be invited again.
func (i *Issuer) DeleteUser(name string) error {
	i.usersMu.Lock()
	defer i.usersMu.Unlock()
	a := i.find(name)
	if a == nil {
		return ErrUserNotFound
	}
	delete(i.bySub, a.sub())
	delete(i.byEmail, strings.ToLower(a.email()))
	return nil
}

// Users lists every user, oldest first.
func (i *Issuer) Users() []User {
	i.usersMu.RLock()
	defer i.usersMu.RUnlock()
	accounts := slices.Collect(maps.Values(i.bySub))
	slices.SortFunc(accounts, func(a, b *account) int { return a.seq - b.seq })
	out := make([]User, len(accounts))
	for n, a := range accounts {
		out[n] = a.user()
	}
	return out
}

// demoAgents are the seeded agents still in the directory, in seed order,
// for the sign-in page's buttons.
func (i *Issuer) demoAgents() []Agent {
	i.usersMu.RLock()
	defer i.usersMu.RUnlock()
	var accounts []*account
	for _, a := range i.bySub {
		if a.demo {
			accounts = append(accounts, a)
		}
	}
	slices.SortFunc(accounts, func(a, b *account) int { return a.seq - b.seq })
	out := make([]Agent, len(accounts))
	for n, a := range accounts {
		out[n] = Agent{Sub: a.sub(), Email: a.email(), Name: a.name(), Groups: a.groups}
	}
	return out
}

// choosePassword sets the password a FORCE_CHANGE_PASSWORD user chose at
// sign-in and confirms the user. gen is the password generation the
// sign-in started with: a RESEND since then ends that sign-in.
func (i *Issuer) choosePassword(sub string, gen int, password string) (*account, error) {
	i.usersMu.Lock()
	defer i.usersMu.Unlock()
	a := i.bySub[sub]
	if a == nil || !a.enabled || a.status != StatusForceChangePassword || a.passwordGen != gen {
		return nil, ErrNotForceChange
	}
	a.password, a.status, a.modified = password, StatusConfirmed, i.now()
	a.tempExpires = time.Time{}
	a.passwordGen++
	c := *a
	return &c, nil
}

// describe says what the policy requires, for the new-password page.
func (pp PasswordPolicy) describe() string {
	var needs []string
	for _, n := range []struct {
		on   bool
		what string
	}{
		{pp.RequireLowercase, "a lower-case letter"}, {pp.RequireUppercase, "an upper-case letter"},
		{pp.RequireNumbers, "a digit"}, {pp.RequireSymbols, "a symbol"},
	} {
		if n.on {
			needs = append(needs, n.what)
		}
	}
	s := fmt.Sprintf("At least %d characters", pp.MinimumLength)
	if len(needs) > 0 {
		s += ", with " + strings.Join(needs, ", ")
	}
	return s + "."
}
