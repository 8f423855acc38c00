// The agent routes the inbox calls, one typed method each.
import type { Agent, AgentStatus, Answers, ContactExport, ConversationAnswer, ConversationPage, Download, MessageAnswer, NotificationPage, Preferences, ReplyScope, SavedReplies, SearchPage, Thread, Ticket, UploadRef, UploadSlot } from "../../shared/wire";
import type { Filter } from "../state/list";
import type { HTTPClient } from "./client";

/** Action is what an agent can do to a conversation from its header. */
export type Action = "takeover" | "assign" | "unassign" | "close" | "reopen";

export interface ProfileUpdate {
  displayName: string;
  avatarUrl: string;
  meetingsUrl: string;
}

const conv = (id: string) => "/agent/conversations/" + encodeURIComponent(id);

export class InboxAPI {
  /** http is the client, for the routes of the pages loaded on demand (api/settings.ts). */
  constructor(readonly http: HTTPClient) {}

  me(): Promise<Agent> {
    return this.http.request("GET", "/agent/me");
  }

  updateMe(p: ProfileUpdate): Promise<Agent> {
    return this.http.request("PUT", "/agent/me", p);
  }

  setStatus(status: AgentStatus): Promise<Agent> {
    return this.http.request("PUT", "/agent/me/status", { status });
  }

  inboxes(): Promise<Answers["GET /agent/inboxes"]> {
    return this.http.request("GET", "/agent/inboxes");
  }

  agents(): Promise<Answers["GET /agent/agents"]> {
    return this.http.request("GET", "/agent/agents");
  }

  ticket(): Promise<Ticket> {
    return this.http.request("POST", "/agent/ticket");
  }

  signOut(): Promise<unknown> {
    return this.http.request("POST", "/agent/signout");
  }

  conversations(f: Filter, limit = 100, cursor = ""): Promise<ConversationPage> {
    const q = new URLSearchParams({ inboxId: f.inboxId, status: f.status, view: f.view, limit: String(limit) });
    if (cursor) q.set("cursor", cursor);
    return this.http.request("GET", "/agent/conversations?" + q);
  }

  conversation(id: string, limit: number): Promise<Thread> {
    return this.http.request("GET", `${conv(id)}?limit=${limit}`);
  }

  act(id: string, action: Action, body: object = {}): Promise<ConversationAnswer> {
    return this.http.request("POST", `${conv(id)}/${action}`, body);
  }

  /** read marks the thread read up to seq; subscription, the thread's on this tab's socket, spares that socket the push. */
  read(id: string, seq: number, subscription?: string): Promise<ConversationAnswer> {
    return this.http.request("POST", `${conv(id)}/read`, { seq, subscription });
  }

  /** replyByEmail sends a reply on the email channel: emailed first, then stored. */
  replyByEmail(id: string, clientId: string, body: string, attachments?: UploadRef[]): Promise<MessageAnswer> {
    return this.http.request("POST", `${conv(id)}/messages`, { clientId, body, channel: "email", attachments });
  }

  /** uploadSlot is where a file of a reply goes, straight to S3. */
  uploadSlot(id: string, filename: string, size: number): Promise<UploadSlot> {
    return this.http.request("POST", `${conv(id)}/uploads`, { filename, size });
  }

  setContact(id: string, email: string, name?: string): Promise<Answers["PUT /agent/conversations/{id}/contact"]> {
    return this.http.request("PUT", `${conv(id)}/contact`, { email, name });
  }

  /** card is who the conversation's visitor is (the sidebar). */
  card(id: string): Promise<Answers["GET /agent/conversations/{id}/contact"]> {
    return this.http.request("GET", `${conv(id)}/contact`);
  }

  /** exportContact is everything about a contact, named by its visitor id (admins). */
  exportContact(visitorId: string): Promise<ContactExport> {
    return this.http.request("GET", `/agent/contacts/${encodeURIComponent(visitorId)}/export`);
  }

  /** eraseContact deletes everything about a contact (admins). */
  eraseContact(visitorId: string): Promise<Answers["DELETE /agent/contacts/{id}"]> {
    return this.http.request("DELETE", `/agent/contacts/${encodeURIComponent(visitorId)}`);
  }

  sendTranscript(id: string, to: string, subject: string): Promise<MessageAnswer> {
    return this.http.request("POST", `${conv(id)}/transcript`, { to, subject });
  }

  attachments(id: string): Promise<Answers["GET /agent/conversations/{id}/attachments"]> {
    return this.http.request("GET", `${conv(id)}/attachments`);
  }

  download(id: string, attachmentId: string): Promise<Download> {
    return this.http.request("GET", `${conv(id)}/attachments/${encodeURIComponent(attachmentId)}`);
  }

  search(q: string, cursor = ""): Promise<SearchPage> {
    const p = new URLSearchParams({ q });
    if (cursor) p.set("cursor", cursor);
    return this.http.request("GET", "/agent/search?" + p);
  }

  savedReplies(): Promise<SavedReplies> {
    return this.http.request("GET", "/agent/saved-replies");
  }

  /** saveReply creates a reply of scope, or changes the one with id. */
  saveReply(scope: ReplyScope, r: { title: string; body: string; category: string }, id?: string): Promise<Answers["POST /agent/saved-replies/personal"]> {
    const path = "/agent/saved-replies/" + scope;
    return id ? this.http.request("PUT", path + "/" + encodeURIComponent(id), r) : this.http.request("POST", path, r);
  }

  deleteReply(scope: ReplyScope, id: string): Promise<Answers["DELETE /agent/saved-replies/personal/{id}"]> {
    return this.http.request("DELETE", `/agent/saved-replies/${scope}/${encodeURIComponent(id)}`);
  }

  quarantine(limit = 100): Promise<Answers["GET /agent/quarantine"]> {
    return this.http.request("GET", "/agent/quarantine?limit=" + limit);
  }

  /** note stores a note for the team; a retry with the same client id answers with the stored one. */
  note(id: string, clientId: string, body: string): Promise<MessageAnswer> {
    return this.http.request("POST", `${conv(id)}/notes`, { clientId, body });
  }

  notifications(cursor?: string, limit = 30): Promise<NotificationPage> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set("cursor", cursor);
    return this.http.request("GET", "/agent/notifications?" + q);
  }

  readNotifications(ids: readonly string[] | "all"): Promise<Answers["POST /agent/notifications/read"]> {
    return this.http.request("POST", "/agent/notifications/read", ids === "all" ? { all: true } : { ids });
  }

  preferences(): Promise<Preferences> {
    return this.http.request("GET", "/agent/me/preferences");
  }

  setPreferences(p: Preferences): Promise<Preferences> {
    return this.http.request("PUT", "/agent/me/preferences", p);
  }
}
