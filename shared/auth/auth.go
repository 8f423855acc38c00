// Package auth signs and verifies visitor tokens and WebSocket tickets,
// reads agent identities from API Gateway's JWT authorizer, and checks
// request origins.
package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/plaintext"
)

// Lifetimes. An identified visitor's token (the host site's user) lives
// in the chat window's memory only and is renewed by every identify, so
// it can be short; an anonymous visitor's is the device's memory of its
// conversations.
const (
	VisitorTokenTTL    = 365 * 24 * time.Hour
	IdentifiedTokenTTL = 30 * 24 * time.Hour
	TicketTTL          = 60 * time.Second
)

const version = "v1"

// Errors of token verification; all are chat.ErrUnauthorized.
var (
	ErrMissing = fmt.Errorf("%w: token missing", chat.ErrUnauthorized)
	ErrForged  = fmt.Errorf("%w: token malformed or forged", chat.ErrUnauthorized)
	ErrExpired = fmt.Errorf("%w: token expired", chat.ErrUnauthorized)
)

// Signer issues and verifies tokens with keys derived per purpose from the
// signing secret, so a visitor token never passes as a ticket or the
// other way round.
type Signer struct {
	visitorKey []byte
	ticketKey  []byte
	fileKey    []byte
	now        func() time.Time
}

// NewSigner derives the keys from secret. now may be nil (time.Now).
func NewSigner(secret []byte, now func() time.Time) (*Signer, error) {
	if len(secret) < 16 {
		return nil, errors.New("auth: signing secret shorter than 16 bytes")
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{visitorKey: derive(secret, "visitor-token"), ticketKey: derive(secret, "ws-ticket"), fileKey: derive(secret, "file-link"), now: now}, nil
}

func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("parley/" + version + "/" + purpose))
	return m.Sum(nil)
}

