// The shapes that cross the wire between the Go functions and the web apps:
// HTTP answers and WebSocket frames. The Go code is their source: a Go test
// (TestWireSamples in infra/e2e) records a JSON sample of the answer of
// every route and of every frame from the real functions into
// web/test/wire-samples.json, and web/test/check-wire.mjs checks that these
// types accept each one (no member missing, none extra, every type right)
// and that every member declared here shows up in some sample. A change on
// one side that the other does not follow fails `make test`; see "Wire
// types" in docs/architecture.md for how to add a member, a route or a
// frame.

/** Role: "bot" authors what a channel's chatflow says (docs/chatflows.md). */
export type Role = "visitor" | "agent" | "system" | "bot";
export type Status = "open" | "closed";
/** MessageKind: "note" is an agents' internal note, never sent to a visitor. */
export type MessageKind = "text" | "event" | "note";
/** Channel is how a message travelled: live chat or email. */
export type Channel = "chat" | "email";
/** EventType: "handed_over" is the bot giving the conversation to the inbox's routing. */
export type EventType = "assigned" | "taken_over" | "unassigned" | "closed" | "reopened" | "transcript_sent" | "warning" | "rated" | "handed_over";

/** Rating is a visitor's answer to the satisfaction survey: score 1 to 5, an optional comment. */
export interface Rating {
  score: number;
  comment?: string;
}

export interface Author {
  type: Role;
  /** id is absent from what visitors receive when an agent wrote: an agent's internal id reaches no visitor. */
  id?: string;
  name?: string;
  avatarUrl?: string;
}

/** ConversationEvent is what a message of kind "event" records. */
export interface ConversationEvent {
  type: EventType;
  agentId?: string;
  agentName?: string;
  email?: string;
  subject?: string;
  reason?: string;
  /** survey: this close asked the visitor for a rating (the channel's csat setting was on). */
  survey?: boolean;
  /** rating: the visitor's answer (type "rated"); a later one replaces it. */
  rating?: Rating;
}

/** Message is one entry of a conversation's seq stream. */
export interface Message {
  conversationId: string;
  seq: number;
  kind: MessageKind;
  clientId?: string;
  author: Author;
  body?: string;
  event?: ConversationEvent;
  createdAt: string;
  channel?: Channel;
  mailId?: string;
  /** mentions are the agents a note names, as the server read them from its text. */
  mentions?: Mention[];
  /** attachments are the files the message carries. */
  attachments?: Attachment[];
  /** extraction "full" (agents only): an emailed reply that could not be separated from its quote, stored whole. */
  extraction?: "full";
  /** ask is set on a bot's question: how the visitor may answer it. */
  ask?: Ask;
}

/** Ask is how a bot's question is answered: buttons (quick replies), free text or an email address; freeText tells whether typing is taken. */
export interface Ask {
  type: "buttons" | "text" | "email";
  buttons?: string[];
  freeText: boolean;
}

/** BotSummary is the bot's part in a conversation, for agents: running while it waits for the visitor; outcome once it stopped. */
export interface BotSummary {
  flowId: string;
  version: number;
  name: string;
  running: boolean;
  outcome?: "handed_over" | "ended" | "taken_over";
  /** answers are what the bot collected, each by the name its step saves under, in the order the visitor gave them. */
  answers?: BotAnswer[];
}

/** BotAnswer is one answer a chatflow's bot collected. */
export interface BotAnswer {
  name: string;
  value: string;
}

/** Mention is an agent a note names. */
export interface Mention {
  id: string;
  name: string;
}

