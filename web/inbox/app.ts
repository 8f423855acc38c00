// The agents' inbox: conversation list, thread, replies, assignment,
// profile and notifications. Plain TypeScript, no framework.
import { avatar, h, readEnv, reconcile, renderText, Rows, uuid } from "../shared/dom";
import { Live } from "../shared/live";
import { Auth, type OIDC } from "./auth";
import { type Channel, ChannelSwitch, ContactDialog, type EmailFacts, QuarantineView, TranscriptDialog } from "./email";
import { FilesLine } from "./files";
import "./inbox.css";

interface Env {
  httpApi: string;
  webSocket: string;
  oidc: OIDC;
}
interface Agent {
  id: string;
  displayName: string;
  email?: string;
  avatarUrl?: string;
  meetingsUrl?: string;
}
interface Summary extends EmailFacts {
  id: string;
  visitorId: string;
  status: "open" | "closed";
  assigneeId?: string;
  assigneeName?: string;
  visitorOnline: boolean;
  lastSeq: number;
  agentReadSeq: number;
  preview: string;
  lastActivityAt: string;
}
interface Message {
  conversationId: string;
  seq: number;
  kind: "text" | "event";
  clientId?: string;
  author: { type: "visitor" | "agent" | "system"; id: string; name?: string; avatarUrl?: string };
  body?: string;
  event?: { type: string; agentId?: string; agentName?: string; email?: string; subject?: string; reason?: string };
  createdAt: string;
  channel?: string;
}
type Status = "open" | "closed";
type View = "mine" | "unassigned" | "all";

const env = readEnv<Env>();
const auth = new Auth(env.oidc);

// ---------------------------------------------------------------- state

let me: Agent = { id: "", displayName: "" };
let agents: Agent[] = [];
let status: Status = "open";
let view: View = "all";
let list = new Map<string, Summary>();
let current: string | null = null;
let thread = new Map<number, Message>();
// Replies go over the socket, as the visitor's messages do; the client id
// makes a resend after a reconnect safe.
let pendingReplies: { clientId: string; conversationId: string; body: string; failed?: boolean; channel?: Channel }[] = [];
// The email facts of the open conversation (contact address, suggested
// channel, why email is blocked) and the presence they were computed for.
let facts: EmailFacts = {};
let factsOnline: boolean | undefined;
let visitorTyping = new Map<string, ReturnType<typeof setTimeout>>();
let typingSentAt = 0;
let typingTimer: ReturnType<typeof setTimeout> | undefined;

// ---------------------------------------------------------------- API

