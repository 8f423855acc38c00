// Who else is at a conversation: the other agents viewing it and those
// writing in it. Both come from frames and go when told, or when a quiet
// spell says the frame that would have told was lost.
import { signal } from "@preact/signals";
import type { Viewer } from "../../shared/wire";

/** AgentTyping is another agent writing in a conversation: a reply, or a note. */
export interface AgentTyping {
  id: string;
  name: string;
  note: boolean;
}

export class CollisionState {
  /** viewers are the other agents viewing each conversation, as last heard. */
  readonly viewers = signal<ReadonlyMap<string, readonly Viewer[]>>(new Map());
  /** typing are the other agents writing in each conversation. */
  readonly typing = signal<ReadonlyMap<string, readonly AgentTyping[]>>(new Map());
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** viewersAt is when each conversation's list shown was read. */
  private readonly viewersAt = new Map<string, number>();

  /** me names this agent, whom no list shows; ttl is how long a "typing" frame holds without another one, in ms. */
  constructor(private readonly me: () => string, private readonly ttl = 8000) {}

  /** seen takes the viewers of a conversation from a "viewers" frame, read at at; a list read before the one shown changes nothing (pushes come in any order). */
  seen(conversationId: string, viewers: readonly Viewer[], at?: string): void {
    const t = at ? Date.parse(at) : NaN;
    if (t < (this.viewersAt.get(conversationId) ?? -Infinity)) return;
    if (!isNaN(t)) this.viewersAt.set(conversationId, t);
    const others = viewers.filter((v) => v.id !== this.me());
    const next = new Map(this.viewers.peek());
    if (others.length) next.set(conversationId, others);
    else next.delete(conversationId);
    this.viewers.value = next;
  }

  /** typed takes another agent's "typing" frame. */
  typed(conversationId: string, who: AgentTyping, on: boolean): void {
    if (who.id === this.me()) return;
    const key = conversationId + " " + who.id;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const list = (this.typing.peek().get(conversationId) ?? []).filter((a) => a.id !== who.id);
    if (on) {
      list.push(who);
      this.timers.set(key, setTimeout(() => this.typed(conversationId, who, false), this.ttl));
    }
    const next = new Map(this.typing.peek());
    if (list.length) next.set(conversationId, list);
    else next.delete(conversationId);
    this.typing.value = next;
  }

  /** wrote clears an agent's typing once its message arrived. */
  wrote(conversationId: string, agentId: string): void {
    if (this.typing.peek().get(conversationId)?.some((a) => a.id === agentId)) this.typed(conversationId, { id: agentId, name: "", note: false }, false);
  }

  /** left forgets a conversation's viewers: this agent no longer views it, so no frame keeps them current. */
  left(conversationId: string): void {
    if (!this.viewers.peek().has(conversationId)) return;
    const next = new Map(this.viewers.peek());
    next.delete(conversationId);
    this.viewers.value = next;
  }
}