type payload struct {
	Purpose string `json:"p"`
	Subject string `json:"sub"`
	Role    string `json:"role,omitempty"`
	Name    string `json:"name,omitempty"`
	Avatar  string `json:"av,omitempty"`
	Channel string `json:"ch,omitempty"`
	// External and Gen name the host site's user an identified visitor
	// token was issued to, and the generation of that user's tokens.
	External  string `json:"x,omitempty"`
	Gen       int64  `json:"gen,omitempty"`
	ID        string `json:"jti,omitempty"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
}

func sign(key []byte, p payload) string {
	body, _ := json.Marshal(p)
	head := version + "." + base64.RawURLEncoding.EncodeToString(body)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(head))
	return head + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Signer) verify(key []byte, purpose, token string) (payload, error) {
	if token == "" {
		return payload{}, ErrMissing
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != version {
		return payload{}, ErrForged
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil {
		return payload{}, ErrForged
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return payload{}, ErrForged
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	var p payload
	if err != nil || json.Unmarshal(raw, &p) != nil || p.Purpose != purpose || p.Subject == "" {
		return payload{}, ErrForged
	}
	if s.now().Unix() >= p.ExpiresAt {
		return payload{}, ErrExpired
	}
	return p, nil
}

// VisitorClaims is what a valid visitor token says. ExternalID is set on
// an identified visitor's token: it stands only while the identification
// does (identity.Service.CheckToken with Gen).
type VisitorClaims struct {
	VisitorID  string
	ChannelID  string
	ExternalID string
	Gen        int64
	ExpiresAt  time.Time
}

// VisitorToken issues a token naming a visitor of a channel.
func (s *Signer) VisitorToken(visitorID, channelID string) string {
	now := s.now()
	return sign(s.visitorKey, payload{
		Purpose: "visitor", Subject: visitorID, Channel: channelID,
		IssuedAt: now.Unix(), ExpiresAt: now.Add(VisitorTokenTTL).Unix(),
	})
}

// IdentifiedToken issues the token of a visitor the host site identified
// as its user externalID, at generation gen of the user's tokens.
func (s *Signer) IdentifiedToken(visitorID, channelID, externalID string, gen int64) string {
	now := s.now()
	return sign(s.visitorKey, payload{
		Purpose: "visitor", Subject: visitorID, Channel: channelID, External: externalID, Gen: gen,
		IssuedAt: now.Unix(), ExpiresAt: now.Add(IdentifiedTokenTTL).Unix(),
	})
}

// VerifyVisitorToken checks a visitor token in constant time.
func (s *Signer) VerifyVisitorToken(token string) (VisitorClaims, error) {
	p, err := s.verify(s.visitorKey, "visitor", token)
	if err != nil {
		return VisitorClaims{}, err
	}
	return VisitorClaims{VisitorID: p.Subject, ChannelID: p.Channel, ExternalID: p.External, Gen: p.Gen, ExpiresAt: time.Unix(p.ExpiresAt, 0)}, nil
}

// Ticket issues a single-use WebSocket ticket for p.
func (s *Signer) Ticket(p chat.Principal) (string, chat.Ticket) {
	return s.ChannelTicket(p, "")
}

// ChannelTicket issues a single-use WebSocket ticket for a visitor of a
// chat channel, so $connect can check the origin against that channel's.
func (s *Signer) ChannelTicket(p chat.Principal, channelID string) (string, chat.Ticket) {
	now := s.now()
	t := chat.Ticket{ID: uuid.NewString(), Principal: p, ExpiresAt: time.Unix(now.Add(TicketTTL).Unix(), 0),
		ChannelID: channelID, IssuedAt: time.Unix(now.Unix(), 0)}
	return sign(s.ticketKey, payload{
		Purpose: "ticket", Subject: p.ID, Role: string(p.Role), Name: p.Name, Avatar: p.AvatarURL,
		Channel: channelID, ID: t.ID, IssuedAt: now.Unix(), ExpiresAt: t.ExpiresAt.Unix(),
	}), t
}

// VerifyTicket checks a ticket's signature and expiry. Whether it was used
// before is the store's business (chat.Service.Connect).
func (s *Signer) VerifyTicket(token string) (chat.Ticket, error) {
	p, err := s.verify(s.ticketKey, "ticket", token)
	if err != nil {
		return chat.Ticket{}, err
	}
	role := chat.Role(p.Role)
	if (role != chat.RoleVisitor && role != chat.RoleAgent) || !chat.ValidID(p.ID) {
		return chat.Ticket{}, ErrForged
	}
	return chat.Ticket{
		ID:        p.ID,
		Principal: chat.Principal{Role: role, ID: p.Subject, Name: p.Name, AvatarURL: p.Avatar},
		ExpiresAt: time.Unix(p.ExpiresAt, 0),
		ChannelID: p.Channel,
		IssuedAt:  time.Unix(p.IssuedAt, 0),
	}, nil
}

// FileLink signs a link to a conversation's file (the links emails carry),
// valid for ttl.
func (s *Signer) FileLink(conversationID, attachmentID string, ttl time.Duration) string {
	now := s.now()
	return sign(s.fileKey, payload{Purpose: "file", Subject: conversationID, ID: attachmentID, IssuedAt: now.Unix(), ExpiresAt: now.Add(ttl).Unix()})
}

// VerifyFileLink checks a file link's token and returns the conversation
// and the file it names.
func (s *Signer) VerifyFileLink(token string) (conversationID, attachmentID string, err error) {
	p, err := s.verify(s.fileKey, "file", token)
	if err != nil {
		return "", "", err
	}
	if !chat.ValidID(p.Subject) || p.ID == "" {
		return "", "", ErrForged
	}
	return p.Subject, p.ID, nil
}

// Agent is the identity API Gateway's JWT authorizer vouched for.
type Agent struct {
	Principal chat.Principal
	Email     string
	// InAdminGroup: the token lists the deployment's admin group. Admin:
	// the agent is an admin (chat.IsAdmin, with the agent's profile). Both
	// are set once the request is admitted.
	InAdminGroup bool
	Admin        bool
}

// AgentFromRequest reads the agent from the authorizer's claims: sub
// identifies, name (or email, or cognito:username) names.
func AgentFromRequest(req events.APIGatewayV2HTTPRequest) (Agent, error) {
	az := req.RequestContext.Authorizer
	if az == nil || az.JWT == nil || az.JWT.Claims["sub"] == "" {
		return Agent{}, fmt.Errorf("%w: no verified identity", chat.ErrUnauthorized)
	}
	c := az.JWT.Claims
	// The name people see: the name claim, else the address. Never an id
	// (sub, cognito:username): an access token has neither claim, and its
	// agent stays unnamed until an ID token names it (chat.Service.Me).
	name := plaintext.Line(c["name"])
	if name == "" {
		name = c["email"]
	}
	return Agent{Principal: chat.Principal{Role: chat.RoleAgent, ID: c["sub"], Name: name}, Email: c["email"]}, nil
}

// Header returns a request header by case-insensitive name (payload 2.0
// lowercases them, tests and other gateways may not).
func Header(headers map[string]string, name string) string {
	if v, ok := headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Bearer returns the token of an "Authorization: Bearer" header, or "".
func Bearer(headers map[string]string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(Header(headers, "Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// Origins is an allowlist of exact origins (scheme, host and port).
type Origins map[string]bool

// ParseOrigins builds an allowlist; an entry that is not an origin is an
// error rather than silently never matching.
func ParseOrigins(list []string) (Origins, error) {
	o := Origins{}
	for _, s := range list {
		n, ok := normalize(s)
		if !ok {
			return nil, fmt.Errorf("auth: %q is not an origin (scheme://host[:port])", s)
		}
		o[n] = true
	}
	return o, nil
}

// Allows reports whether origin is on the list. The header must be the
// origin exactly as browsers serialise it (lowercase host, no default
// port, no path): anything else is not a browser's Origin and is refused.
func (o Origins) Allows(origin string) bool {
	n, ok := normalize(origin)
	return ok && n == origin && o[n]
}

// NormalizeOrigin returns origin as browsers serialise it in the Origin
// header (lowercase host, no default port, no trailing slash), or false
// when it is not an http(s) origin: a path, a query, credentials.
func NormalizeOrigin(origin string) (string, bool) { return normalize(origin) }

func normalize(origin string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(origin))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	if strings.Contains(u.Hostname(), ":") {
		host = "[" + strings.ToLower(u.Hostname()) + "]"
		if port != "" {
			host += ":" + port
		}
	}
	return u.Scheme + "://" + host, true
}
