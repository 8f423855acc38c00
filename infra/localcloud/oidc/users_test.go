package oidc

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPasswordPolicy(t *testing.T) {
	template := PasswordPolicy{MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true}
	tests := []struct {
		name     string
		policy   PasswordPolicy
		password string
		want     string // the reason, "" when accepted
	}{
		{name: "accepted", policy: template, password: "Espresso-Doppio-42"},
		{name: "no symbol needed", policy: template, password: "EspressoDoppio42"},
		{name: "too short", policy: template, password: "Espresso42", want: "Password not long enough"},
		{name: "length counts characters, not bytes", policy: template, password: "Çaffè-Dopp1", want: "Password not long enough"},
		{name: "no upper case", policy: template, password: "espresso-doppio-42", want: "Password must have uppercase characters"},
		{name: "no lower case", policy: template, password: "ESPRESSO-DOPPIO-42", want: "Password must have lowercase characters"},
		{name: "no digit", policy: template, password: "Espresso-Doppio", want: "Password must have numeric characters"},
		{name: "symbol required", policy: DefaultPasswordPolicy(), password: "Espresso42", want: "Password must have symbol characters"},
		{name: "symbol given", policy: DefaultPasswordPolicy(), password: "Espresso42^"},
		{name: "over 256", policy: template, password: "Aa1" + strings.Repeat("x", 254), want: "Password is too long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.policy.Check(tc.password)
			var pe *PasswordError
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (!errors.As(err, &pe) || pe.Reason != tc.want):
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	for _, p := range []PasswordPolicy{template, DefaultPasswordPolicy(), {MinimumLength: 40, RequireSymbols: true}} {
		for range 50 {
			if pw := p.generate(); p.Check(pw) != nil || strings.ContainsAny(pw, `<>&"' `) {
				t.Fatalf("generated %q breaks %+v or is unsafe in a mail", pw, p)
			}
		}
	}
}

// invite creates a user as the Cognito API does and returns the sub and
// the temporary password.
func (h *harness) invite(t *testing.T, email string) (string, string) {
	t.Helper()
	u, temp, err := h.issuer.CreateUser(map[string]string{"email": email, "name": "Invited"}, "")
	if err != nil {
		t.Fatal(err)
	}
	return u.Username, temp
}

var sessionField = regexp.MustCompile(`name="session" value="([^"]+)"`)

func TestNewPasswordStep(t *testing.T) {
	h := newHarness(t)
	sub, temp := h.invite(t, "lena@example.com")

	signIn := func(t *testing.T, creds url.Values) (int, string) {
		t.Helper()
		form := authParams()
		for k, v := range creds {
			form[k] = v
		}
		resp, body := h.postForm(t, h.base+"/authorize", form)
		return resp.StatusCode, string(body)
	}

	// An invited user is no demo agent: the button does not sign them in.
	if status, _ := signIn(t, url.Values{"agent": {sub}}); status != http.StatusUnauthorized {
		t.Errorf("button for an invited user: %d, want 401", status)
	}

	status, page := signIn(t, url.Values{"email": {"lena@example.com"}, "password": {temp}})
	m := sessionField.FindStringSubmatch(page)
	if status != http.StatusOK || m == nil {
		t.Fatalf("temporary password: %d, want the new-password page: %.300s", status, page)
	}
	if strings.Contains(page, temp) {
		t.Error("the new-password page carries the temporary password")
	}
	if !strings.Contains(page, "At least 8 characters, with a lower-case letter, an upper-case letter, a digit, a symbol.") {
		t.Errorf("the page does not say what the policy asks: %.500s", page)
	}

	// The sign-in session ends after three minutes, as Cognito's.
	h.issuer.skew.Store(int64(3*time.Minute + time.Second))
	status, page = signIn(t, url.Values{"session": {m[1]}, "new_password": {"Lungo-Macchiato-5"}, "confirm_password": {"Lungo-Macchiato-5"}})
	h.issuer.skew.Store(0)
	if status != http.StatusUnauthorized || !strings.Contains(page, "session has expired") {
		t.Errorf("expired session: %d %.200s, want 401 asking to sign in again", status, page)
	}
	if u, _ := h.issuer.LookupUser(sub); u.Status != StatusForceChangePassword {
		t.Errorf("status after an expired session = %s", u.Status)
	}
}

// The temporary password works for the policy's validity, then only a new
// invitation (RESEND) lets the user in.
func TestTemporaryPasswordExpires(t *testing.T) {
	h := newHarness(t)
	_, temp := h.invite(t, "mo@example.com")
	creds := func(password string) url.Values {
		form := authParams()
		form.Set("email", "mo@example.com")
		form.Set("password", password)
		return form
	}

	h.issuer.skew.Store(int64(7 * 24 * time.Hour))
	t.Cleanup(func() { h.issuer.skew.Store(0) })
	resp, body := h.postForm(t, h.base+"/authorize", creds(temp))
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "Temporary password has expired and must be reset by an administrator.") {
		t.Errorf("expired temporary password: %d %.200s", resp.StatusCode, body)
	}

	_, fresh, err := h.issuer.ResetTemporaryPassword("mo@example.com", "")
	if err != nil {
		t.Fatalf("ResetTemporaryPassword: %v", err)
	}
	if resp, body := h.postForm(t, h.base+"/authorize", creds(fresh)); resp.StatusCode != http.StatusOK || !sessionField.Match(body) {
		t.Errorf("new temporary password: %d, want the new-password page", resp.StatusCode)
	}
}

func TestUserDirectoryErrors(t *testing.T) {
	h := newHarness(t)
	if _, _, err := h.issuer.CreateUser(map[string]string{"email": "ALICE@demo.parley.local"}, ""); !errors.Is(err, ErrUserExists) {
		t.Errorf("CreateUser over a demo agent: %v, want ErrUserExists", err)
	}
	if _, _, err := h.issuer.ResetTemporaryPassword(alice.Email, ""); !errors.Is(err, ErrNotForceChange) {
		t.Errorf("ResetTemporaryPassword of a confirmed user: %v, want ErrNotForceChange", err)
	}
	for name, err := range map[string]error{
		"lookup":     func() error { _, err := h.issuer.LookupUser("nobody@example.com"); return err }(),
		"enable":     h.issuer.SetUserEnabled("nobody@example.com", true),
		"delete":     h.issuer.DeleteUser("nobody@example.com"),
		"resend":     func() error { _, _, err := h.issuer.ResetTemporaryPassword("nobody@example.com", ""); return err }(),
		"empty name": func() error { _, err := h.issuer.LookupUser(""); return err }(),
	} {
		if !errors.Is(err, ErrUserNotFound) {
			t.Errorf("%s of an unknown user: %v, want ErrUserNotFound", name, err)
		}
	}
	var pe *PasswordError
	if _, _, err := h.issuer.CreateUser(map[string]string{"email": "nia@example.com"}, "short"); !errors.As(err, &pe) {
		t.Errorf("CreateUser with a weak temporary password: %v, want a PasswordError", err)
	}
	if _, err := h.issuer.LookupUser("nia@example.com"); !errors.Is(err, ErrUserNotFound) {
		t.Error("a refused CreateUser left a user behind")
	}
}
