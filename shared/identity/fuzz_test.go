package identity_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/bounded"
	"github.com/parleychat/parley/shared/identity"
)

// FuzzVerify: only the signature the site's backend computes verifies;
// anything else is ErrSignature and nothing panics.
func FuzzVerify(f *testing.F) {
	good := identity.Sign(secret, "user-42")
	for _, s := range []string{good, strings.ToUpper(good), good[:63], good + "0", "", strings.Repeat("0", 64), strings.Repeat("g", 64)} {
		f.Add("user-42", s)
		f.Add("user-43", s)
	}
	f.Fuzz(func(t *testing.T, externalID, signature string) {
		err := identity.Verify(secret, externalID, signature)
		if err != nil {
			if !errors.Is(err, identity.ErrSignature) {
				t.Fatalf("Verify(%q, %q) = %v, want ErrSignature", externalID, signature, err)
			}
			return
		}
		if !strings.EqualFold(signature, identity.Sign(secret, externalID)) {
			t.Fatalf("Verify accepted %q for %q, which the secret does not sign", signature, externalID)
		}
	})
}

func TestVerifyOnHostileInput(t *testing.T) {
	for _, in := range bounded.Hostile(bounded.Size) {
		bounded.Check(t, in.Describe("Verify (signature)"), func() { _ = identity.Verify(secret, "user-42", in.Text) })
		bounded.Check(t, in.Describe("CheckExternalID"), func() { _ = identity.CheckExternalID(in.Text) })
	}
}
