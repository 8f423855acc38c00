// Package cognitoidp is the local cloud's Cognito Identity Provider API
// (AWS JSON 1.1, X-Amz-Target AWSCognitoIdentityProviderService.<Op>) for
// the template's user pool, backed by the users of the local OIDC issuer:
// the calls the SDK's cognitoidentityprovider client makes to invite,
// list, disable and remove agents. Invitations go to the local SES
// mailbox, as Cognito mails them.
package cognitoidp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/localcloud/oidc"
)

// TargetPrefix begins the X-Amz-Target header of every call.
const TargetPrefix = "AWSCognitoIdentityProviderService."

const (
	contentType = "application/x-amz-json-1.1"
	maxBody     = 1 << 20
)

// IsRequest reports whether r is a Cognito Identity Provider API call.
func IsRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
}

// Options configure a Server.
type Options struct {
	// PoolID is the user pool's id (template.UserPool.ID); empty when the
	// template has no pool, and every call then answers as for a pool
	// that does not exist.
	PoolID string
	// Users is the directory the pool's users live in.
	Users *oidc.Issuer
	// InviteSubject and InviteMessage are the pool's invitation email
	// ({username} and {####} in the message are filled in); empty, they
	// are Cognito's defaults.
	InviteSubject, InviteMessage string
	// Deliver hands a whole message to SES (the local mailbox).
	Deliver func(raw []byte) (string, error)
	Logger  *slog.Logger
}

// Server answers the Cognito Identity Provider API.
type Server struct {
	opts Options
	log  *slog.Logger
	ops  map[string]func(context.Context, []byte) (any, error)
}

// New returns a Server for the pool opts describes.
func New(opts Options) (*Server, error) {
	if opts.Users == nil || opts.Deliver == nil {
		return nil, errors.New("cognitoidp: a user directory and a mail delivery are required")
	}
	if opts.InviteSubject == "" {
		opts.InviteSubject = defaultInviteSubject
	}
	if opts.InviteMessage == "" {
		opts.InviteMessage = defaultInviteMessage
	}
	if !strings.Contains(opts.InviteMessage, "{username}") || !strings.Contains(opts.InviteMessage, "{####}") {
		return nil, errors.New("cognitoidp: the invitation message must contain {username} and {####}")
	}
	s := &Server{opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.ops = map[string]func(context.Context, []byte) (any, error){
		"AdminCreateUser":  decoded(s.adminCreateUser),
		"AdminGetUser":     decoded(s.adminGetUser),
		"AdminDisableUser": decoded(s.adminDisableUser),
		"AdminEnableUser":  decoded(s.adminEnableUser),
		"AdminDeleteUser":  decoded(s.adminDeleteUser),
		"ListUsers":        decoded(s.listUsers),
	}
	return s, nil
}

// operations lists the operations the Server answers.
func (s *Server) operations() []string {
	ops := make([]string, 0, len(s.ops))
	for op := range s.ops {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return ops
}

// apiError is an error as the service answers it: the exception's name
// and message, with HTTP status 400 unless said otherwise.
type apiError struct {
	status        int
	code, message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func fail(code, format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// decoded adapts an operation on a typed input to the raw request body.
func decoded[In any](op func(context.Context, In) (any, error)) func(context.Context, []byte) (any, error) {
	return func(ctx context.Context, body []byte) (any, error) {
		var in In
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&in); err != nil {
			return nil, &apiError{status: http.StatusBadRequest, code: "SerializationException", message: "the request body is not the operation's JSON input"}
		}
		return op(ctx, in)
	}
}

// ServeHTTP answers one call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-RequestId", uuid.NewString())
	if r.Method != http.MethodPost {
		writeError(w, fail("InvalidParameterException", "Cognito Identity Provider calls use POST"))
		return
	}
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	handle, ok := s.ops[op]
	if !ok {
		writeError(w, fail("UnknownOperationException", "the local user pool does not serve %s; it serves %s",
			op, strings.Join(s.operations(), ", ")))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, fail("SerializationException", "request body unreadable or too large"))
		return
	}
	out, err := handle(r.Context(), body)
	if err != nil {
		if ae := (*apiError)(nil); !errors.As(err, &ae) {
			s.log.Error("user pool call failed", "operation", op, "err", err)
		}
		writeError(w, err)
		return
	}
	buf, err := json.Marshal(out)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(buf)
}

// writeError answers as the AWS JSON protocols do: the SDK reads the
// exception's name from __type and the text from message.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, code: "InternalErrorException", message: "internal error"}
	}
	body, _ := json.Marshal(map[string]string{"__type": ae.code, "message": ae.message})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", ae.code)
	w.WriteHeader(ae.status)
	_, _ = w.Write(body)
}

// checkPool refuses a call for another pool than the one served.
func (s *Server) checkPool(id string) error {
	if id == "" {
		return fail("InvalidParameterException", "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null")
	}
	if s.opts.PoolID == "" || id != s.opts.PoolID {
		return fail("ResourceNotFoundException", "User pool %s does not exist.", id)
	}
	return nil
}