/** Summary is a conversation as agents see it in the list. */
export interface Summary {
  id: string;
  channelId: string;
  inboxId: string;
  visitorId: string;
  status: Status;
  assigneeId?: string;
  assigneeName?: string;
  assigneeAvatarUrl?: string;
  lastSeq: number;
  agentReadSeq: number;
  /**
   * visitorReadSeq is how far the visitor has read, where known: the
   * visitor's read pushed to an open thread (the resume answer has it
   * too). List rows, the thread's read and other pushes leave it out (or
   * carry a lower one), so the inbox keeps the higher.
   */
  visitorReadSeq?: number;
  preview: string;
  createdAt: string;
  lastActivityAt: string;
  visitorOnline: boolean;
  /** presenceTurn orders visitorOnline between two states of the same lastSeq (pushes come in any order). */
  presenceTurn?: number;
  contactEmail?: string;
  /** contactName is the contact's name, where one is known. */
  contactName?: string;
  /** contactVerified is false while a typed address awaits its owner's confirmation. */
  contactVerified?: boolean;
  suggestedChannel?: Channel;
  emailBlocked?: string;
  /** visitorName is the contact's name, or its address, when known. */
  visitorName?: string;
  /** rating is the visitor's answer to the satisfaction survey, once given. */
  rating?: Rating;
  /** bot is set when a chatflow's bot took part. */
  bot?: BotSummary;
}

/** Badge is the assigned agent as the visitor sees them. */
export interface Badge {
  name: string;
  avatarUrl?: string;
}

/** VisitorConversation is a conversation as its visitor sees it. */
export interface VisitorConversation {
  id: string;
  status: Status;
  assignee?: Badge;
  /** bot is the bot's name and picture while it holds the conversation (no assignee). */
  bot?: Badge;
  lastSeq: number;
  agentReadSeq: number;
  /** visitorReadSeq is the visitor's read marker as the session reads it; a pushed conversation may carry a lower one. */
  visitorReadSeq: number;
  preview: string;
  createdAt: string;
  lastActivityAt: string;
}

/** Page is a page the visitor was on, and since when. */
export interface Page {
  url: string;
  title?: string;
  at: string;
}

/**
 * Visit is where a conversation's visitor is: the page the chat started
 * on with its referrer, the newest pages since (oldest first), and what
 * the browser and the platform said ("" when they said nothing).
 */
export interface Visit {
  startedAt: string;
  url: string;
  title?: string;
  referrer?: string;
  language?: string;
  browser: string;
  os: string;
  /** country is an ISO 3166 code from the CloudFront viewer headers, "" when no request carried one. */
  country: string;
  pages: Page[];
}

/** PastConversation is another conversation of the same visitor. */
export interface PastConversation {
  id: string;
  status: Status;
  firstLine: string;
  createdAt: string;
  lastActivityAt: string;
}

/** Attributes are what the site set with Parley.setAttributes: unverified. */
export type Attributes = Record<string, string | number | boolean>;

/** ContactCard is who a conversation's visitor is, for the sidebar. */
export interface ContactCard {
  visitorId: string;
  name?: string;
  email?: string;
  emailVerified: boolean;
  /** externalId is the site's user id of a visitor the site identified. */
  externalId?: string;
  attributes: Attributes;
  visit?: Visit;
  conversations: PastConversation[];
  /** botAnswers are what the chatflow's bot collected in this conversation, in the order the visitor gave them. */
  botAnswers?: BotAnswer[];
}
/** TeamRole is what an agent may do: admins manage settings and the team. */
export type TeamRole = "admin" | "agent";

/** AgentStatus is available or away. */
export type AgentStatus = "available" | "away";

/**
 * Agent is an agent's profile: status is what the agent chose, presence
 * what it is in effect (away too after 10 minutes without an inbox socket).
 */
export interface Agent {
  id: string;
  displayName: string;
  email?: string;
  avatarUrl?: string;
  meetingsUrl?: string;
  inboxes: string[];
  role: TeamRole;
  status: AgentStatus;
  presence: AgentStatus;
}

// ---------------------------------------------------------------- frames

