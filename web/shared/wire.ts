// The shapes that cross the wire between the Go functions and the web apps:
// HTTP answers and WebSocket frames. The Go code is their source: a Go test
// writes a JSON fixture of every answer and frame from the real code, and
// web/test checks that these types accept each one, so a change on one side
// that the other does not follow fails `make test`.

export type Role = "visitor" | "agent" | "system";
export type Status = "open" | "closed";
export type MessageKind = "text" | "event";
/** Channel is how a message travelled: live chat or email. */
export type Channel = "chat" | "email";
export type EventType = "assigned" | "taken_over" | "unassigned" | "closed" | "reopened" | "transcript_sent" | "warning";

export interface Author {
  type: Role;
  id: string;
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
  visitorReadSeq: number;
  agentReadSeq: number;
  preview: string;
  createdAt: string;
  lastActivityAt: string;
  visitorOnline: boolean;
  contactEmail?: string;
  /** contactVerified is false while a typed address awaits its owner's confirmation. */
  contactVerified?: boolean;
  suggestedChannel?: Channel;
  emailBlocked?: string;
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
  lastSeq: number;
  agentReadSeq: number;
  visitorReadSeq: number;
  preview: string;
  createdAt: string;
  lastActivityAt: string;
}

/** Agent is an agent's profile. */
export interface Agent {
  id: string;
  displayName: string;
  email?: string;
  avatarUrl?: string;
  meetingsUrl?: string;
  inboxes: string[];
}

// ---------------------------------------------------------------- frames

export interface MessageFrame<C = unknown> {
  type: "message";
  conversationId: string;
  message: Message;
  conversation?: C;
}
export interface MessagesFrame {
  type: "messages";
  conversationId: string;
  messages: Message[];
  hasMore: boolean;
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

/** AgentFrame is every frame an agent's socket receives. */
export type AgentFrame = MessageFrame<Summary> | MessagesFrame | ConversationFrame<Summary> | TypingFrame | ErrorFrame | PongFrame;
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
  error: { code: string; message: string; assigneeId?: string; retryAfter?: number };
}

// ---------------------------------------------------------------- agent answers

/** ConversationPage answers GET /agent/conversations, newest activity first. */
export interface ConversationPage {
  conversations: Summary[];
  nextCursor?: string;
}
/** ConversationDetail answers GET /agent/conversations/{id}: its latest messages, ascending. */
export interface ConversationDetail {
  conversation: Summary;
  messages: Message[];
  hasMore: boolean;
}
/** ConversationAnswer answers the conversation's actions (assign, close, read, …). */
export interface ConversationAnswer {
  conversation: Summary;
}
/** MessageAnswer answers a stored message (an email reply, a transcript). */
export interface MessageAnswer {
  message: Message;
}
export interface TicketAnswer {
  ticket: string;
  expiresIn: number;
}
export interface AgentList {
  agents: Agent[];
}
/** ContactAnswer answers PUT /agent/conversations/{id}/contact. */
export interface ContactAnswer {
  contact: { email: string; name?: string };
}
/** QuarantinedMail is inbound mail that failed a check, kept for agents. */
export interface QuarantinedMail {
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
export interface QuarantineList {
  mails: QuarantinedMail[];
}
/** Attachment is a file a conversation received by email. */
export interface Attachment {
  id: string;
  filename: string;
  size: number;
  /** inline is true for the raster images a browser may show in place. */
  inline: boolean;
}
export interface AttachmentList {
  attachments: Attachment[];
}
/** Download is where to fetch an attachment from, until it expires. */
export interface Download {
  url: string;
  expiresIn: number;
  filename: string;
  inline: boolean;
}

// ---------------------------------------------------------------- actions

/** Actions are the frames a client sends; `action` selects the route. */
export interface SendMessageAction {
  action: "sendMessage";
  clientId: string;
  conversationId?: string;
  body: string;
}
export interface TypingAction {
  action: "typing";
  conversationId: string;
  on: boolean;
}
export interface ResumeAction {
  action: "resume";
  conversationId: string;
  afterSeq: number;
}
/** AgentAction is every frame the inbox sends (the socket itself sends pings). */
export type AgentAction = SendMessageAction | TypingAction | ResumeAction;
