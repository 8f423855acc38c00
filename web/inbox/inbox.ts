// The running inbox: it reads over HTTP and listens on the socket, puts
// what it learns into the state, and does what the agent asks. The views
// only read the state and call these methods; nothing here draws.
import { batch, effect, type Signal, signal, untracked } from "@preact/signals";
import { uuid } from "../shared/dom";
import type { Item } from "../shared/upload";
import type { AgentStatus, Attachment, Channel, ContactCard, ContactErasure, Notification, Preferences, ReplyScope, Summary, UploadRef } from "../shared/wire";
import { APIError } from "./api/client";
import type { Action, InboxAPI, ProfileUpdate } from "./api/inbox";
import { AgentSocket } from "./live/socket";
import { Notifier } from "./notify";
import { filterOf, type Route, type Router } from "./router";
import { InboxState } from "./state/inbox";
import type { Filter } from "./state/list";
import { type Alert, wants } from "./state/preferences";
import { alertText, closingText, errorText, exportFileName } from "./text";

let filesChunk: Promise<typeof import("./views/files")> | undefined;
/** files loads the files chunk (previews, cards, the upload tray, the files mailed in) once. */
export const files = () => (filesChunk ||= import("./views/files"));

/** Dialog is a dialog to open over the inbox. */
export type Dialog =
  | { kind: "profile" }
  | { kind: "replies" }
  | { kind: "contact"; conversationId: string; email?: string }
  | { kind: "transcript"; conversationId: string; contact?: string }
  | { kind: "erase"; card: ContactCard }
  | { kind: "preferences" };

/** OpenDialog is the dialog open now; serial tells one opening from the next, so each starts with fresh fields. */
export type OpenDialog = Dialog & { serial: number };

export interface InboxOptions {
  api: InboxAPI;
  router: Router;
  state: InboxState;
  webSocket: string;
  /** signedOut is set when the API refused the session. */
  signedOut: Signal<string | null>;
  /** signOut ends the session at the identity provider (a redirect). */
  signOut: () => void;
  /** ended forgets the session that the server ended, saying why (sets signedOut). */
  ended: (reason: string) => void;
}

export class Inbox {
  readonly state: InboxState;
  readonly router: Router;
  readonly notifier: Notifier;
  readonly dialog = signal<OpenDialog | null>(null);
  readonly signedOut: Signal<string | null>;
  /** now moves every minute, for the list's "5 min" labels. */
  readonly now = signal(Date.now());
  /** focusComposer moves when the reply editor should take the focus (a thread was read). */
  readonly focusComposer = signal(0);
  /** loadingMore is true while "load more" reads. */
  readonly loadingMore = signal(false);
  /** uploads are the files attached to the reply being written, as the tray shows them. */
  readonly uploads = signal<readonly Item[]>([]);
  readonly api: InboxAPI;
  private readonly socket: AgentSocket;
  private readonly signOutAtIssuer: () => void;
  private dialogs = 0;
  private typingIn: string | null = null;
  private typingNote = false;
  private typingSentAt = 0;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  /** following is the thread this socket follows (its resumes subscribed it), and the subscription they named. */
  private following: { id: string; subscription: string } | null = null;
  /** readAsked is the seq each conversation was last asked to be read up to (markRead). */
  private readonly readAsked = new Map<string, number>();
  /** viewing is the conversation this inbox told the server it views. */
  private viewing: string | null = null;
  private viewTimer: ReturnType<typeof setInterval> | undefined;
  /** cardAfter is the open thread whose card waits for its resume's answer. */
  private cardAfter: string | null = null;
  private cardTimer: ReturnType<typeof setTimeout> | undefined;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(o: InboxOptions) {
    this.api = o.api;
    this.signOutAtIssuer = o.signOut;
    this.router = o.router;
    this.state = o.state;
    this.signedOut = o.signedOut;
    this.notifier = new Notifier((id) => this.open(id));
    this.socket = new AgentSocket({
      url: o.webSocket,
      ticket: async () => (await this.api.ticket()).ticket,
      onOpen: () => this.reconnected(),
      onClosing: (reason) => o.ended(closingText(reason)),
      onFrame: (f) => {
        if (f.type === "messages") this.followed(f.conversationId);
        const out = this.state.frame(f);
        if (out.refreshFacts) void this.refreshFacts(true);
        if (out.read) this.markRead(out.read);
        if (out.resumeAfter !== undefined) this.resume(out.resumeAfter);
        if (out.alert) this.alert(out.alert);
        if (out.failure) this.state.notices.fail(out.failure);
        if (out.inboxes) void this.loadInboxes();
        this.sendNext();
      },
    });
  }