export interface MessageFrame<C = unknown> {
  type: "message";
  conversationId: string;
  message: Message;
  /** conversation is the conversation as it is after the message. */
  conversation: C;
}
export interface MessagesFrame {
  type: "messages";
  conversationId: string;
  messages: Message[];
  hasMore: boolean;
  /** visitorReadSeq is how far the visitor has read, in an agent's resume answer; left out when nothing. */
  visitorReadSeq?: number;
}
export interface ConversationFrame<C = unknown> {
  type: "conversation";
  conversation: C;
}
export interface TypingFrame {
  type: "typing";
  conversationId: string;
  author: Author;
  on: boolean;
  /** seq is the last seq the typist held when it sent the indicator: an "on" older than a message of its author that is already here is stale (pushes come in any order). Frames of functions older than it have none. */
  seq?: number;
  /** note: an agent is writing a note (only agents hear these). */
  note?: boolean;
}
/** NotificationFrame brings an agent a new entry of its notifications. */
export interface NotificationFrame {
  type: "notification";
  notification: Notification;
}
/** ViewersFrame lists the agents who have a conversation open, each once. */
export interface ViewersFrame {
  type: "viewers";
  conversationId: string;
  viewers: Viewer[];
  /** at is when the list was read: of two lists of a conversation, the later read is the one to show (pushes come in any order). */
  at: string;
}
export interface ErrorFrame {
  type: "error";
  code: string;
  message: string;
  clientId?: string;
  /** retryAfter (seconds) is set on rate_limited errors. */
  retryAfter?: number;
  /** retryable: the failure was the system's; the same frame may be sent again. */
  retryable?: boolean;
}
export interface PongFrame {
  type: "pong";
}

/** VisitFrame: the visitor of a conversation the agent has open moved to another page (agents only). */
export interface VisitFrame {
  type: "visit";
  conversationId: string;
  visit: Visit;
}

/**
 * ClosingFrame comes just before the server closes an agent's socket
 * (signed out everywhere, or disabled by an admin). API Gateway closes with
 * code 1000 and no reason, so the close code (4001 signed out, 4003
 * disabled) and the reason travel here: the inbox closes with them and says why.
 */
export interface ClosingFrame {
  type: "closing";
  closeCode: number;
  reason: "signed_out" | "disabled";
}

/** AgentProfileFrame tells an agent's sockets that its status changed. */
export interface AgentProfileFrame {
  type: "agent";
  agent: Agent;
}

/** AgentFrame is every frame an agent's socket receives. */
export type AgentFrame =
  | MessageFrame<Summary>
  | MessagesFrame
  | ConversationFrame<Summary>
  | TypingFrame
  | NotificationFrame
  | ViewersFrame
  | ErrorFrame
  | PongFrame
  | ClosingFrame
  | AgentProfileFrame
  | VisitFrame;

/** VisitorFrame is every frame a visitor's socket receives. */
export type VisitorFrame =
  | MessageFrame<VisitorConversation>
  | MessagesFrame
  | ConversationFrame<VisitorConversation>
  | TypingFrame
  | ErrorFrame
  | PongFrame;

/** APIErrorBody is the one error shape of every HTTP route. */
export interface APIErrorBody {
  error: { code: string; message: string; assigneeId?: string; retryAfter?: number; fields?: FieldError[] };
}

/** FieldError names a field of a refused request body by its JSON path (look.color). */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * GatewayErrorBody is how API Gateway itself refuses a request before any
 * function runs: a JWT authorizer's 401, throttling's 429, a crashed
 * function's 502.
 */
export interface GatewayErrorBody {
  message: string;
}

// ---------------------------------------------------------------- answers

export type WidgetPosition = "right" | "left";
export type WidgetLanguage = "en" | "de" | "it" | "fr" | "pl";
export type ReplyTime = "minutes" | "hours" | "day";

/** Away is what the widget does while nobody is available. */
export interface Away {
  mode: "message" | "hide";
  message: string;
}

/**
 * WidgetConfig is a chat channel's public config: its look, and whether
 * its team is available now. nextChange is when available flips next by
 * the schedule (business hours).
 */
export interface WidgetConfig {
  channelId: string;
  teamName: string;
  color: string;
  teamAvatarUrl?: string;
  launcherText: string;
  position: WidgetPosition;
  greeting: string;
  poweredBy: boolean;
  language: WidgetLanguage;
  typicalReplyTime: ReplyTime;
  available: boolean;
  away: Away;
  nextChange?: string;
  /**
   * targeting: which pages get which of flows (the chatflows it names), or no widget; the loader
   * matches it on the page and hands the chat window this config with flow set to the page's flow.
   * flow as the server sends it is the one of pages no rule matches. All three are absent when every
   * page gets live chat with the greeting (docs/chatflows.md, "Targeting").
   */
  targeting?: Targeting;
  flows?: Record<string, WidgetFlow>;
  flow?: WidgetFlow;
}

