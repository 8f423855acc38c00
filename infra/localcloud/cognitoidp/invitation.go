package cognitoidp

import (
	"bytes"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/localcloud/oidc"
)

// Cognito's own invitation and sender: a pool without an
// EmailConfiguration sends from Cognito's address.
const (
	Sender               = "no-reply@verificationemail.com"
	defaultInviteSubject = "Your temporary password"
	defaultInviteMessage = "Your username is {username} and temporary password is {####}."
)

// invite mails the invitation to the user's email address, with the
// placeholders filled in. Cognito sends the message as HTML, as is.
func (s *Server) invite(u oidc.User, temporaryPassword string) error {
	to := u.Attributes["email"]
	body := strings.NewReplacer("{username}", u.Username, "{####}", temporaryPassword).Replace(s.opts.InviteMessage)
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", Sender)
	// validEmail admitted the address, so it carries no CR or LF.
	fmt.Fprintf(&b, "To: %s\r\n", (&mail.Address{Address: to}).String())
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", s.opts.InviteSubject))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@email.amazonses.com>\r\n", uuid.NewString())
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(body)); err != nil {
		return err
	}
	if err := qp.Close(); err != nil {
		return err
	}
	_, err := s.opts.Deliver(b.Bytes())
	return err
}
