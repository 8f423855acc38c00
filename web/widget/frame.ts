// The chat window: runs in a cross-origin iframe on the chat's own origin,
// so the host page can read neither the conversation nor the tokens.
import { avatar, h, readEnv, reconcile, renderText, Rows, svg, uuid } from "../shared/dom";
import { downIcon, mailIcon, sendIcon } from "../shared/icons";
import { Live } from "../shared/live";
import type { Sent } from "../shared/upload";
import type { Answers, Author, Download, Message, Rating, StartBotAction, Ticket, UploadSlot, VisitorConversation, VisitorFrame, VisitorSession, WidgetConfig } from "../shared/wire";
import { Attach } from "./attach";
import type { Bot } from "./bot";
import type { EmailCapture } from "./capture";
import type { History } from "./history";
import { fileList, sentList } from "./files";
import { pickLocale, type Locale } from "./locale";
import type { Assertion, Site } from "./site";
import { settled } from "./status";
import type { Survey } from "./survey";
import { english, fill, replyTime, type Strings } from "./strings";
import "./frame.css";

interface Env {
  httpApi: string;
  webSocket: string;
}
interface Pending {
  clientId: string;
  body: string;
  conversationId?: string;
  // Sends that failed on the system's side and were tried again.
  retries?: number;
  // Written while the site's identify was answered: sent once it is.
  held?: boolean;
  // When it was written (the outbox keeps it for a day).
  at?: number;
  // sent: its frame went out once, so its conversation is fixed: a
  // resend is the same request.
  sent?: boolean;
  // refused: the server refused it; it stays shown, marked, never resent.
  refused?: boolean;
  // Its files. waiting: its files are still uploading, or (the bot's
  // email step) its address is being given to the contact; it is sent
  // once they are, and holds the messages after it.
  files?: Sent[];
  waiting?: boolean;
}

const env = readEnv<Env>();
const clockIcon = "M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20Zm0 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16Zm1 3v4.6l3.2 3.2-1.4 1.4L11 12.4V7h2Z";
const params = new URLSearchParams(location.search);
const channel = params.get("channel") || "main";
const parentOrigin = params.get("origin") || "";
// embedded settles at the first message from the parent page with exactly
// the origin the loader named: the browser vouches for it, and only then is
// it sent as the site the chat runs on (the server checks it against the
// channel's sites). A page that named another origin never hears the
// window's "ready", never answers, and gets no chat.
let confirmEmbedder = () => {};
const embedded = new Promise<void>((resolve) => (confirmEmbedder = resolve));
// notHere is set once the server said the channel does not run on this site.
let notHere = false;
const locale = pickLocale([params.get("locale") || undefined, ...(navigator.languages || [])]);
// The other languages: chunks, only the visitor's is loaded.
const others: Record<Exclude<Locale, "en">, () => Promise<{ default: Strings }>> = {
  de: () => import("./strings/de"),
  it: () => import("./strings/it"),
  fr: () => import("./strings/fr"),
  pl: () => import("./strings/pl"),
};

/** strings are the chat window's texts in l: English at once, another language once its chunk is here, English if it cannot load. */
async function strings(l: Locale): Promise<Strings> {
  return l === "en" ? english : others[l]().then((m) => m.default, () => english);
}

// Nothing is drawn before the visitor's language is here (English needs no
// chunk): the window never shows English first and then switches.
const t = await strings(locale);
document.documentElement.lang = t.lang;
const tokenKey = "parley.visitor." + channel;
const captureKey = "parley.contact." + channel;

// ---------------------------------------------------------------- state

let token = "";
// identified is the site's user's token once identify succeeded: kept in
// this page only, never in localStorage (see identify).
let identified = "";
// identifying is set while an identify is answered; identified settles
// when it is.
let identifying = false;
let identifyDone: Promise<unknown> = Promise.resolve();
let visitorId = "";
let conv: VisitorConversation | null = null;
let messages = new Map<number, Message>();
// Every seq up to through is held or is an agents' note, which the visitor
// never gets: a resume answer holds every visible message up to its last.
let through = 0;
let pending: Pending[] = [];
// cfg is the channel's public config: from the loader (which fetches it
// again every minute and when availability changes), or read at start.
let cfg: Partial<WidgetConfig> = {};
// away is true while the channel's team is unavailable.
let away = false;
let visible = false;
// starting settles once the first session is known and the socket is on
// its way (see begin); begun settles when they are asked for.
let starting: Promise<void> | undefined;
let began = () => {};
const begun = new Promise<void>((resolve) => (began = resolve));
let typingTimer: ReturnType<typeof setTimeout> | undefined;
let typingSentAt = 0;
let agentTypingTimer: ReturnType<typeof setTimeout> | undefined;
// After a reconnect, pending messages wait for the resume answer: by then
// this connection follows the conversation and hears their echo.
let resuming = false;
// botStart is the client id of the bot's start once it went out, until it
// is answered (a retry reuses it, and the server answers with the
// conversation it started). botOff is set once the server refused to
// start a bot (the channel's flow is no bot any more): live chat for this
// page view. opened is the conversation that start gave: the opening shown
// stands in for its entries until they are here.
let botStart = "";
let botOff = false;
let opened = "";
// The outbox: what the visitor wrote and is not sent yet outlives a reload
// or a later page of the site in this tab (sessionStorage), kept per
// visitor id ("" before any session), each message for a day from when it
// was written (well within the 7 days a client id keeps a message from
// being stored twice), and sent when the chat window is that visitor
// again. Not kept: files (uploaded for this page) and what waits for an
// identify (whose visitor is not known yet). outbox is what earlier pages
// left and this one has not restored: client id, text, time written.
const outboxKey = "parley.outbox." + channel;
type Kept = [string, string, number];
let outbox: Record<string, Kept[]> = {};
try {
  const o = JSON.parse(sessionStorage.getItem(outboxKey) || "{}") as Record<string, Kept[]>;
  for (const v in o) {
    const m = o[v].filter((k) => Date.now() - k[2] < 864e5);
    if (m.length) outbox[v] = m;
  }
} catch {
  // Storage blocked: nothing kept.
}
// capture is the email capture (capture.ts, a chunk) once loaded.
let capture: EmailCapture | undefined;
let captureChunk: Promise<EmailCapture> | undefined;