/** Targeting: the rules are tried in order, the first whose pattern matches the page decides; otherPages is what a page no rule matches gets. */
export interface Targeting {
  rules: TargetRule[];
  otherPages: PageShows;
}

/** PageShows is what a page gets: no widget (hide), the chatflow flow, or with neither live chat with the greeting. */
export interface PageShows {
  hide?: boolean;
  flow?: string;
}

/** TargetRule: the pages its pattern (host/path, * for any characters; typed without one, saved with "*" there) matches get what it shows. */
export interface TargetRule extends PageShows {
  pages: string;
}

/**
 * WidgetFlow: the welcome message shown on open, and for a bot its name and
 * picture and its opening: what it says after the welcome up to its first
 * question (the question last, answered as ask says; no ask when the
 * opening stops before a handover or an end). The chat window shows them
 * on open; the conversation starts with the visitor's first answer.
 */
export interface WidgetFlow {
  id: string;
  kind: FlowKind;
  welcome?: string;
  bot?: Persona;
  opening?: string[];
  ask?: Ask;
}

export type FlowKind = "live" | "bot";
export type StepType = "message" | "buttons" | "text" | "email" | "branch" | "handover" | "end";

/** Persona is how a bot appears to visitors. */
export interface Persona {
  name: string;
  avatarUrl?: string;
}

/** Chatflow is one chatflow of a channel (docs/chatflows.md); version is the server's. */
export interface Chatflow {
  id: string;
  name: string;
  version: number;
  kind: FlowKind;
  welcome: string;
  bot: Persona;
  sessionMinutes: number;
  steps: FlowStep[];
}

/** FlowStep is one step of a bot; which members it uses depends on its type. */
export interface FlowStep {
  id: string;
  type: StepType;
  text?: string;
  buttons?: { label: string; next: string }[];
  freeText?: boolean;
  save?: string;
  on?: string;
  cases?: { equals: string; next: string }[];
  next?: string;
  away?: string;
}

/** VisitorSession is a visitor's token and its conversations. */
export interface VisitorSession {
  visitorId: string;
  visitorToken: string;
  conversations: VisitorConversation[];
  /** ticket opens the socket that follows the session, as a Ticket's (POST /widget/session only). */
  ticket?: string;
}

/** Ticket opens one WebSocket, once, within expiresIn seconds. */
export interface Ticket {
  ticket: string;
  expiresIn: number;
}

/** MessagePage is a page of a conversation's messages, ascending by seq. */
export interface MessagePage {
  messages: Message[];
  hasMore: boolean;
}

/** VisitorContact is the address a visitor left; verified once its owner confirmed it. */
export interface VisitorContact {
  email: string;
  name: string;
  verified: boolean;
}

/** Contact is the address an agent set for a conversation's visitor. */
export interface Contact {
  email: string;
  name: string;
}

/** ConversationPage is a page of the inbox list; nextCursor asks for the next one. */
export interface ConversationPage {
  conversations: Summary[];
  nextCursor?: string;
}

/** Thread is a conversation with its latest messages. */
export interface Thread {
  conversation: Summary;
  messages: Message[];
  hasMore: boolean;
}

/** MessageAnswer is a stored message: a reply, a transcript's event. */
export interface MessageAnswer {
  message: Message;
}

/** ConversationAnswer is the conversation after an action on it. */
export interface ConversationAnswer {
  conversation: Summary;
}

/** Interval is an opening interval of a local day, "HH:MM" to "HH:MM" ("24:00" ends the day). */
export interface Interval {
  start: string;
  end: string;
}

/** Holiday closes date (through endDate), or opens it during hours only. */
export interface Holiday {
  date: string;
  endDate?: string;
  name?: string;
  hours?: Interval[];
}

/** Availability is a channel's availability (docs/availability.md). */
export interface Availability {
  mode: "always" | "hours" | "team";
  timeZone?: string;
  week?: { mon?: Interval[]; tue?: Interval[]; wed?: Interval[]; thu?: Interval[]; fri?: Interval[]; sat?: Interval[]; sun?: Interval[] };
  holidays?: Holiday[];
}

