// The agent's socket: the shared reconnecting WebSocket, with the frames it
// receives narrowed to AgentFrame and the frames it sends to AgentAction.
import { Live } from "../../shared/live";
import type { AgentAction, AgentFrame, ClosingFrame } from "../../shared/wire";

const names = ["message", "messages", "conversation", "typing", "notification", "viewers", "error", "pong", "closing", "agent", "visit"] as const satisfies readonly AgentFrame["type"][];
const frameTypes = new Set<string>(names);
// A type of AgentFrame missing from names would never reach the app: tsc
// fails here until it is added.
type MustBeNever<T extends never> = T;
export type UnnamedFrameTypes = MustBeNever<Exclude<AgentFrame["type"], (typeof names)[number]>>;

/** agentFrame is f as an agent's frame, or null for anything else (a newer server's frame, say). */
export function agentFrame(f: unknown): AgentFrame | null {
  if (typeof f !== "object" || f === null) return null;
  const type = (f as { type?: unknown }).type;
  return typeof type === "string" && frameTypes.has(type) ? (f as AgentFrame) : null;
}

/** LiveFrame is every frame the socket hands on: all but closing, which it handles. */
export type LiveFrame = Exclude<AgentFrame, ClosingFrame>;

export interface AgentSocketOptions {
  url: string;
  ticket: () => Promise<string>;
  onFrame: (f: LiveFrame) => void;
  /** onClosing hears that the server closes the socket and why; the socket connects no more. */
  onClosing: (reason: ClosingFrame["reason"]) => void;
  /** onOpen runs after every (re)connect: the time to catch up and resend. */
  onOpen: () => void;
}

export class AgentSocket {
  private readonly live: Live;
  /** heard is when the socket last received a frame. */
  private heard = 0;
  private probing: ReturnType<typeof setTimeout> | undefined;
  /**
   * patience is how long a probe waits for a frame: doubled each time a
   * probe replaces the socket, up to a minute, so that a server slow to
   * answer is not also made to take new sockets every few seconds.
   */
  private patience = 5000;

  constructor(o: AgentSocketOptions) {
    this.live = new Live({
      url: o.url,
      ticket: o.ticket,
      onOpen: o.onOpen,
      onFrame: (raw) => {
        this.heard = Date.now();
        const f = agentFrame(raw);
        if (f?.type === "closing") {
          // The server closes the socket next, with 1000 and no reason:
          // close first, with the code and reason it gave.
          this.live.stop(f.closeCode, f.reason);
          o.onClosing(f.reason);
        } else if (f) {
          o.onFrame(f);
        }
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

  /**
   * probe checks that the socket still carries frames. One the browser
   * has not yet seen die (a laptop woken from sleep, a changed network)
   * takes sends without an error and delivers none, so a reply sent on it
   * would wait, resend after resend. It pings, and when nothing arrives
   * within its patience, it opens a new socket, whose onOpen resends what
   * is pending.
   */
  probe(): void {
    if (this.probing || !this.live.send({ action: "ping" })) return;
    const since = Date.now();
    this.probing = setTimeout(() => {
      this.probing = undefined;
      if (this.heard >= since) return;
      this.patience = Math.min(2 * this.patience, 60000);
      this.live.renew();
    }, this.patience);
  }

  /** send returns false when the socket is down. */
  send(a: AgentAction): boolean {
    return this.live.send(a);
  }
}