class APIError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function api<T>(method: string, path: string, body?: object): Promise<T> {
  const r = await fetch(env.httpApi + path, {
    method,
    headers: { authorization: "Bearer " + (await auth.token()), ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await r.json().catch(() => ({}));
  if (r.status === 401) signedOut(data?.error?.message || "Your session ended.");
  if (!r.ok) throw new APIError(r.status, data?.error?.code || "", data?.error?.message || `request failed (${r.status})`);
  return data as T;
}

/** signedOut replaces the inbox with a sign-in prompt: the session was
 * ended (signed out elsewhere, agent disabled, token refused). Signing in
 * again is the agent's choice, so a disabled agent is not sent round in a
 * redirect loop. */
function signedOut(reason: string): void {
  auth.forget();
  document.body.replaceChildren(h("main", { class: "signin-error" }, h("h1", {}, "You are signed out"), h("p", {}, reason),
    h("button", { class: "primary", type: "button", onclick: () => location.reload() }, "Sign in again")));
}

/** signOut ends the session on the server first: every token issued so
 * far is refused and every open inbox socket of this agent closed. */
async function signOut(): Promise<void> {
  try {
    await api("POST", "/agent/signout");
  } catch {
    // The identity provider's sign-out below still ends this browser's session.
  }
  auth.signOut();
}

// ---------------------------------------------------------------- helpers

function visitorName(s: { visitorId: string }): string {
  return "Visitor " + s.visitorId.slice(0, 4).toUpperCase();
}

function ago(iso: string): string {
  const d = new Date(iso).getTime();
  const s = Math.max(0, (Date.now() - d) / 1000);
  if (s < 60) return "now";
  if (s < 3600) return Math.floor(s / 60) + " min";
  if (s < 86400) return Math.floor(s / 3600) + " h";
  return new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short" });
}

function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

function matches(s: Summary): boolean {
  if (s.status !== status) return false;
  if (view === "mine") return s.assigneeId === me.id;
  if (view === "unassigned") return !s.assigneeId;
  return true;
}

function eventText(m: Message): string {
  const who = m.author.name || "An agent";
  const target = m.event?.agentName || "";
  switch (m.event?.type) {
    case "assigned":
      return m.event.agentId === m.author.id ? `${who} took the conversation` : `${who} assigned the conversation to ${target}`;
    case "taken_over":
      return `${who} took over the conversation`;
    case "unassigned":
      return `${who} unassigned ${target}`;
    case "closed":
      if (m.event.reason === "inactivity") return inactivityText(m);
      return `${who} closed the conversation`;
    case "reopened":
      if (m.author.type === "visitor") return `${visitorName({ visitorId: m.author.id })} reopened the conversation by email`;
      return `${who} reopened the conversation`;
    case "warning":
      return "The visitor was warned that the chat closes soon for inactivity";
    case "transcript_sent": {
      const to = m.event.email || "the visitor";
      const subject = m.event.subject ? ` (“${m.event.subject}”)` : "";
      return m.author.type === "agent" ? `${who} emailed the transcript to ${to}${subject}` : `Transcript emailed to ${to}${subject}`;
    }
  }
  return "The conversation changed";
}

// inactivityText says how long the visitor had been quiet when the
// inactivity timer closed the conversation: from the visitor's last
// message before the close to the close.
function inactivityText(close: Message): string {
  let since = "";
  for (const m of thread.values()) {
    if (m.seq < close.seq && m.kind === "text" && m.author.type === "visitor" && m.createdAt > since) since = m.createdAt;
  }
  const minutes = since ? Math.round((new Date(close.createdAt).getTime() - new Date(since).getTime()) / 60000) : 0;
  if (minutes < 1) return "Closed for inactivity: the visitor stopped replying";
  const span = minutes >= 120 && minutes % 60 === 0 ? `${minutes / 60} hours` : minutes === 1 ? "1 minute" : `${minutes} minutes`;
  return `Closed after ${span} without a reply from the visitor`;
}

// ---------------------------------------------------------------- layout

const statusTabs = segmented("Status", [["open", "Open"], ["closed", "Closed"]], () => status, (v) => {
  status = v as Status;
  void loadList();
});
const viewTabs = segmented("Show", [["mine", "Mine"], ["unassigned", "Unassigned"], ["all", "All"]], () => view, (v) => {
  view = v as View;
  void loadList();
});
const listEl = h("ul", { class: "list" });
const listEmpty = h("p", { class: "list-empty", hidden: true }, "No conversations here.");
const meChip = h("button", { class: "me", type: "button", onclick: () => openProfile() });
const notifyBtn = h("button", { class: "ghost", type: "button", onclick: () => void askNotify() }, "Enable notifications");
const quarantineBtn = h("button", { class: "ghost quarantine-btn", type: "button", "aria-pressed": "false", onclick: () => showQuarantine() }, "Quarantined mail");
const top = h("header", { class: "top" },
  h("span", { class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }, "P"), "Parley"),
  h("span", { class: "spacer" }),
  quarantineBtn,
  notifyBtn,
  meChip,
  h("button", { class: "ghost", type: "button", onclick: () => void signOut() }, "Sign out"));
const side = h("nav", { class: "side", "aria-label": "Conversations" }, h("div", { class: "filters" }, statusTabs.el, viewTabs.el), listEl, listEmpty);

const threadEl = h("section", { class: "thread", "aria-label": "Conversation" });
const live = h("p", { class: "sr", role: "status", "aria-live": "polite" });
const toast = h("p", { class: "toast", role: "alert", hidden: true });

function segmented(label: string, opts: [string, string][], get: () => string, set: (v: string) => void) {
  const el = h("div", { class: "seg", role: "group", "aria-label": label });
  const paint = () => {
    el.replaceChildren(...opts.map(([v, text]) =>
      h("button", { type: "button", "aria-pressed": String(get() === v), onclick: () => {
        set(v);
        paint();
      } }, text)));
  };
  paint();
  return { el, paint };
}

function say(text: string): void {
  live.textContent = text;
}

function fail(e: unknown): void {
  toast.textContent = e instanceof Error ? e.message : String(e);
  toast.hidden = false;
  setTimeout(() => (toast.hidden = true), 6000);
}

// ---------------------------------------------------------------- list

// A read over HTTP may answer with a state older than a live frame that
// arrived while it was under way (the visitor left meanwhile, say): the
// frames seen since the request started win.
let frames = 0;
const framed = new Map<string, { n: number; s: Summary }>();

function sawLive(s: Summary): void {
  framed.set(s.id, { n: ++frames, s });
}

function fresher(s: Summary, since: number): Summary {
  const f = framed.get(s.id);
  return f && f.n > since ? f.s : s;
}

async function loadList(): Promise<void> {
  const since = frames;
  const r = await api<{ conversations: Summary[] }>("GET", `/agent/conversations?status=${status}&view=${view}&limit=100`);
  list = new Map();
  for (const c of r.conversations) {
    const s = fresher(c, since);
    if (matches(s)) list.set(s.id, s);
  }
  for (const f of framed.values()) if (f.n > since && matches(f.s)) list.set(f.s.id, f.s);
  renderList();
}

function upsert(s: Summary): void {
  if (matches(s)) list.set(s.id, s);
  else list.delete(s.id);
  renderList();
  if (s.id !== current) return;
  renderThreadHead(s);
  // The suggested channel follows the visitor's presence, live.
  if (factsOnline !== undefined && s.visitorOnline !== factsOnline) {
    factsOnline = s.visitorOnline;
    void refreshFacts(s.id, true);
  }
}

const listRows = new Rows();

function renderList(): void {
  const items = [...list.values()].sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt));
  const rows = items.map((s) => {
    const unread = s.agentReadSeq < s.lastSeq;
    const sig = [s.lastSeq, s.agentReadSeq, s.visitorOnline, s.assigneeName, s.status, s.id === current, ago(s.lastActivityAt)].join("|");
    return listRows.row(s.id, sig, () => {
      const name = visitorName(s);
      const preview = h("span", { class: "preview" });
      renderText(preview, s.preview);
      preview.querySelectorAll("a").forEach((a) => a.replaceWith(a.textContent || ""));
      return h("li", {}, h("button", {
        class: "item" + (unread ? " unread" : ""), type: "button", "aria-current": s.id === current ? "true" : undefined,
        "data-id": s.id, onclick: () => void openThread(s.id),
      },
      h("span", { class: "who" }, avatar(name, undefined, "avatar md"),
        s.visitorOnline ? h("span", { class: "online", title: "Visitor online" }, h("span", { class: "sr" }, "online")) : null),
      h("span", { class: "item-main" },
        h("span", { class: "item-top" }, h("span", { class: "name" }, name), h("time", { datetime: s.lastActivityAt }, ago(s.lastActivityAt))),
        h("span", { class: "item-bottom" }, preview, unread ? h("span", { class: "dot", title: "Unread" }, h("span", { class: "sr" }, "unread")) : null),
        s.assigneeName ? h("span", { class: "assignee" }, s.assigneeName) : h("span", { class: "assignee none" }, "Unassigned"))));
    });
  });
  listRows.done();
  reconcile(listEl, rows);
  listEmpty.hidden = rows.length > 0;
}

