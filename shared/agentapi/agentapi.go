// Package agentapi serves the JWT-protected agent routes of the HTTP API.
package agentapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/contact"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/plaintext"
	"github.com/parleychat/parley/shared/privacy"
	"github.com/parleychat/parley/shared/reports"
	"github.com/parleychat/parley/shared/savedreplies"
	"github.com/parleychat/parley/shared/searchindex"
	"github.com/parleychat/parley/shared/settings"
	"github.com/parleychat/parley/shared/team"
)

// Handler serves AgentApiFunction.
type Handler struct {
	svc         *chat.Service
	signer      *auth.Signer
	guard       *access.Guard
	adminGroup  string
	email       *email.Service
	attachments *attachment.Service
	contacts    *contact.Service
	mentions    *email.Mentions
	finder      *searchindex.Finder
	replies     *savedreplies.Service
	settings    *settings.Service
	team        *team.Service
	reports     *reports.Reader
	privacy     *privacy.Service
	fileLinks   privacy.Links
	routes      map[string]route
}

// Deps are what the agent routes need. Every one is required: New refuses
// to build a handler without one, so no route ever runs with a check off.
type Deps struct {
	Chat   *chat.Service
	Signer *auth.Signer
	// Access checks every request against the agent's access state
	// (disabled, signed out) and serves sign-out.
	Access *access.Guard
	// AdminGroup is the cognito:groups value of admins.
	AdminGroup  string
	Email       *email.Service
	Attachments *attachment.Service
	// Contacts serves the card of who a conversation's visitor is.
	Contacts *contact.Service
	// Mentions stores notes and emails the agents they mention.
	Mentions *email.Mentions
	// Search answers the agents' searches; Replies keeps saved replies.
	Search  *searchindex.Finder
	Replies *savedreplies.Service
	// Settings serves the admins' settings routes and the agent's inboxes.
	Settings *settings.Service
	// Team serves the admins' team routes (list, invite, role,
	// memberships, disabling).
	Team *team.Service
	// Reports reads the reports' rollups.
	Reports *reports.Reader
	// Privacy serves the admins' export and erasure of a contact;
	// FileLinks link the exported files.
	Privacy   *privacy.Service
	FileLinks privacy.Links
}

// New returns the Handler, or an error when a dependency is missing.
func New(d Deps) (*Handler, error) {
	if d.Chat == nil || d.Signer == nil || d.Access == nil || d.AdminGroup == "" || d.Email == nil || d.Attachments == nil || d.Contacts == nil || d.Mentions == nil || d.Settings == nil || d.Search == nil || d.Replies == nil || d.Team == nil || d.Reports == nil || d.Privacy == nil || d.FileLinks == nil {
		return nil, errors.New("agentapi: the agent routes need the chat service, the signer, the access guard, the admin group, the email service, the attachments, the contacts, the mentions, the settings, the search, the saved replies, the team, the reports, the data rights and the file links")
	}
	h := &Handler{svc: d.Chat, signer: d.Signer, guard: d.Access, adminGroup: d.AdminGroup, email: d.Email, attachments: d.Attachments, contacts: d.Contacts, mentions: d.Mentions, settings: d.Settings, finder: d.Search, replies: d.Replies, team: d.Team, reports: d.Reports, privacy: d.Privacy, fileLinks: d.FileLinks}
	h.routes = h.routeTable()
	return h, nil
}

// rule is what a route asks of the agent beyond a valid token and access.
type rule int

const (
	// reads: the route writes nothing in the agent's name (the ticket and
	// profile routes read or create the profile themselves).
	reads rule = iota
	// writes: what the route stores is signed with the profile's display
	// name and avatar (as socket replies are, through the ticket), not the
	// identity provider's name.
	writes
	// admins: the route is for admins only (chat.IsAdmin: settings, the
	// team); anyone else gets 403 forbidden, whatever the id it names. It
	// writes nothing in the agent's name.
	admins
)

type route struct {
	serve func(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error)
	rule  rule
}

// prefetched are the routes whose use case opens by reading the
// conversation {id} with its listeners (chat.Service.Prefetch): that read
// overlaps the access check. TestPrefetchedRoutesTakeTheirRead keeps the
// list true.
var prefetched = map[string]bool{
	"POST /agent/conversations/{id}/messages": true,
	"POST /agent/conversations/{id}/read":     true,
}

