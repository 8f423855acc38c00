// The inbox's state in one place, and the rules that change it: HTTP
// answers and live frames go in, views read the signals. Nothing here
// touches the DOM or the network; what needs the network comes back as an
// outcome for the caller to act on.
import { batch } from "@preact/signals";
import type { Agent, AgentFrame, ClosingFrame, Message, Thread, Summary } from "../../shared/wire";
import { CollisionState } from "./collision";
import { ComposeState } from "./compose";
import { EmailState, emailFacts } from "./email";
import { type Filter, ListState } from "./list";
import { Notices } from "./notices";
import { NotificationsState } from "./notifications";
import { PendingState } from "./pending";
import { type Alert, PreferencesState } from "./preferences";
import { ProfileState } from "./profile";
import { QuarantineState } from "./quarantine";
import { SidebarState } from "./sidebar";
import { RepliesState } from "./replies";
import { SearchState } from "./search";
import { ThreadState } from "./thread";
import { TypingState } from "./typing";

/** FrameOutcome is what a frame asks of the app beyond the state. */
export interface FrameOutcome {
  /** read: the open conversation changed while the agent looks at it. */
  read?: Summary;
  /** alert: something the agent may be notified of (a visitor wrote, a conversation was assigned to it, a note mentions it). */
  alert?: Alert;
  /** resumeAfter: the open thread misses messages after this seq (a gap, or a resume answer with more). */
  resumeAfter?: number;
  /** refreshFacts: the open conversation's visitor came or went, so the email facts are to be read again. */
  refreshFacts?: boolean;
  /** failure: the server refused a frame, for this reason. */
  failure?: string;
  /** inboxes: the agent's inbox memberships changed. */
  inboxes?: boolean;
}

export class InboxState {
  readonly profile: ProfileState;
  readonly list: ListState;
  readonly thread = new ThreadState();
  readonly pending = new PendingState();
  readonly typing = new TypingState();
  readonly email = new EmailState();
  readonly notices = new Notices();
  readonly quarantine = new QuarantineState();
  readonly sidebar = new SidebarState();
  readonly compose = new ComposeState();
  readonly collision: CollisionState;
  readonly notifications = new NotificationsState();
  readonly preferences = new PreferencesState();
  readonly search = new SearchState();
  readonly replies = new RepliesState();
  /** alerted are the messages (conversation and seq) already announced: a message pushed again (a retried send) alerts once. */
  private readonly alerted = new Set<string>();

  constructor(me: Agent, agents: readonly Agent[], filter: Filter) {
    this.profile = new ProfileState(me, agents);
    const meId = () => this.profile.me.peek().id;
    this.list = new ListState(meId, filter);
    this.collision = new CollisionState(meId);
  }

  /**
   * show takes a conversation's new state, heard live or answered to an
   * action: into the list when it matches the filter, into the thread when
   * it is the open one; a state older than one seen changes nothing. It
   * says whether the open conversation's visitor came or went since the
   * email facts were read.
   */
  show(s: Summary, live: boolean): boolean {
    return batch(() => {
      const latest = live ? this.list.heard(s) : this.list.put(s);
      if (!this.thread.show(latest)) return false;
      const online = this.email.online;
      if (online === undefined || latest.visitorOnline === online) return false;
      this.email.online = latest.visitorOnline;
      return true;
    });
  }

