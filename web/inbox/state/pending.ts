// Replies sent but not yet stored. Chat replies go over the socket with a
// client id, so sending one again after a reconnect is safe; the server's
// echo of the stored message (same client id) acknowledges it.
import { signal } from "@preact/signals";
import type { Sent } from "../../shared/upload";
import type { Channel, Message } from "../../shared/wire";

export interface PendingReply {
  clientId: string;
  conversationId: string;
  body: string;
  channel: Channel;
  createdAt: string;
  /** note: a note for the team, sent over HTTP (not resent over the socket). */
  note?: boolean;
  /** failed: the server refused it, or it could not be sent; it stays in the thread, marked. */
  failed: boolean;
  /** error: why it failed, when known. */
  error?: string;
  /** to: the address an email reply was written to, when it was sent. */
  to?: string;
  /** uploading: it waits for its files, which then go with it. */
  uploading?: boolean;
  files?: Sent[];
}

export class PendingState {
  readonly replies = signal<readonly PendingReply[]>([]);

  add(p: Omit<PendingReply, "failed" | "error">): PendingReply {
    const reply = { ...p, failed: false };
    this.replies.value = [...this.replies.peek(), reply];
    return reply;
  }

  /** ack drops the replies the stored messages acknowledge. */
  ack(msgs: readonly Message[]): void {
    const ids = new Set(msgs.map((m) => m.clientId).filter(Boolean));
    if (!ids.size) return;
    const left = this.replies.peek().filter((p) => !ids.has(p.clientId));
    if (left.length !== this.replies.peek().length) this.replies.value = left;
  }

  /** fail marks a refused reply, with why when known; it says whether one had that client id. */
  fail(clientId: string, error?: string): boolean {
    const all = this.replies.peek();
    if (!all.some((p) => p.clientId === clientId)) return false;
    this.replies.value = all.map((p) => (p.clientId === clientId ? { ...p, failed: true, error } : p));
    return true;
  }

  /** retry marks a failed reply pending again, to be sent again with its client id, and returns it. */
  retry(clientId: string): PendingReply | undefined {
    const p = this.find(clientId);
    if (!p?.failed) return undefined;
    const again = { ...p, failed: false, error: undefined };
    this.replies.value = this.replies.peek().map((x) => (x === p ? again : x));
    return again;
  }

  find(clientId: string): PendingReply | undefined {
    return this.replies.peek().find((p) => p.clientId === clientId);
  }

  /** uploaded gives a reply waiting for its files the ones that made it. */
  uploaded(clientId: string, files: Sent[]): void {
    this.replies.value = this.replies.peek().map((p) => (p.clientId === clientId ? { ...p, uploading: false, files } : p));
  }

  drop(clientId: string): void {
    this.replies.value = this.replies.peek().filter((p) => p.clientId !== clientId);
  }

  /** unsent are the chat replies not stored yet, oldest first. */
  unsent(): PendingReply[] {
    return this.replies.peek().filter((p) => !p.failed && p.channel === "chat" && !p.note);
  }

  /**
   * next is the chat reply to send now, if any. One is in flight at a
   * time, the next once the server answered it (stored or refused): API
   * Gateway runs a socket's frames concurrently, so only this stores
   * replies in the order written. again sends the one in flight again
   * (after a reconnect). One waiting for its files goes once they are
   * uploaded, and holds the ones after it.
   */
  next(again = false): PendingReply | undefined {
    const p = this.unsent()[0];
    if (!p || p.uploading || (p.clientId === this.inFlight && !again)) return undefined;
    this.inFlight = p.clientId;
    return p;
  }

  private inFlight = "";
}