  /** start follows the route, reads the list and opens the socket. */
  async start(): Promise<void> {
    effect(() => {
      const r = this.router.route.value;
      untracked(() => this.follow(r));
    });
    document.addEventListener("visibilitychange", () => {
      const s = this.state.thread.summary.peek();
      if (s) this.markRead(s);
      this.view();
    });
    setInterval(() => (this.now.value = Date.now()), 60_000);
    void this.loadInboxes();
    void this.loadNotifications();
    void this.loadPreferences();
    await this.loadList();
    this.socket.start();
  }

  openDialog(d: Dialog): void {
    this.dialog.value = { ...d, serial: ++this.dialogs };
  }

  closeDialog(): void {
    this.dialog.value = null;
  }

  // ------------------------------------------------------------ places

  private follow(r: Route): void {
    if (r.page === "conversation") {
      if (this.state.thread.id.peek() !== r.id) void this.openThread(r.id);
      return;
    }
    this.leaveThread();
    if (r.page === "inbox" && this.state.list.setFilter(filterOf(r))) void this.loadList();
    if (r.page === "quarantine") void this.loadQuarantine();
  }

  /** open shows a conversation; asked for the one shown, it reads it again. */
  open(id: string): void {
    if (!this.router.go({ page: "conversation", id })) void this.openThread(id);
  }

  /** showQuarantine goes to the quarantine; asked there, it reads it again. */
  showQuarantine(): void {
    if (!this.router.go({ page: "quarantine" })) void this.loadQuarantine();
  }

  /**
   * setFilter changes the list. On the list's own page that is a new
   * place (back returns to the last filter); beside an open conversation
   * or another page only the list changes.
   */
  setFilter(change: Partial<Filter>): void {
    const f = { ...this.state.list.filter.peek(), ...change };
    if (this.router.route.peek().page === "inbox") {
      this.router.go({ page: "inbox", ...f });
      return;
    }
    if (this.state.list.setFilter(f)) void this.loadList();
  }

  // ------------------------------------------------------------ reads

  async loadList(): Promise<void> {
    const f = this.state.list.filter.peek();
    const mark = this.state.list.mark();
    try {
      const r = await this.api.conversations(f);
      this.state.list.page(f, r.conversations, mark, r.nextCursor);
    } catch (e) {
      this.state.notices.fail(e);
    }
  }

  /**
   * loadMore reads the conversations below the list's cursor and, at the
   * same time, its first page again: what moved up since the list was
   * read comes with it, so nothing is missed (state/list.ts, more).
   */
  async loadMore(): Promise<void> {
    const { list } = this.state;
    const f = list.filter.peek();
    const cursor = list.next.peek();
    if (!cursor || this.loadingMore.peek()) return;
    const mark = list.mark();
    this.loadingMore.value = true;
    try {
      const [below, head] = await Promise.all([this.api.conversations(f, 100, cursor), this.api.conversations(f)]);
      list.more(f, below.conversations, head.conversations, mark, below.nextCursor || "");
    } catch (e) {
      this.state.notices.fail(e);
    } finally {
      this.loadingMore.value = false;
    }
  }

  /** searchFor takes what the agent types into the search box: the search runs once the typing pauses. */
  searchFor(q: string): void {
    const n = this.state.search.typed(q);
    clearTimeout(this.searchTimer);
    if (n) this.searchTimer = setTimeout(() => void this.runSearch(n, ""), 250);
  }

  /** searchMore reads the older results of the search shown. */
  searchMore(): void {
    const { search } = this.state;
    const n = search.current();
    if (n && search.next.peek() && search.status.peek() !== "searching") void this.runSearch(n, search.next.peek());
  }

  private async runSearch(n: number, cursor: string): Promise<void> {
    const { search } = this.state;
    search.status.value = "searching";
    try {
      search.found(n, await this.api.search(search.query.peek().trim(), cursor), cursor !== "");
    } catch (e) {
      search.failed(n, errorText(e));
    }
  }