/** ChatChannel is a chat channel's settings, as admins edit them. */
export interface ChatChannel {
  id: string;
  inboxId: string;
  name: string;
  allowedOrigins: string[];
  look: {
    color: string;
    launcherText: string;
    position: WidgetPosition;
    teamName: string;
    teamAvatarUrl?: string;
    greeting: string;
    poweredBy: boolean;
    language: WidgetLanguage;
  };
  availability: Availability;
  away: Away;
  typicalReplyTime: ReplyTime;
  email: { transcriptOnClose: boolean; senderName: string; senderAddress: string };
  inactivity: { timeoutMinutes: number; warningMinutes: number; warningText: string };
  /** files: 0 keeps the deployment's limit. */
  files: { maxMegabytes: number; perMessage: number };
  /** retention: closed conversations are deleted closedDays after they closed; 0 keeps them forever. */
  retention: { closedDays: number };
  /** csat: a close asks the visitor to rate the conversation (widget and transcript email); off by default. */
  csat: boolean;
  /** chatflows: what the widget does on open, on the pages targeting gives them; none is live chat with the greeting. */
  chatflows: Chatflow[];
  targeting: Targeting;
}

/** Inbox is an inbox's settings: its members, its channels, its routing. */
export interface Inbox {
  id: string;
  name: string;
  memberIds: string[];
  channelIds: string[];
  routing: { mode: "manual" | "round_robin"; capacity: number };
}

/** InboxRef names one of the caller's inboxes. */
export interface InboxRef {
  id: string;
  name: string;
}

/** Quarantined is an inbound mail kept aside for agents. */
export interface Quarantined {
  id: string;
  inboxId: string;
  from: string;
  subject?: string;
  reason: string;
  conversationId?: string;
  rawKey: string;
  preview?: string;
  receivedAt: string;
}

/** Attachment is a file of a conversation: sent in the chat or received by email. */
export interface Attachment {
  id: string;
  filename: string;
  size: number;
  /** contentType is what the file's extension stands for. */
  contentType: string;
  /** inline is true for the raster images a browser may show in place. */
  inline: boolean;
}

/**
 * UploadSlot is a presigned upload of one file: the browser posts fields
 * (any order) then the file as multipart/form-data to url, and the message
 * that carries the file names key, size and contentType (an UploadRef).
 */
export interface UploadSlot {
  key: string;
  url: string;
  fields: Record<string, string>;
  contentType: string;
  expiresIn: number;
  /** maxBytes and maxFiles are the channel's limits on files. */
  maxBytes: number;
  maxFiles: number;
}

/** UploadRef names an uploaded file in the message that carries it. */
export interface UploadRef {
  key: string;
  size: number;
  contentType: string;
}

/** Download is a short-lived URL of an attachment on the files origin. */
export interface Download {
  url: string;
  expiresIn: number;
  filename: string;
  inline: boolean;
}

/** Notification is an entry of an agent's notifications: a note that mentions it. */
export interface Notification {
  /** id is opaque; it sorts by time. */
  id: string;
  type: "mention";
  conversationId: string;
  inboxId: string;
  seq: number;
  author: Author;
  preview: string;
  createdAt: string;
  read: boolean;
}

/** NotificationPage is a page of an agent's notifications, newest first; unread counts up to 99. */
export interface NotificationPage {
  notifications: Notification[];
  unread: number;
  nextCursor?: string;
}

/** Viewer is an agent who has a conversation open. */
export interface Viewer {
  id: string;
  name: string;
  avatarUrl?: string;
}

/** Preferences are an agent's notification preferences. */
export interface Preferences {
  sound: boolean;
  desktop: {
    newConversations: boolean;
    assigned: boolean;
    mentions: boolean;
    messages: boolean;
  };
}

/** AgentAccess is whether an agent may use the inbox. */
export interface AgentAccess {
  agentId: string;
  disabled: boolean;
}

/** Highlight marks a part of a snippet, from start up to end, in UTF-16 code units (JavaScript string indices). */
export interface Highlight {
  start: number;
  end: number;
}