// ---------------------------------------------------------------- thread

const threadRows = new Rows();
const files = new FilesLine((m, p, b) => api(m, p, b), (e) => fail(e));
let threadHead = h("div", {});
const threadLog = h("div", { class: "tlog", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Messages", tabindex: "0" });
const typingLine = h("p", { class: "typing", "aria-live": "polite" });
const reply = h("textarea", { class: "reply", rows: "3", placeholder: "Reply… (Enter sends, Shift+Enter adds a line)", "aria-label": "Reply" });
const sendBtn = h("button", { class: "primary", type: "submit" }, "Send");
const meetingBtn = h("button", { class: "ghost", type: "button", onclick: () => insertMeeting() }, "Insert meetings link");
const transcriptBtn = h("button", { class: "ghost", type: "button", onclick: () => current && transcriptDialog.open(current, facts.contactEmail) }, "Send transcript");
const closedNote = h("div", { class: "closed-note", hidden: true }, h("p", {}, "This conversation is closed. Reopen it to reply."), transcriptBtn);
const channelSwitch = new ChannelSwitch((c) => {
  sendBtn.textContent = c === "email" ? "Send email" : "Send";
  composer.classList.toggle("by-email", c === "email");
  reply.placeholder = c === "email"
    ? "Reply by email… (Enter sends, Shift+Enter adds a line)"
    : "Reply… (Enter sends, Shift+Enter adds a line)";
});
const composer = h("form", { class: "composer" }, reply,
  h("div", { class: "composer-bar" }, channelSwitch.el, meetingBtn, h("span", { class: "spacer" }), sendBtn), channelSwitch.note);
const contactDialog = new ContactDialog((m, p, b) => api(m, p, b), (id, addr) => {
  say(`Email address saved: ${addr}`);
  if (id === current) void refreshFacts(id, true);
});
const transcriptDialog = new TranscriptDialog((m, p, b) => api(m, p, b), (_id, to) => say(`Transcript sent to ${to}`));
const quarantine = new QuarantineView((m, p, b) => api(m, p, b), (id) => void openThread(id));

function showQuarantine(): void {
  current = null;
  quarantineBtn.setAttribute("aria-pressed", "true");
  renderList();
  threadEl.replaceChildren(quarantine.el);
  void quarantine.load();
}

function emailFacts(s: Summary): EmailFacts {
  return { contactEmail: s.contactEmail, contactVerified: s.contactVerified, suggestedChannel: s.suggestedChannel, emailBlocked: s.emailBlocked };
}

// refreshFacts reads the conversation's email facts again (after the
// visitor came or went, or the address changed); with follow the channel
// switch takes the server's new suggestion.
async function refreshFacts(id: string, follow: boolean): Promise<void> {
  try {
    const since = frames;
    const r = await api<{ conversation: Summary }>("GET", `/agent/conversations/${id}?limit=1`);
    if (current !== id) return;
    const live = framed.get(id);
    if (live && live.n > since && live.s.visitorOnline !== r.conversation.visitorOnline) {
      // The visitor came or went while the facts were read: read again.
      void refreshFacts(id, follow);
      return;
    }
    facts = emailFacts(r.conversation);
    factsOnline = r.conversation.visitorOnline;
    channelSwitch.update(facts, follow);
    renderThreadHead(list.get(id) || r.conversation);
  } catch (e) {
    fail(e);
  }
}

function emptyThread(): void {
  threadEl.replaceChildren(h("div", { class: "empty" }, h("p", { class: "empty-title" }, "No conversation selected"), h("p", {}, "Pick one from the list. New chats appear there as they come in.")));
}

async function openThread(id: string): Promise<void> {
  const same = current === id;
  current = id;
  quarantineBtn.setAttribute("aria-pressed", "false");
  thread = new Map();
  if (!same) {
    reply.value = "";
    facts = {};
    factsOnline = undefined;
  }
  threadHead = h("div", { class: "thead" });
  threadEl.replaceChildren(threadHead, files.el, threadLog, typingLine, closedNote, composer);
  void files.load(id);
  renderList();
  try {
    const since = frames;
    const r = await api<{ conversation: Summary; messages: Message[] }>("GET", `/agent/conversations/${id}?limit=100`);
    if (current !== id) return;
    for (const m of r.messages) thread.set(m.seq, m);
    // Follow the open thread: its every message comes live from now on
    // (the rest of the inbox hears only what changes the list), and the
    // answer brings whatever was written since the read above.
    socket.send({ action: "resume", conversationId: id, afterSeq: Math.max(0, ...thread.keys()) });
    // A reconnect reopens the thread: keep the agent's channel choice then.
    channelSwitch.update(emailFacts(r.conversation), !same || factsOnline !== r.conversation.visitorOnline);
    facts = emailFacts(r.conversation);
    factsOnline = r.conversation.visitorOnline;
    // A fresher live state wins; upsert then reads the facts again if the
    // visitor's presence changed meanwhile.
    const s = fresher(r.conversation, since);
    upsert(s);
    renderThreadHead(s);
    renderThread();
    markRead(s);
    reply.focus();
  } catch (e) {
    fail(e);
  }
}

function renderThreadHead(s: Summary): void {
  const mine = s.assigneeId === me.id;
  const assign = h("select", { "aria-label": "Assign to" },
    h("option", { value: "" }, "Assign to…"),
    ...agents.filter((a) => a.id !== s.assigneeId).map((a) => h("option", { value: a.id }, a.displayName)));
  assign.addEventListener("change", () => {
    if (assign.value) void act(s, "assign", { agentId: assign.value, expectedAssigneeId: s.assigneeId || "" });
  });
  threadHead.replaceChildren(
    h("div", { class: "thead-who" },
      avatar(visitorName(s), undefined, "avatar lg"),
      h("div", {},
        h("h2", {}, visitorName(s)),
        h("p", { class: "sub" },
          h("span", { class: "presence " + (s.visitorOnline ? "on" : "off") }, s.visitorOnline ? "Online" : "Offline"),
          " · ",
          h("span", { class: "pill " + s.status }, s.status === "open" ? "Open" : "Closed"),
          " · ",
          s.assigneeName ? `Assigned to ${s.assigneeName}` : "Unassigned"),
        contactLine(s))),
    h("div", { class: "actions" },
      mine ? null : h("button", { class: "primary", type: "button", onclick: () => void act(s, "takeover", { expectedAssigneeId: s.assigneeId || "" }) }, s.assigneeId ? "Take over" : "Take it"),
      assign,
      s.assigneeId ? h("button", { class: "ghost", type: "button", onclick: () => void act(s, "unassign", { expectedAssigneeId: s.assigneeId }) }, "Unassign") : null,
      s.status === "open"
        ? h("button", { class: "ghost", type: "button", onclick: () => void act(s, "close") }, "Close")
        : h("button", { class: "ghost", type: "button", onclick: () => void act(s, "reopen") }, "Reopen")));
  const closed = s.status === "closed";
  composer.hidden = closed;
  closedNote.hidden = !closed;
}

// contactLine shows the visitor's email address (and whether mail reaches
// it), with a way to add or change it.
function contactLine(s: Summary): HTMLElement {
  const edit = h("button", { class: "link", type: "button", onclick: () => contactDialog.open(s.id, facts.contactEmail) }, facts.contactEmail ? "Edit" : "Add email");
  if (!facts.contactEmail) return h("p", { class: "contact none" }, h("span", { class: "contact-addr" }, "No email address"), " · ", edit);
  return h("p", { class: "contact" },
    h("span", { class: "contact-addr", title: "Visitor's email" }, facts.contactEmail),
    facts.emailBlocked ? h("span", { class: "pill bad", title: facts.emailBlocked }, "Undeliverable")
      : facts.contactVerified ? null
      : h("span", { class: "pill unconfirmed", title: "The visitor typed this address and has not confirmed it yet: replies by email reach it, transcripts on close wait for the confirmation." }, "Unconfirmed"),
    " · ", edit);
}

async function act(s: Summary, action: string, body?: object): Promise<void> {
  try {
    const r = await api<{ conversation: Summary }>("POST", `/agent/conversations/${s.id}/${action}`, body || {});
    upsert(r.conversation);
  } catch (e) {
    if (e instanceof APIError && e.status === 409) fail("Someone else changed the assignment meanwhile; the view is up to date now.");
    else fail(e);
    void openThread(s.id);
  }
}

function renderThread(): void {
  const sorted = [...thread.values()].sort((a, b) => a.seq - b.seq);
  const rows: HTMLElement[] = sorted.map((m) => threadRows.row("m" + m.seq, "", () => messageRow(m)));
  for (const p of pendingReplies.filter((x) => x.conversationId === current)) {
    rows.push(threadRows.row("p" + p.clientId, String(p.failed), () => {
      const row = messageRow({ conversationId: current || "", seq: 0, kind: "text", author: { type: "agent", id: me.id, name: me.displayName, avatarUrl: me.avatarUrl }, body: p.body, createdAt: new Date().toISOString(), channel: p.channel });
      row.classList.add(p.failed ? "failed" : "pending");
      return row;
    }));
  }
  threadRows.done();
  reconcile(threadLog, rows);
  threadLog.scrollTop = threadLog.scrollHeight;
}

function messageRow(m: Message): HTMLElement {
  if (m.kind === "event" && m.event?.type === "warning") {
    return h("div", { class: "event-warning" },
      h("p", {}, h("strong", {}, eventText(m)), " · ", h("time", { datetime: m.createdAt }, clock(m.createdAt))),
      m.body ? h("p", { class: "quote" }, m.body) : null);
  }
  if (m.kind === "event") {
    const cls = "event" + (m.event?.type === "closed" && m.event.reason === "inactivity" ? " inactivity" : m.event?.type === "transcript_sent" ? " transcript" : "");
    return h("p", { class: cls }, eventText(m), " · ", h("time", { datetime: m.createdAt }, clock(m.createdAt)));
  }
  const visitor = m.author.type === "visitor";
  const name = visitor ? visitorName({ visitorId: m.author.id }) : m.author.name || "Agent";
  const body = h("div", { class: "body" });
  renderText(body, m.body || "");
  return h("article", { class: "msg " + (visitor ? "from-visitor" : "from-agent") },
    avatar(name, m.author.avatarUrl, "avatar md"),
    h("div", { class: "msg-main" },
      h("header", {}, h("strong", {}, name), h("time", { datetime: m.createdAt }, clock(m.createdAt)), m.channel === "email" ? h("span", { class: "channel email" }, "Email") : h("span", { class: "channel" }, "Chat")),
      body));
}

function markRead(s: Summary): void {
  if (s.id !== current || document.hidden || s.agentReadSeq >= s.lastSeq) return;
  api<{ conversation: Summary }>("POST", `/agent/conversations/${s.id}/read`, { seq: s.lastSeq }).then((r) => upsert(r.conversation), () => undefined);
}
document.addEventListener("visibilitychange", () => {
  const s = current ? list.get(current) : undefined;
  if (s) markRead(s);
});

function sendReply(): void {
  const body = reply.value.trim();
  if (!body || !current) return;
  if (channelSwitch.value === "email") {
    void sendEmailReply(current, body);
    return;
  }
  const p = { clientId: uuid(), conversationId: current, body };
  pendingReplies.push(p);
  reply.value = "";
  stopTyping();
  socket.send({ action: "sendMessage", ...p });
  renderThread();
}

// sendEmailReply sends a reply on the email channel over HTTP: the server
// emails it and only then stores it. When sending fails nothing is stored,
// and the text goes back into the editor with the reason.
async function sendEmailReply(conversationId: string, body: string): Promise<void> {
  const p = { clientId: uuid(), conversationId, body, channel: "email" as Channel };
  pendingReplies.push(p);
  reply.value = "";
  stopTyping();
  renderThread();
  try {
    const r = await api<{ message: Message }>("POST", `/agent/conversations/${conversationId}/messages`, { clientId: p.clientId, body, channel: "email" });
    pendingReplies = pendingReplies.filter((x) => x !== p);
    if (current === conversationId) thread.set(r.message.seq, r.message);
    say(`Email sent to ${facts.contactEmail || "the visitor"}`);
  } catch (e) {
    pendingReplies = pendingReplies.filter((x) => x !== p);
    if (current === conversationId && !reply.value) reply.value = body;
    fail(e instanceof Error ? "Email not sent: " + e.message.replace(/^email not sent: /, "") : e);
    if (current === conversationId) void refreshFacts(conversationId, false);
  }
  if (current === conversationId) renderThread();
}

function flushReplies(): void {
  for (const p of pendingReplies) if (!p.failed && p.channel !== "email") socket.send({ action: "sendMessage", clientId: p.clientId, conversationId: p.conversationId, body: p.body });
}

function stopTyping(): void {
  clearTimeout(typingTimer);
  if (typingSentAt && current) socket.send({ action: "typing", conversationId: current, on: false });
  typingSentAt = 0;
}

composer.addEventListener("submit", (e) => {
  e.preventDefault();
  sendReply();
});
reply.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    sendReply();
  }
});
reply.addEventListener("input", () => {
  if (!current) return;
  if (reply.value && Date.now() - typingSentAt > 3000) {
    typingSentAt = Date.now();
    socket.send({ action: "typing", conversationId: current, on: true });
  }
  clearTimeout(typingTimer);
  typingTimer = setTimeout(stopTyping, reply.value ? 4000 : 0);
});