  /** frame applies a frame of the agent's socket. */
  frame(f: Exclude<AgentFrame, ClosingFrame>): FrameOutcome {
    switch (f.type) {
      case "message": {
        const m = f.message;
        const s = f.conversation;
        return batch(() => {
          const meId = this.profile.me.peek().id;
          if (m.author.type === "visitor") this.typing.clear(m.conversationId);
          else if (m.author.id) this.collision.wrote(m.conversationId, m.author.id);
          this.pending.ack([m]);
          const before = this.thread.through.peek();
          const out: FrameOutcome = {};
          const fresh = this.thread.add([m]).length > 0;
          // A message past a gap: the ones before it were pushed late, or
          // their push was lost; the resume answer brings them either way.
          if (fresh && before > 0 && m.seq > before + 1) out.resumeAfter = before;
          // Another agent answered the visitor while this one was writing.
          if (fresh && m.kind === "text" && m.author.type === "agent" && m.author.id !== meId && this.thread.draft.peek().trim()) {
            this.compose.overtaken.value = m.author.name || "Another agent";
          }
          if (!s) return out;
          out.refreshFacts = this.show(s, true);
          if (s.id === this.thread.id.peek()) out.read = s;
          if (!this.firstAlert(m)) return out;
          if (m.author.type === "visitor" && m.kind === "text") out.alert = { kind: "message", conversation: s, message: m };
          const ev = m.event;
          if (m.kind === "event" && (ev?.type === "assigned" || ev?.type === "taken_over") && ev.agentId === meId && m.author.id !== meId) {
            out.alert = { kind: "assigned", conversation: s, message: m };
          }
          return out;
        });
      }
      case "messages":
        // The answer to the open thread's resume: usually what the thread
        // holds already, which changes nothing.
        if (f.conversationId !== this.thread.id.peek()) return {};
        return batch(() => {
          this.pending.ack(f.messages);
          this.thread.add(f.messages);
          // How far the visitor has read, as the resume found it ("Seen").
          const s = f.visitorReadSeq ? this.list.visitorRead(f.conversationId, f.visitorReadSeq) : undefined;
          if (s && this.thread.summary.peek()) this.thread.show(s);
          return f.hasMore ? { resumeAfter: this.thread.through.peek() } : {};
        });
      case "conversation":
        return { refreshFacts: this.show(f.conversation, true) };
      case "typing": {
        const who = f.author;
        // An "on" that arrives after its author's next message is stale.
        if (f.on && f.seq !== undefined && this.thread.wroteSince(f.conversationId, f.seq, (m) => m.author.type === who.type && (who.type === "visitor" || m.author.id === who.id))) return {};
        if (who.type === "visitor") this.typing.set(f.conversationId, f.on);
        else if (who.id) this.collision.typed(f.conversationId, { id: who.id, name: who.name || "Another agent", note: !!f.note }, f.on);
        return {};
      }
      case "viewers":
        this.collision.seen(f.conversationId, f.viewers, f.at);
        return {};
      case "notification":
        return this.notifications.heard(f.notification) ? { alert: { kind: "mention", notification: f.notification } } : {};
      case "error":
        if (f.clientId) this.pending.fail(f.clientId, f.message);
        return { failure: f.message || "The server refused the message." };
      case "visit":
        this.sidebar.visit(f.conversationId, f.visit);
        return {};
      case "agent":
        return { inboxes: this.profile.heard(f.agent) };
      case "pong":
        return {};
    }
  }

  /**
   * reconnected is what a new socket asks of the open thread. The socket
   * follows nothing yet: a thread read already is resumed at once, after
   * the last seq it holds without a gap, so that it is followed again
   * whatever its next read over HTTP does, and the answer brings what was
   * written while the socket was down. A thread not read yet is resumed
   * when its read comes.
   */
  reconnected(): Pick<FrameOutcome, "resumeAfter"> {
    const { thread } = this;
    return thread.id.peek() && thread.summary.peek() ? { resumeAfter: thread.through.peek() } : {};
  }

  /** firstAlert tells whether m is heard for the first time (a retried send is pushed again); it keeps the last 1,000. */
  private firstAlert(m: Message): boolean {
    const key = m.conversationId + " " + m.seq;
    if (this.alerted.has(key)) return false;
    if (this.alerted.size >= 1000) this.alerted.delete(this.alerted.values().next().value!);
    this.alerted.add(key);
    return true;
  }

  /**
   * opened applies a read of the open conversation that began at mark:
   * its latest messages, its state (a fresher live one wins) and its email
   * facts. fresh says the conversation was just opened (not read again),
   * so the reply editor takes the suggested channel; read again, it keeps
   * the agent's choice unless the visitor came or went. It returns the
   * state shown, and whether the facts are to be read again; null when
   * another conversation is open by now.
   */
  opened(d: Thread, mark: number, fresh: boolean): { summary: Summary; refreshFacts: boolean } | null {
    const c = d.conversation;
    if (c.id !== this.thread.id.peek()) return null;
    return batch(() => {
      this.pending.ack(d.messages);
      this.thread.add(d.messages);
      this.email.take(emailFacts(c), c.visitorOnline, fresh || this.email.online !== c.visitorOnline);
      const refreshFacts = this.show(this.list.fresher(c, mark), false);
      return { summary: this.thread.summary.peek() ?? c, refreshFacts };
    });
  }

  /**
   * answered applies a conversation's state that an HTTP request begun at
   * mark answered (an action, a read marker, a read of the email facts):
   * a frame heard while it was under way wins. Like show, it says whether
   * the email facts are to be read again.
   */
  answered(s: Summary, mark: number): boolean {
    return this.show(this.list.fresher(s, mark), false);
  }

  /**
   * factsRead applies a read of the email facts that began at mark, and
   * the conversation's state it brings (which also corrects a state that
   * came late, out of order). A visitor who came or went while it was
   * under way makes it stale: "again" asks for another read.
   */
  factsRead(c: Summary, mark: number, follow: boolean): "done" | "again" | "gone" {
    if (c.id !== this.thread.id.peek()) return "gone";
    const live = this.list.heardSince(c.id, mark);
    if (live && live.visitorOnline !== c.visitorOnline) return "again";
    batch(() => {
      this.email.take(emailFacts(c), c.visitorOnline, follow);
      this.answered(c, mark);
    });
    return "done";
  }
}