// routeTable holds every route with its rule, one line each, so a route's
// policy cannot drift from the list of routes.
func (h *Handler) routeTable() map[string]route {
	return map[string]route{
		"POST /agent/ticket":                                       {h.ticket, reads},
		"GET /agent/me":                                            {h.me, reads},
		"PUT /agent/me":                                            {h.updateMe, reads},
		"GET /agent/agents":                                        {h.agents, reads},
		"GET /agent/conversations":                                 {h.list, reads},
		"GET /agent/conversations/{id}":                            {h.conversation, reads},
		"GET /agent/conversations/{id}/messages":                   {h.messages, reads},
		"POST /agent/conversations/{id}/messages":                  {h.reply, writes},
		"POST /agent/conversations/{id}/assign":                    {h.assign, writes},
		"POST /agent/conversations/{id}/takeover":                  {h.takeOver, writes},
		"POST /agent/conversations/{id}/unassign":                  {h.unassign, writes},
		"POST /agent/conversations/{id}/close":                     {h.close, writes},
		"POST /agent/conversations/{id}/reopen":                    {h.reopen, writes},
		"POST /agent/conversations/{id}/read":                      {h.read, reads},
		"POST /agent/conversations/{id}/transcript":                {h.transcript, writes},
		"PUT /agent/conversations/{id}/contact":                    {h.setContact, writes},
		"GET /agent/conversations/{id}/contact":                    {h.contactCard, reads},
		"GET /agent/conversations/{id}/attachments":                {h.listAttachments, reads},
		"GET /agent/conversations/{id}/attachments/{attachmentId}": {h.downloadAttachment, reads},
		"POST /agent/conversations/{id}/uploads":                   {h.upload, reads},
		"GET /agent/quarantine":                                    {h.quarantine, reads},
		"POST /agent/signout":                                      {h.signOut, reads},
		"PUT /agent/agents/{id}/access":                            {h.setAccess, admins},
		"POST /agent/conversations/{id}/notes":                     {h.note, writes},
		"GET /agent/notifications":                                 {h.notifications, reads},
		"POST /agent/notifications/read":                           {h.readNotifications, reads},
		"GET /agent/me/preferences":                                {h.preferences, reads},
		"PUT /agent/me/preferences":                                {h.setPreferences, reads},
		"GET /agent/search":                                        {h.search, reads},
		"GET /agent/saved-replies":                                 {h.savedReplies, reads},
		"POST /agent/saved-replies/personal":                       {h.createReply(savedreplies.Personal), reads},
		"PUT /agent/saved-replies/personal/{id}":                   {h.updateReply(savedreplies.Personal), reads},
		"DELETE /agent/saved-replies/personal/{id}":                {h.deleteReply(savedreplies.Personal), reads},
		"POST /agent/saved-replies/shared":                         {h.createReply(savedreplies.Shared), admins},
		"PUT /agent/saved-replies/shared/{id}":                     {h.updateReply(savedreplies.Shared), admins},
		"DELETE /agent/saved-replies/shared/{id}":                  {h.deleteReply(savedreplies.Shared), admins},
		"GET /agent/team":                                          {h.listTeam, admins},
		"POST /agent/team":                                         {h.invite, admins},
		"PUT /agent/team/{id}":                                     {h.updateMember, admins},
		"PUT /agent/me/status":                                     {h.setStatus, reads},
		"GET /agent/inboxes":                                       {h.myInboxes, reads},
		"GET /agent/settings/channels":                             {h.listChannels, admins},
		"POST /agent/settings/channels":                            {h.createChannel, admins},
		"GET /agent/settings/channels/{id}":                        {h.getChannel, admins},
		"PUT /agent/settings/channels/{id}":                        {h.putChannel, admins},
		"GET /agent/settings/inboxes":                              {h.listInboxes, admins},
		"POST /agent/settings/inboxes":                             {h.createInbox, admins},
		"PUT /agent/settings/inboxes/{id}":                         {h.putInbox, admins},
		"GET /agent/reports":                                       {h.report, admins},
		"GET /agent/contacts/{id}/export":                          {h.exportContact, admins},
		"DELETE /agent/contacts/{id}":                              {h.eraseContact, admins},
	}
}

var errNoRoute = &chat.Error{Kind: chat.ErrNotFound, Message: "no such route"}

// adminsOnly is the refusal of an admins' route to anyone else: the same
// for every id, saying what the route's area is for.
func adminsOnly(routeKey string) error {
	_, path, _ := strings.Cut(routeKey, " ")
	what := "do this"
	for _, a := range []struct{ prefix, what string }{
		{"/agent/settings/", "change settings"},
		{"/agent/team", "manage the team"},
		{"/agent/agents/", "turn an agent's access on or off"},
		{"/agent/saved-replies/shared", "change the team's saved replies"},
		{"/agent/reports", "read the reports"},
		{"/agent/contacts/", "export or erase a contact"},
	} {
		if strings.HasPrefix(path, a.prefix) {
			what = a.what
			break
		}
	}
	return &chat.Error{Kind: chat.ErrForbidden, Message: "only admins can " + what}
}