function insertMeeting(): void {
  if (!me.meetingsUrl) return;
  const at = reply.selectionStart ?? reply.value.length;
  const text = `You can book a time with me here: ${me.meetingsUrl}`;
  reply.value = reply.value.slice(0, at) + text + reply.value.slice(at);
  reply.focus();
}

// ---------------------------------------------------------------- live updates

const socket = new Live({
  url: env.webSocket,
  ticket: async () => (await api<{ ticket: string }>("POST", "/agent/ticket")).ticket,
  onOpen: () => {
    flushReplies();
    // Catch up on whatever happened while the socket was down.
    void loadList().catch(fail);
    if (current) void openThread(current);
  },
  onFrame: (f: any) => {
    switch (f.type) {
      case "message": {
        const m = f.message as Message;
        const s = f.conversation as Summary;
        sawLive(s);
        if (m.author.type === "visitor") clearTyping(s.id);
        pendingReplies = pendingReplies.filter((p) => p.clientId !== m.clientId);
        if (s.id === current) {
          thread.set(m.seq, m);
          renderThread();
        }
        upsert(s);
        if (s.id === current) markRead(s);
        if (m.author.type === "visitor" && m.kind === "text") alertNew(s, m);
        break;
      }
      case "messages":
        // The answer to the thread's resume: usually what the thread holds
        // already, and a re-render would only replace what the agent is
        // about to click.
        if (f.conversationId === current) {
          const fresh = (f.messages as Message[]).filter((m) => !thread.has(m.seq));
          for (const m of fresh) thread.set(m.seq, m);
          if (fresh.length) renderThread();
        }
        break;
      case "conversation":
        sawLive(f.conversation);
        upsert(f.conversation);
        break;
      case "typing":
        if (f.author?.type === "visitor") showTyping(f.conversationId, f.on);
        break;
      case "error": {
        const p = pendingReplies.find((x) => x.clientId === f.clientId);
        if (p) {
          p.failed = true;
          renderThread();
        }
        fail(f.message || "The server refused the message.");
        break;
      }
    }
  },
});