  /** loadReplies reads the saved replies, once unless asked again. */
  async loadReplies(again = false): Promise<void> {
    const { replies } = this.state;
    if (replies.loaded.peek() && !again) return;
    try {
      replies.take(await this.api.savedReplies());
    } catch (e) {
      this.state.notices.fail(e);
    }
  }

  async saveReply(scope: ReplyScope, r: { title: string; body: string; category: string }, id?: string): Promise<void> {
    await this.api.saveReply(scope, r, id);
    await this.loadReplies(true);
    this.state.notices.say(`Saved reply "${r.title.trim()}" saved`);
  }

  async deleteReply(scope: ReplyScope, id: string): Promise<void> {
    await this.api.deleteReply(scope, id);
    await this.loadReplies(true);
    this.state.notices.say("Saved reply deleted");
  }

  /** openThread reads a conversation and follows it live. */
  async openThread(id: string): Promise<void> {
    const { thread, notices } = this.state;
    if (thread.id.peek() !== id) this.leave();
    const fresh = thread.open(id);
    if (fresh) {
      this.stopTyping();
      this.unview();
      this.state.email.reset();
      this.state.compose.reset();
    }
    void files().then((f) => f.opened(this, id, fresh));
    this.state.sidebar.open(id);
    try {
      const mark = this.state.list.mark();
      const d = await this.api.conversation(id, 100);
      const shown = this.state.opened(d, mark, fresh);
      this.sendNext();
      if (!shown) return;
      // Follow the open thread: its every message comes live from now on
      // (the rest of the inbox hears only what changes the list), and the
      // answer brings whatever was written since the read above.
      const resumed = this.resume(thread.through.peek());
      this.cardOnceFollowed(id, resumed);
      this.view();
      if (shown.refreshFacts) void this.refreshFacts(true);
      // Once followed, the read names the thread's subscription and this
      // socket is spared its push (followed reads then).
      if (!resumed) this.markRead(shown.summary);
      this.focusComposer.value++;
    } catch (e) {
      if (thread.id.peek() !== id) return;
      if (e instanceof APIError && e.status === 404) thread.missing.value = "This conversation does not exist, or is not in your inboxes.";
      else notices.fail(e);
    }
  }

  /**
   * resume follows the open thread: the socket hears its every message
   * (and typing, pages) until leave. Each opening of a thread names a new
   * subscription, so a leave that the server handles after the thread was
   * opened again (frames of one socket race) leaves the new one alone.
   */
  private resume(afterSeq: number): boolean {
    const id = this.state.thread.id.peek();
    if (!id) return false;
    if (this.following?.id !== id) this.following = { id, subscription: uuid() };
    return this.socket.send({ action: "resume", conversationId: id, afterSeq, subscription: this.following.subscription });
  }

  /**
   * leave stops following the thread being left (still the one shown):
   * what the list needs of it still comes, the rest no longer does. A
   * closed conversation's stream is quiet until a reply reopens it, so
   * leaving it would cost a frame and two writes for next to nothing
   * (docs/cost.md, Fan-out): the socket keeps it until it closes.
   */
  private leave(): void {
    const f = this.following;
    this.following = null;
    if (f && this.state.thread.summary.peek()?.status !== "closed") this.socket.send({ action: "leave", conversationId: f.id, subscription: f.subscription });
  }

  /**
   * cardOnceFollowed reads the sidebar's card once the server answered the
   * open thread's resume: from then on the socket hears the visitor's
   * pages, so a page reported while the card is read is either in it or
   * arrives live (read before, it could fall in between and be lost until
   * the thread is opened again). With the socket down the card is read at
   * once (the reconnect opens the thread again); an answer that does not
   * come within 5 s (the server refused the resume) reads it, and marks
   * the thread read, anyway.
   */
  private cardOnceFollowed(id: string, resumed: boolean): void {
    clearTimeout(this.cardTimer);
    if (!resumed) {
      this.cardAfter = null;
      void this.loadCard(id);
      return;
    }
    this.cardAfter = id;
    this.cardTimer = setTimeout(() => this.followed(id), 5000);
  }

  /** followed reads the card, and marks the thread read, once its resume is answered. */
  private followed(id: string): void {
    if (this.cardAfter !== id) return;
    this.cardAfter = null;
    clearTimeout(this.cardTimer);
    if (this.state.thread.id.peek() !== id) return;
    void this.loadCard(id);
    const s = this.state.thread.summary.peek();
    if (s) this.markRead(s);
  }