/** Snippet is the text a search matched; the inbox renders every piece of it as text. */
export interface Snippet {
  text: string;
  highlights?: Highlight[];
}

/** SearchMatch says what a search result matched: the contact's name or address, a message, a note. */
export type SearchMatch = "contact" | "message" | "note";

/** SearchResult is a conversation a search found, at its newest match. */
export interface SearchResult {
  conversation: Summary;
  match: SearchMatch;
  /** seq is the matching message; absent for the contact. */
  seq?: number;
  at: string;
  snippet: Snippet;
}

/** SearchPage is a page of results, newest first; nextCursor asks for older ones. */
export interface SearchPage {
  results: SearchResult[];
  nextCursor?: string;
}

export type ReplyScope = "shared" | "personal";

/** SavedReply is a text agents insert into the reply editor; its placeholders are filled on insert. */
export interface SavedReply {
  id: string;
  scope: ReplyScope;
  title: string;
  body: string;
  category?: string;
  updatedAt: string;
}

/** SavedReplies are the team's shared replies and the agent's own. */
export interface SavedReplies {
  replies: SavedReply[];
  canEditShared: boolean;
}

/**
 * ReportTiming summarises one time metric over days, in seconds (docs/reports.md).
 * medianSeconds and p90Seconds are the upper bounds of the histogram buckets
 * the quantiles fall in; all three are absent when count is 0.
 */
export interface ReportTiming {
  count: number;
  averageSeconds?: number;
  medianSeconds?: number;
  p90Seconds?: number;
}

/** ReportTimes are the time metrics of one clock. */
export interface ReportTimes {
  firstResponse: ReportTiming;
  /** firstResponseFromAssignment: from the assignment when it came after the question; replies nobody was assigned are not measured. */
  firstResponseFromAssignment: ReportTiming;
  replyTime: ReportTiming;
  timeToClose: ReportTiming;
}

/** ReportSummary is what a range or a day of an inbox, an agent or the account adds up to. */
export interface ReportSummary extends ReportTimes {
  /** new: a conversation a chatflow's bot started counts as a chat. */
  new: { chat: number; email: number };
  /** closed.bot: ended by the bot (an end step before any handover). */
  closed: { agent: number; inactivity: number; bot: number };
  /** missed: closed (or closed after a reopening) without an agent's reply; a conversation no person took part in is not missed. */
  missed: number;
  reopened: number;
  bot: ReportBot;
  /** businessHours: the same times counting only the channels' opening hours (equal to them for a channel without hours). */
  businessHours: ReportTimes;
  csat: ReportCSAT;
}

/**
 * ReportBot is what the chatflows' bot did with the conversations it started
 * (per inbox): handed to the team, ended itself (resolved), or left by its
 * visitor (abandoned: closed for inactivity before a handover or a person's
 * hand). The rest were taken over by an agent or are still open.
 */
export interface ReportBot {
  started: number;
  handedOver: number;
  resolved: number;
  abandoned: number;
}

/**
 * ReportCSAT is the satisfaction survey over days (docs/reports.md): conversations
 * whose close asked, those rated, the rate (absent when none was asked), the average
 * score (absent without responses) and the responses per score 1 to 5.
 */
export interface ReportCSAT {
  asked: number;
  responses: number;
  responseRate?: number;
  average?: number;
  distribution: number[];
}

/** Report is GET /agent/reports: a date range's total and its days with numbers. */
export interface Report {
  /** account: every inbox added up (id empty). */
  dimension: "inbox" | "agent" | "account";
  id: string;
  /** from and to: YYYY-MM-DD, days in the account's time zone. */
  from: string;
  to: string;
  total: ReportSummary;
  days: (ReportSummary & { date: string })[];
}

/** TeamMember is an agent as admins manage it (the Team page). */
export interface TeamMember {
  id: string;
  displayName: string;
  email: string;
  avatarUrl?: string;
  role: TeamRole;
  /** roleFromGroup: admin through the identity provider's admin group; the product cannot revoke it. */
  roleFromGroup: boolean;
  inboxIds: string[];
  disabled: boolean;
  /** invited: invited and never signed in yet. */
  invited: boolean;
  status: AgentStatus;
  presence: AgentStatus;
}