function showTyping(id: string, on: boolean): void {
  clearTyping(id);
  if (on) visitorTyping.set(id, setTimeout(() => clearTyping(id), 8000));
  if (id === current) typingLine.textContent = on ? "Visitor is typing…" : "";
}

function clearTyping(id: string): void {
  clearTimeout(visitorTyping.get(id));
  visitorTyping.delete(id);
  if (id === current) typingLine.textContent = "";
}

// ---------------------------------------------------------------- notifications

let audio: AudioContext | null = null;
addEventListener("pointerdown", () => {
  audio ??= new AudioContext();
}, { once: true });

function chime(): void {
  if (!audio) return;
  const t0 = audio.currentTime;
  for (const [i, f] of [880, 1320].entries()) {
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = f;
    g.gain.setValueAtTime(0.0001, t0 + i * 0.12);
    g.gain.exponentialRampToValueAtTime(0.15, t0 + i * 0.12 + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.12 + 0.25);
    o.connect(g).connect(audio.destination);
    o.start(t0 + i * 0.12);
    o.stop(t0 + i * 0.12 + 0.3);
  }
}

function alertNew(s: Summary, m: Message): void {
  say(`New message from ${visitorName(s)}`);
  if (!document.hidden) return;
  chime();
  if ("Notification" in window && Notification.permission === "granted") {
    const n = new Notification(m.seq === 1 ? `New chat from ${visitorName(s)}` : `${visitorName(s)} wrote`, { body: s.preview, tag: s.id });
    n.onclick = () => {
      focus();
      void openThread(s.id);
      n.close();
    };
  }
}

