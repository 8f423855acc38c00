// The signed-in agent and the agents a conversation can be assigned to.
import { type Signal, signal } from "@preact/signals";
import type { Agent } from "../../shared/wire";

export class ProfileState {
  readonly me: Signal<Agent>;
  readonly agents: Signal<readonly Agent[]>;

  constructor(me: Agent, agents: readonly Agent[]) {
    this.me = signal(me);
    this.agents = signal(agents);
  }
}