  private leaveThread(): void {
    if (this.state.thread.id.peek() === null) return;
    this.stopTyping();
    this.unview();
    this.leave();
    this.state.thread.close();
    this.state.email.reset();
    this.state.sidebar.open(null);
    this.state.compose.reset();
    void files().then((f) => f.clearFiles(this));
  }

  /**
   * view tells the server this inbox views the open thread, while the tab
   * is visible, and again every minute (a viewer that stops saying so
   * drops out of the others' lists); a hidden tab stops viewing. Each
   * "view" is answered with who else views the thread.
   */
  private view(): void {
    const id = this.state.thread.id.peek();
    if (!id || document.hidden || !this.state.thread.summary.peek()) {
      this.unview();
      return;
    }
    if (this.viewing !== id) this.unview();
    this.viewing = id;
    this.socket.send({ action: "view", conversationId: id, on: true });
    clearInterval(this.viewTimer);
    this.viewTimer = setInterval(() => this.view(), 60_000);
  }

  private unview(): void {
    clearInterval(this.viewTimer);
    if (this.viewing) {
      this.socket.send({ action: "view", conversationId: this.viewing, on: false });
      this.state.collision.left(this.viewing);
    }
    this.viewing = null;
  }

  /**
   * refreshFacts reads the open conversation's email facts again (after
   * the visitor came or went, or the address changed); with follow the
   * channel switch takes the server's new suggestion.
   */
  private async refreshFacts(follow: boolean): Promise<void> {
    const id = this.state.thread.id.peek();
    if (!id) return;
    try {
      const mark = this.state.list.mark();
      const d = await this.api.conversation(id, 1);
      // The visitor came or went while the facts were read: read again.
      if (this.state.factsRead(d.conversation, mark, follow) === "again") void this.refreshFacts(follow);
    } catch (e) {
      this.state.notices.fail(e);
    }
  }

  /** loadCard reads who the conversation's visitor is, for the sidebar. */
  private async loadCard(id: string): Promise<void> {
    const { sidebar } = this.state;
    const mark = sidebar.open(id);
    try {
      sidebar.loaded(id, (await this.api.card(id)).card, mark);
    } catch (e) {
      sidebar.failed(id, errorText(e));
    }
  }

  /** loadInboxes reads the names of the agent's inboxes, for the switcher. */
  async loadInboxes(): Promise<void> {
    try {
      this.state.profile.inboxes.value = (await this.api.inboxes()).inboxes;
    } catch (e) {
      this.state.notices.fail(e);
    }
  }

  async loadQuarantine(): Promise<void> {
    const q = this.state.quarantine;
    q.loading();
    try {
      q.loaded((await this.api.quarantine()).mails);
    } catch (e) {
      q.failed(errorText(e));
    }
  }

  /**
   * markRead reads the open thread up to its latest state (the one shown:
   * a frame may bring an older one), once per seq: several frames of one
   * write (a bot's turn) or a late frame ask nothing more.
   */
  private markRead(s: Summary): void {
    const shown = this.state.thread.summary.peek();
    if (shown?.id === s.id && shown.lastSeq >= s.lastSeq) s = shown;
    if (s.id !== this.state.thread.id.peek() || document.hidden || s.agentReadSeq >= s.lastSeq) return;
    if ((this.readAsked.get(s.id) ?? 0) >= s.lastSeq) return;
    const { id, lastSeq } = s;
    this.readAsked.set(id, lastSeq);
    const mark = this.state.list.mark();
    // The socket following this thread gets the answer here, not a push.
    const sub = this.following?.id === id ? this.following.subscription : undefined;
    this.api.read(id, lastSeq, sub).then((r) => this.update(r.conversation, mark), () => {
      // Not read: the next frame or visit asks again.
      if (this.readAsked.get(id) === lastSeq) this.readAsked.delete(id);
    });
  }

  /** update shows a conversation's state answered to a request begun at mark; the suggested channel follows the visitor's presence. */
  private update(s: Summary, mark: number): void {
    if (this.state.answered(s, mark)) void this.refreshFacts(true);
  }

  /** alert announces a to screen readers and, when the agent's preferences ask for it, notifies. */
  private alert(a: Alert): void {
    const prefs = this.state.preferences.prefs.peek();
    this.state.notices.say(alertText(a).title);
    if (wants(prefs, a, this.state.profile.me.peek().id)) this.notifier.alert(a, prefs.sound);
  }