// Handle authenticates the agent from the authorizer's claims, admits it
// (access state, profile and memberships in one read), decides whether it
// is an admin and routes on the route key API Gateway matched.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	a, err := auth.AgentFromRequest(req)
	if err != nil {
		return apigw.Error(ctx, err), nil
	}
	r, ok := h.routes[req.RouteKey]
	if prefetched[req.RouteKey] {
		// The conversation is read while the access check runs; a refused
		// agent's request ends the read unused.
		var stop func()
		ctx, stop = h.svc.Prefetch(ctx, req.PathParameters["id"])
		defer stop()
	}
	profile, err := h.guard.Admit(ctx, a.Principal.ID, auth.IssuedAt(req))
	if err != nil {
		return apigw.Error(ctx, err), nil
	}
	if !ok {
		return apigw.Error(ctx, errNoRoute), nil
	}
	a.InAdminGroup = auth.InGroup(req, h.adminGroup)
	a.Admin = chat.IsAdmin(a.InAdminGroup, profile)
	if r.rule == admins && !a.Admin {
		return apigw.Error(ctx, adminsOnly(req.RouteKey)), nil
	}
	// Lists show the role the admin group gives as of the agent's last
	// request: one write when it changed.
	if err := h.svc.NoteAdminGroup(ctx, profile, a.InAdminGroup); err != nil {
		slog.ErrorContext(ctx, "note admin group", "agentId", a.Principal.ID, "error", err)
	}
	a.Principal = h.svc.Member(a.Principal, profile)
	if r.rule == writes {
		a.Principal = chat.SignAs(a.Principal, profile)
	}
	status, body, err := r.serve(ctx, a, req)
	if err != nil {
		return apigw.Error(ctx, err), nil
	}
	return apigw.JSON(status, body), nil
}

// withRole sets the role the agent has on this request.
func withRole(a auth.Agent, p chat.Agent) chat.Agent {
	p.Role = chat.TeamAgent
	if a.Admin {
		p.Role = chat.TeamAdmin
	}
	return p
}

func (h *Handler) ticket(ctx context.Context, a auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	profile, err := h.svc.Profile(ctx, a.Principal, a.Email)
	if err != nil {
		return 0, nil, err
	}
	p := a.Principal
	p.Name, p.AvatarURL = profile.DisplayName, profile.AvatarURL
	t, _ := h.signer.Ticket(p)
	return http.StatusOK, map[string]any{"ticket": t, "expiresIn": int(auth.TicketTTL.Seconds())}, nil
}

func (h *Handler) me(ctx context.Context, a auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	profile, err := h.svc.Me(ctx, a.Principal, a.Email)
	if err != nil {
		return 0, nil, err
	}
	// A profile created just now learns what the admin group says.
	if err := h.svc.NoteAdminGroup(ctx, &profile, a.InAdminGroup); err != nil {
		slog.ErrorContext(ctx, "note admin group", "agentId", a.Principal.ID, "error", err)
	}
	return http.StatusOK, withRole(a, profile), nil
}

// profileRequest changes the fields it carries; a field left out (or
// null) keeps its value, and "" removes a URL.
type profileRequest struct {
	DisplayName *string `json:"displayName"`
	AvatarURL   *string `json:"avatarUrl"`
	MeetingsURL *string `json:"meetingsUrl"`
}

func (h *Handler) updateMe(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in profileRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	if in.DisplayName != nil {
		name := plaintext.Line(*in.DisplayName)
		in.DisplayName = &name
	}
	profile, err := h.svc.UpdateMe(ctx, a.Principal, a.Email, chat.ProfileUpdate(in))
	return http.StatusOK, withRole(a, profile), err
}

func (h *Handler) agents(ctx context.Context, a auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	list, err := h.svc.Agents(ctx, a.Principal)
	return http.StatusOK, map[string]any{"agents": list}, err
}

type listResponse struct {
	Conversations []chat.Summary `json:"conversations"`
	NextCursor    string         `json:"nextCursor,omitempty"`
}

func (h *Handler) list(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	q := req.QueryStringParameters
	limit, err := apigw.Limit(q)
	if err != nil {
		return 0, nil, err
	}
	p := a.Principal
	if inbox := q["inboxId"]; inbox != "" {
		p = p.Within(inbox)
	}
	convs, next, err := h.svc.List(ctx, p, chat.Status(q["status"]), chat.View(q["view"]), limit, q["cursor"])
	return http.StatusOK, listResponse{Conversations: convs, NextCursor: next}, err
}

type detailResponse struct {
	Conversation chat.Summary   `json:"conversation"`
	Messages     []chat.Message `json:"messages"`
	HasMore      bool           `json:"hasMore"`
}

