// What a page of a conversation's entries says of its status.
import type { Message, Status } from "../shared/wire";

/**
 * settled is c as the entries leave it: a resume's page carries no state
 * of the conversation, but a close or reopen that came while the socket was
 * down is among its entries. Only one newer than the state held (above its
 * lastSeq) changes it; c itself when none does.
 */
export function settled<C extends { status: Status; lastSeq: number }>(c: C, entries: readonly Message[]): C {
  let last: Message | undefined;
  for (const m of entries) {
    const type = m.kind === "event" ? m.event?.type : undefined;
    if ((type === "closed" || type === "reopened") && m.seq > c.lastSeq && m.seq > (last?.seq ?? 0)) last = m;
  }
  if (!last) return c;
  return { ...c, status: last.event?.type === "closed" ? "closed" : "open", lastSeq: last.seq };
}