async function askNotify(): Promise<void> {
  audio ??= new AudioContext();
  if ("Notification" in window) await Notification.requestPermission();
  paintNotify();
}

function paintNotify(): void {
  notifyBtn.hidden = !("Notification" in window) || Notification.permission !== "default";
}

// ---------------------------------------------------------------- profile

const nameIn = h("input", { id: "p-name", required: true, maxlength: "80", autocomplete: "name" });
const avatarIn = h("input", { id: "p-avatar", type: "url", placeholder: "https://…", autocomplete: "photo" });
const meetIn = h("input", { id: "p-meet", type: "url", placeholder: "https://…" });
const profileErr = h("p", { class: "error", role: "alert", hidden: true });
const profileForm = h("form", { method: "dialog", class: "profile-form" },
  h("h2", {}, "Your profile"),
  h("p", { class: "sub" }, "Visitors see your name and picture when you take a conversation."),
  h("label", { for: "p-name" }, "Display name"), nameIn,
  h("label", { for: "p-avatar" }, "Avatar URL"), avatarIn,
  h("label", { for: "p-meet" }, "Meetings link"), meetIn,
  profileErr,
  h("div", { class: "dialog-bar" },
    h("button", { class: "ghost", type: "button", onclick: () => dialog.close() }, "Cancel"),
    h("button", { class: "primary", type: "submit" }, "Save")));