  // ------------------------------------------------------------ notifications and preferences

  /** loadNotifications reads the first page of the agent's notifications (the unread count with it), or with more the next one. */
  async loadNotifications(more = false): Promise<void> {
    const n = this.state.notifications;
    try {
      n.page(await this.api.notifications(more ? n.next.peek() : undefined), !more);
    } catch (e) {
      if (more) this.state.notices.fail(e);
    }
  }

  /** openNotification marks an entry read and opens its conversation. */
  openNotification(n: Notification): void {
    if (!n.read) void this.readNotifications([n.id]);
    this.open(n.conversationId);
  }

  async readNotifications(ids: readonly string[] | "all"): Promise<void> {
    this.state.notifications.read(ids);
    try {
      this.state.notifications.read(ids, (await this.api.readNotifications(ids)).unread);
    } catch (e) {
      this.state.notices.fail(e);
    }
  }

  private async loadPreferences(): Promise<void> {
    try {
      this.state.preferences.prefs.value = await this.api.preferences();
    } catch {
      // The defaults stand until the next sign-in.
    }
  }

  async savePreferences(p: Preferences): Promise<void> {
    this.state.preferences.prefs.value = await this.api.setPreferences(p);
    this.state.notices.say("Notification preferences saved");
  }

  // ------------------------------------------------------------ actions

  /** act assigns, takes over, unassigns, closes or reopens. */
  async act(s: Summary, action: Action, body?: object): Promise<void> {
    const mark = this.state.list.mark();
    try {
      this.update((await this.api.act(s.id, action, body)).conversation, mark);
    } catch (e) {
      if (e instanceof APIError && e.status === 409) this.state.notices.fail("Someone else changed the assignment meanwhile; the view is up to date now.");
      else this.state.notices.fail(e);
      if (this.state.thread.id.peek() === s.id) void this.openThread(s.id);
    }
  }

  /**
   * send sends the draft of the open conversation, with its files, on the
   * chosen channel, or as a note for the team (a note carries no files:
   * they stay for the next reply). A reply with files waits for their
   * uploads; the ones that failed or were cancelled stay out of it.
   */
  send(): void {
    const { thread, pending, email, compose } = this.state;
    const id = thread.id.peek();
    const body = thread.draft.peek().trim();
    const note = compose.mode.peek() === "note";
    const withFiles = !note && this.uploads.peek().length > 0;
    if (!id || (!body && !withFiles)) return;
    const channel: Channel = email.channel.peek();
    const byEmail = !note && channel === "email";
    const p = pending.add({
      clientId: uuid(), conversationId: id, body, channel: note ? "chat" : channel, createdAt: new Date().toISOString(), note, uploading: withFiles,
      to: byEmail ? email.facts.peek().contactEmail : undefined,
    });
    thread.draft.value = "";
    compose.overtaken.value = null;
    this.stopTyping();
    if (note) void this.sendNote(id, p.clientId, body);
    else if (withFiles) void files().then((f) => f.sendWithFiles(this, p));
    else if (channel === "email") void this.sendEmail(id, p.clientId, body);
    else this.sendNext();
  }

  /**
   * sendNext sends the next chat reply once the one before it is answered
   * (PendingState.next); one whose answer is overdue (a lost push) goes
   * again with its client id, so it cannot hold the others back. A reply
   * waiting for its files holds the ones after it until they are uploaded.
   */
  sendNext(again = false): void {
    const p = this.state.pending.next(again);
    if (!p) return;
    const attachments = p.files?.map((f) => f.ref);
    this.socket.send({ action: "sendMessage", clientId: p.clientId, conversationId: p.conversationId, body: p.body, attachments });
    clearTimeout(this.overdue);
    clearTimeout(this.unheard);
    const waiting = () => this.state.pending.unsent()[0] === p;
    this.overdue = setTimeout(() => waiting() && this.sendNext(true), 30000);
    // An answer takes well under a second; one this late may mean a dead
    // socket, which the probe replaces.
    this.unheard = setTimeout(() => waiting() && this.socket.probe(), 5000);
  }

  private overdue: ReturnType<typeof setTimeout> | undefined;
  private unheard: ReturnType<typeof setTimeout> | undefined;

