// The signed-in agent, the agents a conversation can be assigned to, and
// the names of the agent's inboxes (the list's inbox switcher).
import { type Signal, signal } from "@preact/signals";
import type { Agent, InboxRef } from "../../shared/wire";

export class ProfileState {
  readonly me: Signal<Agent>;
  readonly agents: Signal<readonly Agent[]>;
  readonly inboxes = signal<readonly InboxRef[]>([]);

  constructor(me: Agent, agents: readonly Agent[]) {
    this.me = signal(me);
    this.agents = signal(agents);
  }

  /** heard takes an agent's changed profile or status (a frame, or the answer of a change); it says whether the agent's inboxes changed. */
  heard(a: Agent): boolean {
    const me = this.me.peek();
    this.agents.value = this.agents.peek().map((x) => (x.id === a.id ? a : x));
    if (a.id !== me.id) return false;
    this.me.value = a;
    return a.inboxes.join() !== me.inboxes.join();
  }
}