// ---------------------------------------------------------------- view

const headAvatar = h("span", { class: "head-avatar" });
const headName = h("h1", { class: "head-name", id: "title" });
const headSub = h("p", { class: "head-sub" });
const mailBtn = h("button", { class: "icon-btn", type: "button", "aria-label": t.emailAsk, title: t.emailAsk, onclick: () => void loadCapture().then((c) => c.ask(), () => undefined) }, svg(mailIcon, 20));
const minimize = h("button", { class: "icon-btn minimize", type: "button", "aria-label": t.minimize, title: t.minimize, onclick: () => toParent({ type: "close" }) }, svg(downIcon, 22));
const header = h("header", { class: "head" }, headAvatar, h("div", { class: "head-text" }, headName, headSub), mailBtn, minimize);

const log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": t.messages, tabindex: "0" });
const receipt = h("p", { class: "receipt", role: "status" });
const typing = h("p", { class: "typing", "aria-live": "polite" });
const rows = new Rows();
// stick: new rows scroll the log to its end. Only the visitor scrolling up
// unsticks it, and reaching the end again sticks it: neither the smooth
// scroll to a row that came a moment ago nor a bar appearing below the
// log (the saved address, files) leaves the next rows out of sight.
let stick = true;
let lastTop = 0;
log.addEventListener("scroll", () => {
  if (log.scrollHeight - log.scrollTop - log.clientHeight < 40) stick = true;
  else if (log.scrollTop < lastTop) stick = false;
  lastTop = log.scrollTop;
});
const notice = h("p", { class: "notice", role: "status", hidden: true }, t.offline);
const startNew = h("button", { class: "start-new", type: "button", onclick: () => newConversation() }, t.startNew);
const ended = h("div", { class: "ended", hidden: true }, h("p", {}, t.ended), startNew);

const input = h("textarea", { class: "input", rows: "1", placeholder: t.placeholder, "aria-label": t.placeholder, maxlength: "5000" });
const sendBtn = h("button", { class: "send", type: "submit", "aria-label": t.send, title: t.send }, svg(sendIcon, 20));
const app = h("main", { class: "app", "aria-labelledby": "title", "data-drop": t.drop });
const attach = new Attach({
  // A file's slot is the visitor's: asked for once an identify under way
  // has said who that is.
  ask: async (filename, size) => {
    await begin();
    while (identifying) await identifyDone;
    return api<UploadSlot>("POST", "/widget/uploads", { conversationId: conv?.status === "open" ? conv.id : undefined, filename, size });
  },
  locale, t, drops: app, input, changed: () => undefined,
});
const composer = h("form", { class: "composer" }, attach.button, attach.picker, input, sendBtn);
const powered = h("p", { class: "powered", hidden: true }, t.poweredBy);
const fetchFile = (conversationId: string, a: { id: string }) => api<Download>("POST", `/widget/conversations/${conversationId}/attachments/${encodeURIComponent(a.id)}`);

app.append(header, notice, log, receipt, typing, ended, attach.tray, composer, powered);
document.body.append(app);
try {
  // A saved address shows in the bar above the composer.
  if ((JSON.parse(localStorage.getItem(captureKey) || "{}") as { email?: string }).email) loadCapture().catch(() => undefined);
} catch {
  // Storage blocked: nothing saved to show.
}

function setHeader(): void {
  const b = conv?.assignee;
  // The bot's name and picture while it holds the conversation (and, on a
  // channel whose flow is a bot, before it starts one); the agent's once
  // someone owns it.
  const bot = b ? undefined : conv ? conv.bot : botFlow() ? cfg.flow?.bot || { name: "" } : undefined;
  const who = b || bot;
  const name = who?.name || cfg.teamName || "Chat";
  headName.textContent = name;
  headSub.textContent = b ? cfg.teamName || "" : bot ? t.botSub : away ? t.awayNow : replyTime(t, cfg.typicalReplyTime);
  const url = who ? who.avatarUrl : cfg.teamAvatarUrl;
  // The avatar is drawn again only when it changes, so a picture does not reload.
  if (headAvatar.dataset.sig !== name + url) {
    headAvatar.dataset.sig = name + url;
    headAvatar.replaceChildren(avatar(name, url, "avatar lg"));
  }
}

