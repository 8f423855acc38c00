// The agent's socket: the shared reconnecting WebSocket, with the frames it
// receives narrowed to AgentFrame and the frames it sends to AgentAction.
import { Live } from "../../shared/live";
import type { AgentAction, AgentFrame } from "../../shared/wire";

const frameTypes = new Set<string>(["message", "messages", "conversation", "typing", "notification", "viewers", "error", "pong"] satisfies AgentFrame["type"][]);

/** agentFrame is f as an agent's frame, or null for anything else (a newer server's frame, say). */
export function agentFrame(f: unknown): AgentFrame | null {
  if (typeof f !== "object" || f === null) return null;
  const type = (f as { type?: unknown }).type;
  return typeof type === "string" && frameTypes.has(type) ? (f as AgentFrame) : null;
}

export interface AgentSocketOptions {
  url: string;
  ticket: () => Promise<string>;
  onFrame: (f: AgentFrame) => void;
  /** onOpen runs after every (re)connect: the time to catch up and resend. */
  onOpen: () => void;
}

export class AgentSocket {
  private readonly live: Live;

  constructor(o: AgentSocketOptions) {
    this.live = new Live({
      url: o.url,
      ticket: o.ticket,
      onOpen: o.onOpen,
      onFrame: (raw) => {
        const f = agentFrame(raw);
        if (f) o.onFrame(f);
      },
    });
  }

  start(): void {
    this.live.start();
  }

  /** renew reconnects with a fresh ticket (it carries the agent's profile). */
  renew(): void {
    this.live.renew();
  }

  /** send returns false when the socket is down. */
  send(a: AgentAction): boolean {
    return this.live.send(a);
  }
}