/** ExportedFile is an attachment with a signed link to the chat window's file page. */
export interface ExportedFile extends Attachment {
  url: string;
}

/** ExportedMessage is a stored message (notes included) with links to its files. */
export interface ExportedMessage extends Omit<Message, "attachments"> {
  attachments?: ExportedFile[];
}

/** ContactAddress is an email address of a contact and what is known of it. */
export interface ContactAddress {
  email: string;
  verified: boolean;
  /** status: "deliverable", or "bounce" / "complaint" since statusAt. */
  status: "deliverable" | "bounce" | "complaint";
  reason?: string;
  statusAt?: string;
}

/** ContactExport is everything about a contact (GET /agent/contacts/{id}/export, admins). */
export interface ContactExport {
  exportedAt: string;
  contact: {
    visitorId: string;
    channelId?: string;
    /** createdAt is absent for a contact who only ever wrote by email. */
    createdAt?: string;
    externalId?: string;
    name?: string;
    email?: string;
    pageUrl?: string;
    /** attributes: what the host site set (setAttributes). */
    attributes: Attributes;
  };
  addresses: ContactAddress[];
  conversations: {
    id: string;
    channelId: string;
    inboxId: string;
    status: Status;
    assigneeName?: string;
    createdAt: string;
    lastActivityAt: string;
    /** visit: where the chat started and the pages since; absent for a conversation begun by email. */
    visit?: Visit;
    messages: ExportedMessage[];
  }[];
  /** quarantinedMail: mail from the contact's address, or for one of its conversations, kept aside. */
  quarantinedMail: {
    inboxId: string;
    from: string;
    subject?: string;
    preview?: string;
    reason: string;
    conversationId?: string;
    receivedAt: string;
  }[];
}

/** ContactErasure counts what erasing a contact removed (DELETE /agent/contacts/{id}, admins). */
export interface ContactErasure {
  visitorId: string;
  conversations: number;
  items: number;
  objects: number;
}

/**
 * Answers maps every JSON route of the HTTP API (template.yaml) to the body
 * of its success answer. (GET and POST /widget/contact/confirm and
 * /widget/rating answer with an HTML page.)
 */