const dialog = h("dialog", { class: "profile", "aria-labelledby": "profile-title" }, profileForm);

function openProfile(): void {
  nameIn.value = me.displayName;
  avatarIn.value = me.avatarUrl || "";
  meetIn.value = me.meetingsUrl || "";
  profileErr.hidden = true;
  dialog.showModal();
}

profileForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    me = await api<Agent>("PUT", "/agent/me", { displayName: nameIn.value, avatarUrl: avatarIn.value.trim(), meetingsUrl: meetIn.value.trim() });
    paintMe();
    // The socket's ticket carries the name visitors see next to replies.
    socket.renew();
    agents = (await api<{ agents: Agent[] }>("GET", "/agent/agents")).agents;
    dialog.close();
    say("Profile saved");
  } catch (err) {
    profileErr.textContent = err instanceof Error ? err.message : String(err);
    profileErr.hidden = false;
  }
});

function paintMe(): void {
  meChip.replaceChildren(avatar(me.displayName, me.avatarUrl, "avatar sm"), h("span", {}, me.displayName));
  meChip.setAttribute("aria-label", `Your profile: ${me.displayName}`);
  meetingBtn.hidden = !me.meetingsUrl;
}

// ---------------------------------------------------------------- start

async function start(): Promise<void> {
  try {
    if (!(await auth.signIn())) return;
    [me, { agents }] = await Promise.all([api<Agent>("GET", "/agent/me"), api<{ agents: Agent[] }>("GET", "/agent/agents")]);
  } catch (e) {
    auth.forget();
    document.body.replaceChildren(h("main", { class: "signin-error" }, h("h1", {}, "Could not sign you in"), h("p", {}, e instanceof Error ? e.message : String(e)),
      h("button", { class: "primary", type: "button", onclick: () => location.reload() }, "Try again")));
    return;
  }
  document.body.replaceChildren(h("div", { class: "shell" }, top, side, threadEl), dialog, contactDialog.el, transcriptDialog.el, live, toast);
  paintMe();
  paintNotify();
  emptyThread();
  await loadList().catch(fail);
  socket.start();
  setInterval(renderList, 60_000);
}

void start();