  /**
   * sendEmail sends a reply on the email channel over HTTP: the server
   * emails it and only then stores it. A failure on the way (network,
   * server) may leave it sent or not: it is tried again with the same
   * client id, which the server emails and stores once. When it still
   * fails, or is refused, it stays in the thread, marked failed with the
   * reason, to be sent again (retry) or put back into the editor (edit).
   * A reply with files comes here from the files chunk once they are
   * uploaded.
   */
  async sendEmail(id: string, clientId: string, body: string, attachments?: UploadRef[]): Promise<void> {
    const { thread, pending, notices } = this.state;
    const to = pending.find(clientId)?.to;
    try {
      const r = await this.again(() => this.api.replyByEmail(id, clientId, body, attachments));
      batch(() => {
        pending.drop(clientId);
        thread.add([r.message]);
      });
      notices.say(`Email sent to ${to || "the visitor"}`);
    } catch (e) {
      const why = e instanceof Error ? e.message.replace(/^email not sent: /, "") : String(e);
      pending.fail(clientId, why);
      notices.fail("Email not sent: " + why);
      if (thread.id.peek() === id) void this.refreshFacts(false);
    }
  }

  /**
   * sendNote stores a note over HTTP. A failure on the way (network,
   * server) is tried again with the same client id, which stores it once;
   * one that still fails, or is refused, stays in the thread, marked
   * failed with the reason, like an email reply.
   */
  private async sendNote(id: string, clientId: string, body: string): Promise<void> {
    const { thread, pending, notices } = this.state;
    try {
      const r = await this.again(() => this.api.note(id, clientId, body));
      batch(() => {
        pending.drop(clientId);
        thread.add([r.message]);
      });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      pending.fail(clientId, why);
      notices.fail("Note not saved: " + why);
    }
  }

