// Which visitors are typing. A visitor's "typing" frame turns it on; their
// message, their "stopped" frame or a quiet spell turns it off (a lost
// "stopped" frame must not leave it on).
import { signal } from "@preact/signals";

export class TypingState {
  readonly visitors = signal<ReadonlySet<string>>(new Set());
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** ttl is how long a "typing" frame holds without another one, in ms. */
  constructor(private readonly ttl = 8000) {}

  set(conversationId: string, on: boolean): void {
    this.clear(conversationId);
    if (!on) return;
    this.timers.set(conversationId, setTimeout(() => this.clear(conversationId), this.ttl));
    this.visitors.value = new Set(this.visitors.peek()).add(conversationId);
  }

  clear(conversationId: string): void {
    clearTimeout(this.timers.get(conversationId));
    this.timers.delete(conversationId);
    if (!this.visitors.peek().has(conversationId)) return;
    const next = new Set(this.visitors.peek());
    next.delete(conversationId);
    this.visitors.value = next;
  }
}
