// A WebSocket that comes back by itself: each (re)connect takes a fresh
// single-use ticket, then onOpen lets the app resume by seq and resend
// what is pending. A ping below API Gateway's 10-minute idle timeout keeps
// a quiet connection open.

// F is the union of frames the socket receives (shared/wire.ts); the
// server is trusted to send only those (web/test/check-wire.mjs checks the
// types against the frames the Go code sends).
export interface LiveOptions<F = unknown> {
  url: string;
  ticket: () => Promise<string>;
  onFrame: (frame: F) => void;
  onOpen: () => void;
  onState?: (connected: boolean) => void;
  pingMs?: number;
}

export class Live<F = unknown> {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private stopped = true;
  // gen numbers the connection attempts: an attempt overtaken by a newer
  // one (renew while a ticket is fetched) opens nothing.
  private gen = 0;

  constructor(private readonly o: LiveOptions<F>) {
    addEventListener("online", () => this.now());
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  /**
   * stop closes the socket with code and reason and connects no more (its
   * close handler tidies up; later() sees stopped).
   */
  stop(code?: number, reason?: string): void {
    this.stopped = true;
    this.ws?.close(code, reason);
  }

  /** send returns false when the socket is down; the caller keeps the frame. */
  send(frame: object): boolean {
    if (!this.connected) return false;
    this.ws!.send(JSON.stringify(frame));
    return true;
  }

  /** renew drops the connection and opens a new one with a fresh ticket. */
  renew(): void {
    const ws = this.ws;
    this.ws = null;
    clearInterval(this.pinger);
    clearTimeout(this.timer);
    ws?.close();
    if (!this.stopped) {
      this.attempt = 0;
      void this.connect();
    }
  }

  /** now reconnects at once instead of waiting for the back-off. */
  now(): void {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    void this.connect();
  }

  private async connect(): Promise<void> {
    const gen = ++this.gen;
    let ticket: string;
    try {
      ticket = await this.o.ticket();
    } catch {
      if (gen === this.gen) this.later();
      return;
    }
    // A ticket asked for before a renew may be another principal's (the
    // visitor before identify): only the newest attempt connects.
    if (this.stopped || gen !== this.gen) return;
    const ws = new WebSocket(this.o.url + "?ticket=" + encodeURIComponent(ticket));
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.send({ action: "ping" }), this.o.pingMs ?? 4 * 60 * 1000);
      this.o.onState?.(true);
      this.o.onOpen();
    };
    ws.onmessage = (e) => {
      let f: unknown;
      try {
        f = JSON.parse(String(e.data));
      } catch {
        return;
      }
      this.o.onFrame(f as F);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.pinger);
      this.o.onState?.(false);
      this.later();
    };
  }

  private later(): void {
    if (this.stopped) return;
    const base = Math.min(15000, 500 * 2 ** this.attempt++);
    this.timer = setTimeout(() => void this.connect(), base * (0.75 + Math.random() / 2));
  }
}