  /**
   * again runs a request that is safe to repeat (it carries a client id),
   * and runs it again after a failure on the way: the network, the server
   * (5xx), too many requests. A refusal (another 4xx) is final.
   */
  private async again<T>(request: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request();
      } catch (e) {
        const refused = e instanceof APIError && e.status < 500 && e.status !== 429;
        if (refused || attempt >= 3) throw e;
        await new Promise((r) => setTimeout(r, 1000 * 2 ** attempt));
      }
    }
  }

  /** retry sends a failed email reply or note again, with its client id: one the server stored after all is stored once. */
  retry(clientId: string): void {
    const { pending } = this.state;
    const failed = pending.find(clientId);
    // A chat reply the server refused is edited, not sent again as it was.
    if (!failed?.note && failed?.channel !== "email") return;
    const p = pending.retry(clientId);
    if (!p) return;
    if (p.note) void this.sendNote(p.conversationId, p.clientId, p.body);
    else void this.sendEmail(p.conversationId, p.clientId, p.body, p.files?.map((f) => f.ref));
  }

  /**
   * edit puts a failed reply or note back into the open conversation's
   * editor (after what is there), to be changed and sent anew, and takes
   * it out of the thread.
   */
  edit(clientId: string): void {
    const { thread, pending, compose, email } = this.state;
    const p = pending.find(clientId);
    if (!p?.failed || thread.id.peek() !== p.conversationId) return;
    const draft = thread.draft.peek().trimEnd();
    batch(() => {
      thread.draft.value = draft ? draft + "\n\n" + p.body : p.body;
      compose.mode.value = p.note ? "note" : "reply";
      if (!p.note) email.pick(p.channel);
      pending.drop(clientId);
    });
    this.focusComposer.value++;
  }

  /**
   * typed tells the others the agent is writing (the visitor too for a
   * reply, only agents for a note), at most every 3 s and at once when
   * the mode changes, and that they stopped when the editor empties or
   * after 4 s of quiet.
   */
  typed(): void {
    const id = this.state.thread.id.peek();
    if (!id) return;
    const text = this.state.thread.draft.peek();
    if (!text.trim()) this.state.compose.overtaken.value = null;
    const note = this.state.compose.mode.peek() === "note";
    // An emptied editor says "off" at once, not from a timer: a timer in a
    // background tab may fire only after the next key.
    if (note !== this.typingNote || !text) this.stopTyping();
    if (!text) return;
    if (Date.now() - this.typingSentAt > 3000) {
      this.typingSentAt = Date.now();
      this.typingIn = id;
      this.typingNote = note;
      this.socket.send({ action: "typing", conversationId: id, on: true, note, seq: this.state.thread.lastSeq.peek() });
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), 4000);
  }

  private stopTyping(): void {
    clearTimeout(this.typingTimer);
    if (this.typingIn) this.socket.send({ action: "typing", conversationId: this.typingIn, on: false, note: this.typingNote });
    this.typingIn = null;
    this.typingNote = false;
    this.typingSentAt = 0;
  }

  /** contactSaved hears the contact dialog's new address. */
  contactSaved(conversationId: string, email: string): void {
    this.state.notices.say(`Email address saved: ${email}`);
    if (conversationId !== this.state.thread.id.peek()) return;
    void this.refreshFacts(true);
    void this.loadCard(conversationId);
  }

  /** saveContact sets the visitor's name and address from the sidebar; an empty address keeps the one known. */
  async saveContact(conversationId: string, name: string, email: string): Promise<void> {
    await this.api.setContact(conversationId, email, name || undefined);
    this.state.notices.say("Contact saved");
    if (conversationId !== this.state.thread.id.peek()) return;
    void this.refreshFacts(true);
    void this.loadCard(conversationId);
  }

  /** exportContact downloads everything about the card's contact as one JSON file (admins); it returns the file's name. */
  async exportContact(card: ContactCard): Promise<string> {
    const doc = await this.api.exportContact(card.visitorId);
    const name = exportFileName(card, doc.exportedAt);
    const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    // The download has read the blob by the time the page is used again.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    this.state.notices.say("Export downloaded: " + name);
    return name;
  }

  /**
   * eraseContact deletes everything about a contact (admins): its
   * conversations leave the list, and the thread shown closes when it
   * was one of them.
   */
  async eraseContact(visitorId: string): Promise<ContactErasure> {
    const { erased } = await this.api.eraseContact(visitorId);
    const open = this.state.thread.summary.peek();
    this.state.list.forget(visitorId);
    if (open?.visitorId === visitorId || this.state.sidebar.card.peek()?.visitorId === visitorId) {
      this.router.go({ page: "inbox", ...this.state.list.filter.peek() });
    }
    const n = erased.conversations;
    this.state.notices.say(`Contact erased with ${n} conversation${n === 1 ? "" : "s"}`);
    return erased;
  }

  setContact(conversationId: string, email: string, name?: string): Promise<string> {
    return this.api.setContact(conversationId, email, name).then((r) => r.contact.email);
  }

  async sendTranscript(conversationId: string, to: string, subject: string): Promise<void> {
    await this.api.sendTranscript(conversationId, to, subject);
    this.state.notices.say(`Transcript sent to ${to}`);
  }

  /** downloadURL is a short-lived URL of an attachment, on the files origin. */
  async downloadURL(conversationId: string, a: Attachment): Promise<string> {
    return (await this.api.download(conversationId, a.id)).url;
  }

  async saveProfile(p: ProfileUpdate): Promise<void> {
    this.state.profile.me.value = await this.api.updateMe(p);
    // The socket's ticket carries the name visitors see next to replies.
    this.socket.renew();
    this.state.profile.agents.value = (await this.api.agents()).agents;
    this.state.notices.say("Profile saved");
  }

  /** setStatus makes the agent available or away (routing and the widgets' team status follow). */
  async setStatus(status: AgentStatus): Promise<void> {
    try {
      this.state.profile.heard(await this.api.setStatus(status));
      this.state.notices.say(status === "away" ? "You are away" : "You are available");
    } catch (e) {
      this.state.notices.fail(e);
    }
  }

  /** signOut ends the session on the server first: every token issued so far is refused and every inbox socket of this agent closed. */
  async signOut(): Promise<void> {
    try {
      await this.api.signOut();
    } catch {
      // The identity provider's sign-out below still ends this browser's session.
    }
    this.signOutAtIssuer();
  }

  // ------------------------------------------------------------ socket

  /** reconnected catches up on whatever happened while the socket was down. */
  private reconnected(): void {
    // A new socket views and follows nothing yet (openThread says so again).
    this.viewing = null;
    this.following = null;
    // The open thread is followed again before the reply in flight goes
    // again, and whether or not its read below succeeds.
    const { resumeAfter } = this.state.reconnected();
    if (resumeAfter !== undefined) this.resume(resumeAfter);
    this.sendNext(true);
    void this.loadList();
    void this.loadNotifications();
    const id = this.state.thread.id.peek();
    if (id) void this.openThread(id);
  }
}