func (h *Handler) conversation(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	limit, err := apigw.Limit(req.QueryStringParameters)
	if err != nil {
		return 0, nil, err
	}
	sum, msgs, more, err := h.svc.ConversationDetail(ctx, a.Principal, req.PathParameters["id"], limit)
	if err == nil {
		err = h.email.Decorate(ctx, &sum)
	}
	return http.StatusOK, detailResponse{Conversation: sum, Messages: msgs, HasMore: more}, err
}

type messagesResponse struct {
	Messages []chat.Message `json:"messages"`
	HasMore  bool           `json:"hasMore"`
}

func (h *Handler) messages(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	q := req.QueryStringParameters
	var pq chat.PageQuery
	var err error
	if pq.After, err = apigw.Int(q, "after"); err != nil {
		return 0, nil, err
	}
	if pq.Before, err = apigw.Int(q, "before"); err != nil {
		return 0, nil, err
	}
	if pq.Limit, err = apigw.Limit(q); err != nil {
		return 0, nil, err
	}
	// Without after or before, an agent opening a thread gets its newest
	// page; after=0 reads from the start, as on the widget's route.
	_, after := q["after"]
	_, before := q["before"]
	pq.Latest = !after && !before
	msgs, more, err := h.svc.Messages(ctx, a.Principal, req.PathParameters["id"], pq)
	return http.StatusOK, messagesResponse{Messages: msgs, HasMore: more}, err
}

type replyRequest struct {
	ClientID string `json:"clientId"`
	Body     string `json:"body"`
	// Channel is "chat" (the default) or "email".
	Channel string `json:"channel"`
	// Attachments are uploads the reply carries.
	Attachments []chat.Upload `json:"attachments"`
}

func (h *Handler) reply(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in replyRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	var (
		msg     chat.Message
		created bool
		err     error
	)
	send := chat.SendInput{ClientID: in.ClientID, Body: plaintext.Body(in.Body), Attachments: in.Attachments}
	switch {
	case in.Channel == "" || in.Channel == chat.ChannelChat:
		msg, created, err = h.svc.Reply(ctx, a.Principal, req.PathParameters["id"], send)
	case in.Channel == chat.ChannelEmail:
		msg, created, err = h.email.Reply(ctx, a.Principal, req.PathParameters["id"], send)
	default:
		return 0, nil, &chat.Error{Kind: chat.ErrInvalid, Message: "channel must be chat or email"}
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return status, map[string]any{"message": msg}, err
}

type assignRequest struct {
	AgentID            string  `json:"agentId"`
	ExpectedAssigneeID *string `json:"expectedAssigneeId"`
}

func conversationBody(c chat.Conversation) map[string]any {
	return map[string]any{"conversation": c.AgentSummary()}
}

func (h *Handler) assign(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in assignRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	if err := chat.CheckAgentID(in.AgentID); err != nil {
		return 0, nil, err
	}
	// A disabled agent can open nothing: the conversation would be
	// stranded with it.
	if off, err := h.guard.Disabled(ctx, in.AgentID); err != nil {
		return 0, nil, err
	} else if off {
		return 0, nil, &chat.Error{Kind: chat.ErrInvalid, Message: "that agent's access is turned off"}
	}
	c, err := h.svc.Assign(ctx, a.Principal, req.PathParameters["id"], in.AgentID, in.ExpectedAssigneeID)
	return http.StatusOK, conversationBody(c), err
}

func (h *Handler) takeOver(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in assignRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	expected := ""
	if in.ExpectedAssigneeID != nil {
		expected = *in.ExpectedAssigneeID
	}
	c, err := h.svc.TakeOver(ctx, a.Principal, req.PathParameters["id"], expected)
	return http.StatusOK, conversationBody(c), err
}

func (h *Handler) unassign(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in assignRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	c, err := h.svc.Unassign(ctx, a.Principal, req.PathParameters["id"], in.ExpectedAssigneeID)
	return http.StatusOK, conversationBody(c), err
}

func (h *Handler) close(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	c, err := h.svc.Close(ctx, a.Principal, req.PathParameters["id"])
	return http.StatusOK, conversationBody(c), err
}

func (h *Handler) reopen(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	c, err := h.svc.Reopen(ctx, a.Principal, req.PathParameters["id"])
	return http.StatusOK, conversationBody(c), err
}

type readRequest struct {
	Seq int64 `json:"seq"`
	// Subscription is the one the reading tab's resume named, if any:
	// that tab's socket is not pushed the read it made.
	Subscription string `json:"subscription"`
}

func (h *Handler) read(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in readRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	c, err := h.svc.MarkRead(ctx, a.Principal, req.PathParameters["id"], in.Seq, in.Subscription)
	return http.StatusOK, conversationBody(c), err
}