export interface Answers {
  "GET /widget/config": WidgetConfig;
  "POST /widget/session": VisitorSession;
  "POST /widget/identify": VisitorSession;
  "POST /widget/identify/revoke": { revoked: true; closedSockets: number };
  "PUT /widget/attributes": { attributes: Attributes };
  "POST /widget/ticket": Ticket;
  "GET /widget/conversations/{id}/messages": MessagePage;
  "PUT /widget/contact": { contact: VisitorContact };
  "POST /widget/uploads": UploadSlot;
  "POST /widget/conversations/{id}/attachments/{attachmentId}": Download;
  "POST /widget/downloads": Download;
  "PUT /widget/conversations/{id}/rating": { rating: Rating };
  "POST /agent/ticket": Ticket;
  "GET /agent/me": Agent;
  "PUT /agent/me": Agent;
  "GET /agent/agents": { agents: Agent[] };
  "GET /agent/conversations": ConversationPage;
  "GET /agent/conversations/{id}": Thread;
  "GET /agent/conversations/{id}/messages": MessagePage;
  "POST /agent/conversations/{id}/messages": MessageAnswer;
  "POST /agent/conversations/{id}/assign": ConversationAnswer;
  "POST /agent/conversations/{id}/takeover": ConversationAnswer;
  "POST /agent/conversations/{id}/unassign": ConversationAnswer;
  "POST /agent/conversations/{id}/close": ConversationAnswer;
  "POST /agent/conversations/{id}/reopen": ConversationAnswer;
  "POST /agent/conversations/{id}/read": ConversationAnswer;
  "POST /agent/conversations/{id}/transcript": MessageAnswer;
  "PUT /agent/conversations/{id}/contact": { contact: Contact };
  "GET /agent/conversations/{id}/contact": { card: ContactCard };
  "GET /agent/conversations/{id}/attachments": { attachments: Attachment[] };
  "GET /agent/conversations/{id}/attachments/{attachmentId}": Download;
  "POST /agent/conversations/{id}/uploads": UploadSlot;
  "GET /agent/quarantine": { mails: Quarantined[] };
  "POST /agent/signout": { signedOut: true };
  "PUT /agent/agents/{id}/access": AgentAccess;
  "POST /agent/conversations/{id}/notes": MessageAnswer;
  "GET /agent/notifications": NotificationPage;
  "POST /agent/notifications/read": { unread: number };
  "GET /agent/me/preferences": Preferences;
  "PUT /agent/me/preferences": Preferences;
  "GET /agent/search": SearchPage;
  "GET /agent/saved-replies": SavedReplies;
  "POST /agent/saved-replies/personal": { reply: SavedReply };
  "PUT /agent/saved-replies/personal/{id}": { reply: SavedReply };
  "DELETE /agent/saved-replies/personal/{id}": { deleted: string };
  "POST /agent/saved-replies/shared": { reply: SavedReply };
  "PUT /agent/saved-replies/shared/{id}": { reply: SavedReply };
  "DELETE /agent/saved-replies/shared/{id}": { deleted: string };
  "GET /agent/team": { members: TeamMember[] };
  "GET /agent/reports": Report;
  "POST /agent/team": TeamMember;
  "PUT /agent/team/{id}": TeamMember;
  "PUT /agent/me/status": Agent;
  "GET /agent/inboxes": { inboxes: InboxRef[] };
  "GET /agent/settings/channels": { channels: ChatChannel[] };
  "POST /agent/settings/channels": ChatChannel;
  "GET /agent/settings/channels/{id}": ChatChannel;
  "PUT /agent/settings/channels/{id}": ChatChannel;
  "GET /agent/settings/inboxes": { inboxes: Inbox[] };
  "POST /agent/settings/inboxes": Inbox;
  "PUT /agent/settings/inboxes/{id}": Inbox;
  "GET /agent/contacts/{id}/export": ContactExport;
  "DELETE /agent/contacts/{id}": { erased: ContactErasure };
}

// ---------------------------------------------------------------- actions

/** Actions are the frames a client sends; `action` selects the route. */
export interface SendMessageAction {
  action: "sendMessage";
  clientId: string;
  conversationId?: string;
  body: string;
  attachments?: UploadRef[];
}
export interface TypingAction {
  action: "typing";
  conversationId: string;
  on: boolean;
  /** seq is the last seq the typist holds, which the frame the others hear carries (TypingFrame). */
  seq?: number;
  /** note: the agent is writing a note; the visitor is not told. */
  note?: boolean;
}
/** ViewAction says the inbox shows the conversation (on) or stopped (off). */
export interface ViewAction {
  action: "view";
  conversationId: string;
  on: boolean;
}
export interface ResumeAction {
  action: "resume";
  conversationId: string;
  afterSeq: number;
  /** subscription (a UUID the inbox picks each time it opens a thread) names the subscription LeaveAction ends. */
  subscription?: string;
}
/** LeaveAction (agents): the inbox left the thread it followed; the socket stops hearing the thread's every message, typing and pages. */
export interface LeaveAction {
  action: "leave";
  conversationId: string;
  subscription: string;
}
/** PageAction: the chat window reports the page it is shown on, for an open conversation. */
export interface PageAction {
  action: "page";
  conversationId: string;
  url: string;
  title: string;
  referrer: string;
  language: string;
}
/**
 * StartBotAction: the visitor's first answer to the opening of a bot (the
 * window's flow), with no conversation yet (docs/chatflows.md); the answer
 * follows as an ordinary message once it is answered. A retry with the
 * same clientId answers with the conversation the first one started.
 */
export interface StartBotAction {
  action: "startBot";
  clientId: string;
  /** flowId is the chatflow the window was given (config.flow.id). */
  flowId?: string;
}
/** AgentAction is every frame the inbox sends (the socket itself sends pings). */
export type AgentAction = SendMessageAction | TypingAction | ResumeAction | LeaveAction | ViewAction;