/** config takes the channel's config: its look, and whether its team is available. */
function config(c: WidgetConfig): void {
  cfg = c;
  away = c.available === false;
  if (/^#[0-9a-f]{6}$/i.test(c.color)) document.documentElement.style.setProperty("--c", c.color);
  powered.hidden = !c.poweredBy;
  render();
}

/** botFlow tells whether the window's flow is a bot that starts the conversations. */
function botFlow(): boolean {
  return cfg.flow?.kind === "bot" && !botOff;
}

/** opening is the bot's opening (the config's) as its conversation will hold it: the welcome, what follows up to the first question, seq 1 on. */
function opening(): Message[] {
  const f = cfg.flow;
  const texts = [f?.welcome || "", ...(f?.opening || [])].filter((x) => x);
  const author: Author = { type: "bot", name: "", ...f?.bot };
  return texts.map((body, i): Message => ({ conversationId: "", seq: i + 1, kind: "text", author, body, createdAt: "", ask: i === texts.length - 1 ? f?.ask : undefined }));
}

function time(iso: string): string {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? "" : d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
}

function eventText(m: Message): string {
  const name = m.event?.agentName || m.author.name || "";
  switch (m.event?.type) {
    case "assigned":
      return fill(t.joined, name);
    case "taken_over":
      return fill(t.tookOver, name);
    case "unassigned":
      return fill(t.left, name);
    case "closed":
      return m.event.reason === "inactivity" ? t.closedInactive : t.closed;
    case "reopened":
      return t.reopened;
  }
  return "";
}

function bubble(text: string, mine: boolean, author: Author | null, at: string, state: string, files?: HTMLElement): HTMLElement {
  const body = text ? h("div", { class: "bubble" }) : null;
  if (body) renderText(body, text);
  const who = mine ? t.you : author?.name || cfg.teamName || "";
  return h("div", { class: "row " + (mine ? "mine" : "theirs") + (state ? " " + state : "") },
    mine ? null : avatar(who, author?.avatarUrl, "avatar sm"),
    h("div", { class: "stack" }, h("span", { class: "sr" }, fill(t.agentSaid, who)), body, files,
      // A refused message says so in words too, not only by its outline.
      state.includes("refused") ? h("span", { class: "sr" }, t.refused) : null,
      at ? h("time", { class: "meta", datetime: at }, time(at)) : null));
}

// stored turns the row of a message on its way into the row of the
// message stored, in place: its files can be opened, and it has its time.
function stored(row: HTMLElement, m: Message): HTMLElement {
  row.classList.remove("pending");
  const stack = row.querySelector(".stack")!;
  const files = stack.querySelector(".files");
  if (m.attachments?.length) {
    const list = fileList(m.conversationId, m.attachments, fetchFile, t);
    if (files) files.replaceWith(list);
    else stack.append(list);
  } else files?.remove();
  if (m.createdAt) stack.append(h("time", { class: "meta", datetime: m.createdAt }, time(m.createdAt)));
  return row;
}

function render(): void {
  setHeader();
  // The bot's opening is shown while no conversation is. In the one its
  // start gave, it stands in for the entries not here yet (they come one
  // frame each) until the visitor's answer is, and the entries take its
  // rows over (same key, same text): nothing flickers, and a screen
  // reader does not hear it twice.
  const botFirst = !conv && botFlow();
  const lead = botFirst || (conv && conv.id === opened) ? opening() : [];
  const stand = botFirst || ![...messages.values()].some((m) => m.author.type === "visitor") ? lead.filter((m) => !messages.has(m.seq)) : [];
  const sorted = [...messages.values(), ...stand].sort((a, b) => a.seq - b.seq);
  // A conversation the bot took part in carries its welcome and asks what
  // it needs (the address too) itself, and so does its opening. Otherwise,
  // while away, the greeting is the away message, and the email prompt
  // follows it at once: the answer will come by email.
  const botConv = !!conv?.bot || sorted[0]?.author.type === "bot" || botFirst;
  const awayNow = away && !botConv;
  const greeting = botConv ? "" : awayNow ? cfg.away?.message || t.awayText
    : (cfg.flow?.kind === "live" && cfg.flow.welcome) || cfg.greeting || t.greeting;
  const author: Author = { type: "system", name: cfg.teamName, avatarUrl: cfg.teamAvatarUrl };
  const out: HTMLElement[] = [];
  if (greeting) out.push(rows.row("greeting", awayNow + greeting + "\n" + author.name + author.avatarUrl, () => bubble(greeting, false, author, "", awayNow ? "greeting away" : "greeting")));
  let asked = awayNow && wanted(true);
  if (asked) out.push(capture!.card);
  let last: "mine" | "theirs" | "" = "";
  let lastMineSeq = 0;
  let wrote = false;
  for (const m of sorted) {
    if (m.kind === "event" && m.event?.type === "warning") {
      // The inactivity warning: a notice of the system, not an agent's bubble.
      const text = m.body || t.warning;
      out.push(rows.row("m" + m.seq, text, () => h("div", { class: "warn", role: "note" }, svg(clockIcon, 18), h("p", {}, text))));
      continue;
    }
    if (m.kind === "event") {
      const text = eventText(m);
      if (text) out.push(rows.row("m" + m.seq, text, () => h("p", { class: "event" }, text)));
      continue;
    }
    const mine = m.author.type === "visitor";
    last = mine ? "mine" : "theirs";
    if (mine) lastMineSeq = m.seq;
    const ours = m.seq <= lead.length;
    // The visitor's own message, stored, keeps the row it was shown in
    // while it went: a screen reader does not hear it twice.
    const went = mine && m.clientId ? rows.drawn("p" + m.clientId) : undefined;
    if (went) {
      out.push(rows.row("p" + m.clientId, "stored", () => stored(went, m)));
    } else out.push(rows.row((ours ? "o" : "m") + m.seq, ours ? m.body || "" : "", () => bubble(m.body || "", mine, m.author, m.createdAt, "", m.attachments?.length ? fileList(m.conversationId, m.attachments, fetchFile, t) : undefined)));
    // The email prompt follows the visitor's first message.
    if (mine && !wrote && !asked && !botConv && wanted(conv?.status === "open")) {
      out.push(capture!.card);
      asked = true;
    }
    wrote ||= mine;
  }
  const shown = pending.filter((p) => !p.conversationId || !conv || p.conversationId === conv.id);
  // A refused message is no answer on its way: the question stays open.
  const replies = botReplies(sorted, botConv, shown.some((p) => !p.refused));
  if (replies) out.push(replies);
  const asking = surveyCard(sorted);
  if (asking) out.push(asking);
  for (const p of shown) {
    const files = p.files?.length ? sentList(p.files, t) : undefined;
    out.push(rows.row("p" + p.clientId + (p.refused ? "r" : ""), p.files ? "f" : "", () => bubble(p.body, true, null, "", p.refused ? "pending refused" : "pending", files)));
  }
  if (capture?.open) out.push(capture.card);
  rows.done();
  reconcile(log, out);
  keep();
  if (stick || shown.length) log.scrollTop = log.scrollHeight;
  receipt.textContent = shown.some((p) => p.refused) ? t.refused : shown.length ? (live.connected ? t.sending : t.failed)
    : last === "mine" && conv ? (conv.agentReadSeq >= lastMineSeq ? t.seen : t.sent) : "";
  const closed = conv?.status === "closed";
  const listed = renderPast();
  log.hidden = listed;
  ended.hidden = !closed || listed;
  composer.hidden = closed || listed || notHere;
}

// The email capture's card and bar (capture.ts, a chunk): loaded the first
// time the card may be wanted (the team away, the visitor's first message),
// when the visitor asks for it, on the bot's email step, or at start when
// an address was saved (the bar shows it).
function loadCapture(): Promise<EmailCapture> {
  return captureChunk ||= import("./capture").then(({ EmailCapture }) => {
    capture = new EmailCapture({
      t, fill, key: captureKey, icon: (size) => svg(mailIcon, size),
      save: async (email) => {
        await begin();
        return (await api<Answers["PUT /widget/contact"]>("PUT", "/widget/contact", { email })).contact;
      },
      changed: () => {
        render();
        if (capture?.open) capture.card.scrollIntoView({ block: "nearest" });
      },
    });
    attach.tray.before(capture.bar);
    render();
    return capture;
  }, (e) => {
    // Not loaded (offline): the next drawing tries again.
    captureChunk = undefined;
    throw e;
  });
}

// wanted says whether the email card belongs in the conversation now
// (visitorWrote: the visitor wrote in an open conversation); it is never
// wanted before its chunk is here, and loading it draws again.
function wanted(visitorWrote: boolean): boolean {
  if (!capture) {
    if (visitorWrote) loadCapture().catch(() => undefined);
    return false;
  }
  return !capture.open && capture.shown(visitorWrote);
}

// The satisfaction survey (survey.ts, a chunk): loaded once a conversation
// shown closed with the survey on (its close event says so), and shown
// below it with the current rating, which the visitor may change.
let survey: Survey | undefined;
let surveyChunk: Promise<void> | undefined;

function surveyCard(sorted: Message[]): HTMLElement | null {
  if (conv?.status !== "closed") return null;
  let asked = false;
  let rating: Rating | undefined;
  for (const m of sorted) {
    if (m.event?.type === "closed" && m.event.survey) asked = true;
    if (m.event?.type === "rated") rating = m.event.rating;
  }
  if (!asked) return null;
  surveyChunk ||= import("./survey").then(({ Survey }) => {
    survey = new Survey(t, (id, score, comment) =>
      api<Answers["PUT /widget/conversations/{id}/rating"]>("PUT", `/widget/conversations/${encodeURIComponent(id)}/rating`, { score, comment }).then((r) => r.rating));
    render();
  }, () => {
    // Not loaded (offline): the next drawing tries again.
    surveyChunk = undefined;
  });
  survey?.show(conv.id, rating);
  return survey ? survey.card : null;
}

// The bot's questions (bot.ts, a chunk): loaded on a channel whose flow
// is a bot, or for a conversation a bot took part in; it returns the open
// question's buttons and sets the composer for the answer.
let bot: Bot | undefined;
let botChunk: Promise<void> | undefined;

function botReplies(sorted: Message[], botConv: boolean, answering: boolean): HTMLElement | null {
  if (!botConv && !botFlow()) return bot ? bot.render([], false, false) : null;
  botChunk ||= import("./bot").then(({ Bot }) => {
    bot = new Bot({ t, input, composer, capture: loadCapture, answer: (text) => post(text) });
    render();
  }, () => {
    // Not loaded (offline): the next drawing tries again.
    botChunk = undefined;
  });
  return bot ? bot.render(sorted, !conv || conv.status === "open", answering) : null;
}

// ---------------------------------------------------------------- parent page

function toParent(msg: object): void {
  if (parentOrigin && window.parent !== window) window.parent.postMessage({ parley: 1, ...msg }, parentOrigin);
}

addEventListener("message", (e: MessageEvent) => {
  if (e.source !== window.parent || e.origin !== parentOrigin) return;
  const d = e.data as { parley?: number; type?: string };
  if (!d || d.parley !== 1) return;
  confirmEmbedder();
  if (d.type === "open") {
    visible = true;
    if (!composer.hidden) input.focus();
    else startNew.focus();
    markRead();
  } else if (d.type === "hidden") {
    visible = false;
  } else if (d.type === "config") {
    config((d as { config: WidgetConfig }).config);
  } else if (d.type === "site") {
    said = d as Record<string, unknown>;
    // A message written before the chunk is here waits for the identify.
    if (!site && !siteFailed && said.identity) identifying = true;
    reportPage();
  }
});

addEventListener("keydown", (e) => {
  if (e.key === "Escape") toParent({ type: "close" });
});

// ---------------------------------------------------------------- API

async function api<T>(method: string, path: string, body?: object): Promise<T> {
  const headers: Record<string, string> = {};
  // Without a token (the page's first session) the JSON goes as a simple
  // request's text: no CORS preflight, one round trip fewer on open. The
  // API reads JSON whatever the type, and checks the Origin either way.
  if (token) headers.authorization = "Bearer " + token;
  if (body && token) headers["content-type"] = "application/json";
  // A request that hangs (the network went away under it) fails after
  // 15 s, so what waits on it (an identify, a session) is tried again
  // rather than held for good. Browsers without AbortSignal.timeout wait.
  const r = await fetch(env.httpApi + path, { method, headers, body: body ? JSON.stringify(body) : undefined, credentials: "omit", signal: AbortSignal.timeout?.(15e3) });
  if (!r.ok) throw Object.assign(new Error(`${method} ${path}: ${r.status}`), { status: r.status });
  return (await r.json()) as T;
}

/**
 * refused passes an API error on; a 403 (the channel does not run on this
 * site, since an admin took it off the list) also ends the chat here and
 * says why.
 */
function refused(e: unknown): never {
  if ((e as { status?: number }).status === 403 && !notHere) {
    notHere = true;
    live.stop();
    notice.textContent = t.notHere;
    notice.hidden = false;
    composer.hidden = true;
  }
  throw e;
}

// given is the socket ticket the last session brought, for the visitor
// token it came with.
let given: { ticket: string; token: string; at: number } | null = null;

/** savedToken is this browser's visitor token for the channel, "" when it has none. */
function savedToken(): string {
  try {
    return localStorage.getItem(tokenKey) || "";
  } catch {
    return "";
  }
}

async function session(): Promise<void> {
  const asUser = identified;
  const saved = asUser || savedToken();
  await embedded;
  const s = await api<VisitorSession>("POST", "/widget/session", { channelId: channel, visitorToken: saved || undefined, embedder: parentOrigin }).catch(refused);
  // An identify answered meanwhile: this session is of the visitor it
  // replaced.
  if (identified !== asUser) return;
  if (visitorId && s.visitorId !== visitorId) {
    // Not the visitor this window showed (its identification was revoked):
    // none of its conversations stay on screen, and what it did not send
    // waits for a page that is that visitor again.
    conv = null;
    messages = new Map();
    through = 0;
    park(pending);
    // What waits for an identify under way waits on: its answer decides.
    pending = pending.filter((p) => p.held);
  }
  token = s.visitorToken;
  given = s.ticket ? { ticket: s.ticket, token, at: Date.now() } : null;
  visitorId = s.visitorId;
  restore();
  convs = [...s.conversations];
  if (asUser) {
    identified = token;
  } else {
    try {
      localStorage.setItem(tokenKey, token);
    } catch {
      // Storage may be blocked; the chat still works for this page view.
    }
  }
  if (!conv && s.conversations.length) conv = s.conversations[0];
}

// identify continues as the host site's user (its signed id): the
// conversations of that user's contact, from any device. A refused
// signature changes nothing: the visitor stays who it was. What the
// visitor writes while the identify is answered waits for the answer and
// goes as whoever it says the visitor is: never into the anonymous
// visitor's conversation, which the next person on this browser would see.
let identifyGen = 0;
async function identify(a: Assertion): Promise<void> {
  const gen = ++identifyGen;
  identifying = true;
  let s: VisitorSession | null;
  // The session on its way, if any, first; not again on a retry: a
  // session asked for since waits for this identify.
  await starting;
  for (let wait = 1e3; ; wait = Math.min(2 * wait, 3e4)) {
    try {
      s = await api("POST", "/widget/identify", { channelId: channel, embedder: parentOrigin, ...a });
      break;
    } catch (e) {
      // Refused: the visitor stays who it was. Unanswered (offline, a
      // busy or failing server, the page being left), it is tried again,
      // and what waits for it waits on: it never goes as the visitor the
      // window was only because no answer came.
      const status = (e as { status?: number }).status;
      if (gen !== identifyGen) return;
      if (status === 403) {
        try {
          refused(e);
        } catch {
          // The chat ends here: what waits for the identify goes nowhere.
        }
        return;
      }
      if (status && status < 500 && status !== 429) {
        s = null;
        break;
      }
      await new Promise((go) => setTimeout(go, wait));
      if (gen !== identifyGen) return;
    }
  }
  // A newer identify of the site supersedes this one: its answer decides.
  if (gen !== identifyGen) return;
  identifying = false;
  const held = pending.filter((p) => p.held);
  for (const p of held) p.held = false;
  // Already this user's visitor (a site identifies on every page), or
  // refused: the chat goes on as it is.
  if (s) token = identified = s.visitorToken;
  if (!s || s.visitorId === visitorId) {
    restore();
    render();
    pump();
    return;
  }
  // The user's token lives in this page only: the site identifies on
  // every page its user is signed in on, and whoever uses the browser after
  // the user signed out of the site starts from the anonymous token.
  park(pending.filter((p) => !held.includes(p)));
  visitorId = s.visitorId;
  conv = s.conversations[0] || null;
  messages = new Map();
  convs = [...s.conversations];
  // The page's attributes describe the user too.
  site?.forgetAttributes();
  through = 0;
  // What the anonymous visitor sent stays theirs.
  for (const p of held) p.conversationId = conv?.status === "open" ? conv.id : undefined;
  pending = held;
  restore();
  render();
  live.renew();
  // On a bot's page the socket may wait for the visitor's first answer;
  // the user's conversations are theirs to see at once.
  void begin();
}

// setAttributes stores what the page set with Parley.setAttributes, as the
// visitor the window is (after an identify under way), once there is one:
// a visitor who only looked at a bot's opening leaves nothing. Refused
// values change nothing; the page may set them again.
async function setAttributes(attributes: object): Promise<void> {
  try {
    await begun;
    await starting;
    await identifyDone;
    await api("PUT", "/widget/attributes", { attributes });
  } catch {
    // Nothing to show the visitor: attributes are for the agents.
  }
}

// What the loader last said of the host page. site.ts, a chunk, makes
// sense of it once there is something to do: the site identifies its user
// or sets attributes, or a conversation is open to report the page for.
let said: Record<string, unknown> | null = null;
let site: Site | undefined;
let siteChunk: Promise<void> | undefined;
// siteFailed is set once the chunk failed to load: from then on what the
// visitor writes goes as the visitor the window is, not held for an
// identify that may never come (the chunk is tried again all the same).
let siteFailed = false;

// reportPage acts on what the site said: an identify or attributes that
// are new, and the page, for the conversation shown while it is open.
function reportPage(): void {
  const open = conv?.status === "open";
  if (!site && !open && !said?.identity && JSON.stringify(said?.attributes || {}) === "{}") return;
  siteChunk ||= import("./site").then(({ Site }) => {
    site = new Site((f) => live.send(f));
  }, () => {
    // Not loaded (offline, or gone after a deploy): the next word of the
    // loader tries again, and what was held goes now.
    siteChunk = undefined;
    siteFailed = true;
    identifying = false;
    for (const p of pending) p.held = false;
    pump();
    render();
  });
  void siteChunk.then(() => {
    if (!site) return;
    const news = said ? site.seen(said) : {};
    if (news.identify) identifyDone = identify(news.identify);
    if (news.attributes) void setAttributes(news.attributes);
    site.report(conv?.status === "open" ? conv.id : undefined);
  });
}

// The visitor's conversations, newest first; with more than one, the list
// of them (history.ts, a chunk: most visitors never have two) joins the
// header.
let convs: VisitorConversation[] = [];
let past: History | undefined;
let pastChunk: Promise<void> | undefined;

function remember(c: VisitorConversation): void {
  convs = [c, ...convs.filter((x) => x.id !== c.id)].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

// renderPast draws the list's button (loading it the first time there is
// more than one conversation) and says whether the list is shown.
function renderPast(): boolean {
  if (!pastChunk && (convs.length > 1 || (convs.length === 1 && convs[0].id !== conv?.id))) {
    pastChunk = import("./history").then(({ History }) => {
      past = new History(locale, showPast, render);
      header.insertBefore(past.button, mailBtn);
      app.insertBefore(past.panel, log);
      render();
    });
  }
  past?.render(convs, conv?.id);
  return !!past?.open;
}

// showPast shows one of the visitor's conversations from the list.
function showPast(c: VisitorConversation): void {
  if (conv?.id !== c.id) {
    adopt(c);
    live.send({ action: "resume", conversationId: c.id, afterSeq: 0 });
  }
  render();
}

const live = new Live<VisitorFrame>({
  url: env.webSocket,
  ticket: async () => {
    if (!token) await session();
    // The session's own ticket, once, while it is the visitor's and
    // fresh (tickets last 60 s): one request and round trip fewer on open.
    const g = given;
    given = null;
    if (g && g.token === token && Date.now() - g.at < 3e4) return g.ticket;
    try {
      return (await api<Ticket>("POST", "/widget/ticket", { embedder: parentOrigin }).catch(refused)).ticket;
    } catch (e) {
      // Refused with 401, the token was rotated away or the site revoked
      // its user's: start a fresh session, as this browser's own visitor.
      // Any other failure (offline, busy, a 5xx) keeps the token: the
      // socket backs off and tries again as the same visitor, never as the
      // anonymous one (see identify).
      if ((e as { status?: number }).status === 401) {
        if (token === identified) identified = "";
        token = "";
      }
      throw e;
    }
  },
  onOpen: () => {
    notice.hidden = true;
    resuming = !!conv;
    if (conv) {
      live.send({ action: "resume", conversationId: conv.id, afterSeq: lastSeq() });
      // A resume never answered (its function failed) does not hold the
      // queue.
      setTimeout(() => resuming && ((resuming = false), flush()), 1e4);
    } else flush();
    reportPage();
    render();
  },
  onState: (up) => {
    // A short blip shows nothing; only a lasting outage is announced.
    if (!up) setTimeout(() => (notice.hidden = live.connected), 2500);
  },
  onFrame,
});

function lastSeq(): number {
  let n = through;
  while (messages.has(n + 1)) n++;
  return n;
}

function flush(): void {
  pump(true);
}

// restore queues what earlier pages kept for the visitor this page now
// is, and what they wrote before any session when it is the browser's own
// visitor, not a user the site identified (the same client ids: what went
// already is stored once). Never while an identify is answered.
function restore(): void {
  if (identifying || !visitorId) return;
  const back: Pending[] = [];
  for (const v of identified ? [visitorId] : [visitorId, ""]) {
    for (const [clientId, body, at] of outbox[v] || []) if (![...pending, ...back].some((p) => p.clientId === clientId)) back.push({ clientId, body, at });
    delete outbox[v];
  }
  // They were written before what this page wrote and has not sent: they
  // go first, after what is on its way.
  let i = pending.length;
  while (i && !pending[i - 1].sent) i--;
  pending.splice(i, 0, ...back);
}

// unsent is what of ps the outbox keeps.
function unsent(ps: Pending[]): Kept[] {
  return ps.filter((p) => !p.files && !p.waiting && !p.refused && !p.held).map((p) => [p.clientId, p.body, p.at || Date.now()]);
}

// park sets ps aside for the visitor the window is, before it becomes
// another: a later page that is that visitor again sends them.
function park(ps: Pending[]): void {
  const m = unsent(ps);
  if (m.length) outbox[visitorId] = [...(outbox[visitorId] || []), ...m];
}

// keep stores the outbox: what earlier pages left and this one has not
// restored, and this visitor's unsent messages. It runs with every
// drawing and writes only when that changed.
let written = "";
function keep(): void {
  const m = [...(outbox[visitorId] || []), ...unsent(pending)];
  const all = { ...outbox, [visitorId]: m };
  if (!m.length) delete all[visitorId];
  const json = JSON.stringify(all);
  if (json === written) return;
  written = json;
  try {
    sessionStorage.setItem(outboxKey, json);
  } catch {
    // Storage blocked: the outbox lives as long as the page.
  }
}

// One message in flight per socket, the next once it is answered: API
// Gateway runs a socket's frames concurrently, so only this keeps them in
// the order written (and tells the second message the conversation the
// first one started). again resends the one in flight (after a reconnect,
// or when its answer is overdue: a lost push must not hold the queue).
function pump(again = false): void {
  if (!conv && botFlow()) {
    // The bot's conversation starts with the visitor's first answer to its
    // opening (as the visitor the site's identify makes it); the answer
    // goes to it once it is here.
    if (identifying || !pending.some((q) => !q.refused) || (botStart && !again)) return;
    const id = botStart || uuid();
    if (!live.send({ action: "startBot", clientId: id, flowId: cfg.flow?.id } satisfies StartBotAction)) return;
    botStart = id;
    watch(() => !conv);
    return;
  }
  // Nothing goes before the socket is open (it sends on opening), so a
  // message fixes its conversation once the session has told which one
  // is open.
  const p = pending.find((q) => !q.held && !q.refused);
  if (!p || p.waiting || (p.sent && !again) || !live.connected) return;
  if (!p.sent) p.conversationId = conv && conv.status === "open" ? conv.id : undefined;
  p.sent = true;
  live.send(out(p));
  watch(() => pending.includes(p));
}

// watch resends what went while waiting says it is unanswered: after 30 s
// (a lost push must not hold the queue), or at once on a new socket.
// Nothing heard 5 s after it went may mean a socket that died unseen (a
// phone or a laptop that slept): it takes frames and delivers none. A
// ping that brings nothing back within 5 s more replaces it; the new
// socket resends.
function watch(waiting: () => boolean): void {
  clearTimeout(overdue);
  overdue = setTimeout(() => waiting() && pump(true), 30000);
  const h = heard;
  setTimeout(() => waiting() && heard === h && live.send({ action: "ping" }) && setTimeout(() => heard === h && live.renew(), 5e3), 5e3);
}
let overdue: ReturnType<typeof setTimeout> | undefined;
// heard counts the frames received.
let heard = 0;

// out is a pending message's frame.
function out(p: Pending) {
  return { action: "sendMessage" as const, clientId: p.clientId, conversationId: p.conversationId, body: p.body, attachments: p.files?.map((f) => f.ref) };
}

function adopt(c: VisitorConversation): void {
  if (conv?.id !== c.id) {
    messages = new Map();
    through = 0;
  }
  conv = c;
  // A start of the bot answered (or overtaken): the next one is another.
  botStart = "";
}

// fresher is the state to keep of a conversation a frame tells of. Pushes
// come in any order: a state whose lastSeq is below the held one's is
// older (an agent's read pushed before the close that came after it) and
// the held one stays, or the window would show a closed conversation
// open again. Each read marker is the higher of the two: the server keeps
// the visitor's apart, and a pushed conversation may carry a lower one,
// which would have the window send reads it sent already.
function fresher(c: VisitorConversation): VisitorConversation {
  const held = conv?.id === c.id ? conv : convs.find((x) => x.id === c.id);
  if (!held) return c;
  return { ...(c.lastSeq < held.lastSeq ? held : c), agentReadSeq: Math.max(c.agentReadSeq, held.agentReadSeq), visitorReadSeq: Math.max(c.visitorReadSeq, held.visitorReadSeq) };
}

function onFrame(f: VisitorFrame): void {
  heard++;
  if (f.type === "message" || f.type === "conversation") f.conversation = fresher(f.conversation);
  switch (f.type) {
    case "message": {
      const m = f.message;
      const mine = pending.some((p) => p.clientId === m.clientId);
      const started = !!m.clientId && m.clientId === botStart;
      if (started) opened = f.conversationId;
      // other: a thread another tab of this visitor started. Only its
      // first message reaches this tab, which is not subscribed to it: a
      // resume subscribes it and brings what followed, as after a
      // reconnect.
      let other = false;
      if (conv?.id !== f.conversationId) {
        // A new thread: ours, or one another tab of this visitor started.
        if (!mine && conv && conv.createdAt >= f.conversation.createdAt) return;
        adopt(f.conversation);
        other = !mine && !started;
      } else {
        conv = f.conversation;
      }
      remember(f.conversation);
      reportPage();
      pending = pending.filter((p) => p.clientId !== m.clientId);
      pump();
      messages.set(m.seq, m);
      if (m.author.type === "agent") {
        typing.textContent = "";
        if (m.kind === "text") toParent({ type: "message", author: "agent" });
      }
      render();
      markRead();
      if (other || lastSeq() < m.seq - 1) live.send({ action: "resume", conversationId: m.conversationId, afterSeq: lastSeq() });
      break;
    }
    case "messages": {
      if (conv?.id !== f.conversationId) return;
      // A close or reopen while the socket was down: the page tells.
      const c = settled(conv, f.messages);
      if (c !== conv) {
        conv = c;
        remember(c);
      }
      for (const m of f.messages) {
        messages.set(m.seq, m);
        pending = pending.filter((p) => p.clientId !== m.clientId);
        through = Math.max(through, m.seq);
      }
      if (f.hasMore) live.send({ action: "resume", conversationId: f.conversationId, afterSeq: lastSeq() });
      else if (resuming) {
        resuming = false;
        flush();
      } else pump();
      render();
      markRead();
      break;
    }
    case "conversation":
      if (conv?.id === f.conversation.id) {
        conv = f.conversation;
        render();
      }
      remember(f.conversation);
      break;
    case "typing":
      if (f.author?.type !== "agent" || f.conversationId !== conv?.id) return;
      // An "on" that arrives after the agent's next message is stale (the
      // chat window knows agents by name).
      if (f.on && [...messages.values()].some((m) => m.author.type === "agent" && m.author.name === f.author.name && m.seq > (f.seq ?? Infinity))) return;
      clearTimeout(agentTypingTimer);
      typing.textContent = f.on ? fill(t.typing, f.author.name || cfg.teamName || "") : "";
      if (f.on) agentTypingTimer = setTimeout(() => (typing.textContent = ""), 8000);
      break;
    case "error":
      if (f.clientId && f.clientId === botStart) {
        // The bot's start: the system was busy, it goes again after a
        // while; refused, the chat is live chat.
        if (f.retryable || f.code === "rate_limited") setTimeout(pump, 2000 + 1000 * (f.retryAfter || 0), true);
        else {
          botOff = true;
          flush();
          render();
        }
        break;
      }
      if (resuming && !f.clientId) {
        // The resume was refused (the thread is gone): send what waits anyway.
        resuming = false;
        flush();
      }
      // Over the rate limit: the message stays queued and goes again, with
      // its client id, once the server says the window is over.
      if (f.code === "rate_limited" && f.clientId) {
        const wait = Math.max(1, Number(f.retryAfter) || 5) * 1000;
        setTimeout(() => {
          const p = pending.find((q) => q.clientId === f.clientId);
          if (p) live.send(out(p));
        }, wait);
        break;
      }
      // A write that failed on the system's side (a throttled store) is sent
      // again with the same client id, which stores it once; it waits ever
      // longer, up to 30 s, and the reconnect flush covers a dropped socket.
      if (f.clientId && f.retryable) {
        const p = pending.find((q) => q.clientId === f.clientId);
        if (p) {
          p.retries = (p.retries || 0) + 1;
          setTimeout(() => {
            if (pending.includes(p)) live.send(out(p));
          }, Math.min(30000, 500 * 2 ** p.retries));
          break;
        }
      }
      // A refused message (too long, a reused client id, …) stays shown,
      // marked, and is not sent again; the next one goes.
      const p = f.clientId ? pending.find((q) => q.clientId === f.clientId) : undefined;
      if (p) {
        p.refused = true;
        pump();
        render();
      }
      break;
  }
}

function markRead(): void {
  if (!visible || !conv || document.visibilityState !== "visible") return;
  const seq = lastSeq();
  const read = conv.visitorReadSeq;
  // Reading one's own messages or an event tells the team nothing
  // ("Seen" is under their replies): only a read past a reply goes.
  if (seq > read && [...messages.values()].some((m) => m.seq > read && m.seq <= seq && m.author.type !== "visitor" && m.kind !== "event")) {
    // Not sent (the socket is down): the next socket's resume reads again.
    if (live.send({ action: "read", conversationId: conv.id, seq })) conv.visitorReadSeq = seq;
  }
}
document.addEventListener("visibilitychange", markRead);

function newConversation(): void {
  conv = null;
  messages = new Map();
  through = 0;
  pump();
  render();
  input.focus();
}

// ---------------------------------------------------------------- composing

function send(): void {
  const body = input.value.trim();
  const files = attach.size() > 0;
  if (!body && !files) return;
  if (!files && bot && !bot.check(body)) return;
  input.value = "";
  autosize();
  stopTyping();
  post(body, files);
}

// post sends what the visitor wrote (or the label of a bot's button
// pressed), with the files attached when files is set.
function post(body: string, files = false): void {
  void begin();
  const giving = files ? undefined : bot?.give(body);
  const p: Pending = { clientId: uuid(), body, at: Date.now(), held: identifying, waiting: files || !!giving };
  pending.push(p);
  if (files) {
    // The message waits for its files (and holds the ones after it); those
    // that failed or were cancelled are left out, and a message left with
    // nothing is dropped.
    void attach.take().then((sent) => {
      p.waiting = false;
      p.files = sent;
      if (!p.body && !sent.length) pending = pending.filter((q) => q !== p);
      pump();
      render();
    });
  } else if (giving) {
    void giving.then(() => {
      p.waiting = false;
      pump();
      render();
    });
  } else pump();
  render();
}

function stopTyping(): void {
  clearTimeout(typingTimer);
  if (typingSentAt && conv) live.send({ action: "typing", conversationId: conv.id, on: false });
  typingSentAt = 0;
}

function autosize(): void {
  input.style.height = "auto";
  input.style.height = Math.min(input.scrollHeight, 120) + "px";
}

log.addEventListener("pointerdown", (e) => {
  if ((e.target as Element).closest("button")) void begin();
});
composer.addEventListener("submit", (e) => {
  e.preventDefault();
  send();
});
input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
input.addEventListener("input", () => {
  autosize();
  // A visitor who starts to write (or to press one of the opening's
  // buttons, above) gets the session on its way before sending.
  void begin();
  if (!conv || conv.status !== "open") return;
  const now = Date.now();
  if (input.value && now - typingSentAt > 3000) {
    typingSentAt = now;
    live.send({ action: "typing", conversationId: conv.id, on: true, seq: Math.max(through, ...messages.keys()) });
  }
  clearTimeout(typingTimer);
  typingTimer = setTimeout(stopTyping, input.value ? 4000 : 0);
});

// ---------------------------------------------------------------- start

/**
 * begin makes the first session (unless the visitor already has a token:
 * an identify gave one) and starts the socket, once; it settles when the
 * session is known.
 */
function begin(): Promise<void> {
  began();
  return (starting ||= (async () => {
    // An identify under way gives the session: no anonymous one first.
    await identifyDone;
    if (!token) await session().catch(() => undefined);
    live.start();
  })());
}

async function start(): Promise<void> {
  render();
  toParent({ type: "ready", unread: t.unread });
  // The loader hands over the config it has (answering "ready", its
  // first message); the window reads it itself only when the loader had
  // none.
  await embedded;
  if (!cfg.channelId) {
    const c = await fetch(`${env.httpApi}/widget/config?channelId=${encodeURIComponent(channel)}`, { credentials: "omit" })
      .then((r): Promise<WidgetConfig> | null => (r.ok ? r.json() : null))
      .catch(() => null);
    if (c && !cfg.channelId) config(c);
  }
  // On a bot's channel a browser with no visitor yet has no conversation
  // to resume: the opening comes from the config, and the session waits
  // until the visitor answers (or writes, attaches, gives an address, or
  // the site identifies its user). Looking costs nothing and leaves no
  // visitor behind.
  if (botFlow() && !savedToken() && !outbox[""]) return;
  await begin();
  render();
}

void start();
