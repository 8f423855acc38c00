// The conversation list of one filter, fed by HTTP pages and live frames.
import { computed, type Signal, signal } from "@preact/signals";
import type { Status, Summary } from "../../shared/wire";

export type View = "mine" | "unassigned" | "all";
export const views: readonly View[] = ["mine", "unassigned", "all"];
export const statuses: readonly Status[] = ["open", "closed"];

/** Filter is what the list shows: one inbox, one status, one view. */
export interface Filter {
  inboxId: string;
  status: Status;
  view: View;
}

export function sameFilter(a: Filter, b: Filter): boolean {
  return a.inboxId === b.inboxId && a.status === b.status && a.view === b.view;
}

/**
 * ListState holds the conversations of the current filter, newest activity
 * first. States arrive out of order in two ways. Pushes have no order, so
 * a state with a lower lastSeq than one already seen is older and changes
 * nothing, and of two with the same lastSeq (a read, the visitor coming or
 * going) the one kept has the higher read marker and the visitor's
 * presence of the higher turn (sameSeq). And an HTTP read may answer with
 * a state older than a live frame that arrived while it was under way
 * (the visitor left meanwhile, say), so every summary heard live is
 * numbered: a read or an action passes back the number it began at
 * (mark), and the frames heard since win over its answer.
 */
export class ListState {
  readonly filter: Signal<Filter>;
  readonly items = signal<ReadonlyMap<string, Summary>>(new Map());
  /** loaded is false until a page of the current filter has arrived. */
  readonly loaded = signal(false);
  /** next is the cursor of the conversations below the rows loaded; "" when the list is loaded to its end. */
  readonly next = signal("");
  readonly rows = computed(() => [...this.items.value.values()].sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt)));
  private heardCount = 0;
  /** deeper is true once "load more" added rows below the first page. */
  private deeper = false;
  private readonly heardLive = new Map<string, { n: number; s: Summary }>();
  private readonly latest = new Map<string, Summary>();
  /**
   * visitorReads is the highest visitor read marker heard of each
   * conversation. Only the thread's resume answer and the visitor's read
   * pushes carry it (list pages and other pushes carry 0), so it is kept
   * apart from the states, which win by seq.
   */
  private readonly visitorReads = new Map<string, number>();

  /** agentId names the agent whose conversations the "mine" view shows. */
  constructor(private readonly agentId: () => string, filter: Filter) {
    this.filter = signal(filter);
  }

  matches(s: Summary, f: Filter = this.filter.peek()): boolean {
    if (s.inboxId !== f.inboxId || s.status !== f.status) return false;
    if (f.view === "mine") return s.assigneeId === this.agentId();
    if (f.view === "unassigned") return !s.assigneeId;
    return true;
  }

  /** setFilter shows another filter; it says whether the filter changed (a page of it is then to be read). */
  setFilter(f: Filter): boolean {
    if (sameFilter(f, this.filter.peek())) return false;
    this.filter.value = f;
    this.loaded.value = false;
    this.next.value = "";
    this.deeper = false;
    this.items.value = new Map([...this.items.peek()].filter(([, s]) => this.matches(s, f)));
    return true;
  }

  /** mark numbers the start of an HTTP read; its answer passes the number back. */
  mark(): number {
    return this.heardCount;
  }

  /** heard takes a conversation's state from a live frame. Like put, it returns the latest state seen. */
  heard(s: Summary): Summary {
    const latest = this.newest(s);
    if (latest.lastSeq > s.lastSeq) return latest;
    this.heardLive.set(s.id, { n: ++this.heardCount, s: latest });
    return this.show(latest);
  }

  /** newest is the latest state seen of s's conversation: s (merged with one of the same seq seen before), unless one with a higher seq came first. */
  private newest(s: Summary): Summary {
    const seen = this.latest.get(s.id);
    const kept = this.withRead(!seen ? s : seen.lastSeq > s.lastSeq ? seen : seen.lastSeq === s.lastSeq ? sameSeq(s, seen) : s, s.visitorReadSeq);
    if (kept !== seen) this.latest.set(s.id, kept);
    return kept;
  }

  /**
   * visitorRead takes the visitor's read marker of conversation id from a
   * frame that carries no state (the thread's resume answer). It returns
   * the latest state with it, if one was seen.
   */
  visitorRead(id: string, seq: number): Summary | undefined {
    const seen = this.latest.get(id);
    if (!seen) {
      this.visitorReads.set(id, Math.max(this.visitorReads.get(id) ?? 0, seq));
      return undefined;
    }
    const kept = this.withRead(seen, seq);
    if (kept !== seen) this.latest.set(id, kept);
    return kept;
  }

  /** withRead is s with the highest visitor read marker heard of its conversation, seq included. */
  private withRead(s: Summary, seq = 0): Summary {
    const read = Math.max(this.visitorReads.get(s.id) ?? 0, s.visitorReadSeq ?? 0, seq);
    if (!read) return s;
    this.visitorReads.set(s.id, read);
    return (s.visitorReadSeq ?? 0) >= read ? s : { ...s, visitorReadSeq: read };
  }

  /** heardSince is the state a live frame brought for id after mark, if one did. */
  heardSince(id: string, mark: number): Summary | undefined {
    const f = this.heardLive.get(id);
    return f && f.n > mark ? f.s : undefined;
  }

  /** fresher is what a read of s that began at mark should show: a frame heard meanwhile, unless it is older by seq. */
  fresher(s: Summary, mark: number): Summary {
    // The read's marker counts whichever state wins.
    this.withRead(s);
    const f = this.heardSince(s.id, mark);
    if (!f || f.lastSeq < s.lastSeq) return s;
    return f.lastSeq > s.lastSeq ? f : sameSeq(f, s);
  }

  /**
   * page replaces the list with a page read for filter f since mark, plus
   * what was heard live meanwhile; cursor asks for the conversations below
   * it. Read again (after a reconnect) once "load more" went further, it
   * keeps the rows below the page and the list's cursor, so the agent's
   * place in a long list survives a reconnect. The answer of a filter no
   * longer shown is dropped (the agent switched while it was under way).
   */
  page(f: Filter, conversations: readonly Summary[], mark: number, cursor = ""): boolean {
    if (!sameFilter(f, this.filter.peek())) return false;
    const last = conversations[conversations.length - 1];
    const below = this.deeper && cursor && last ? [...this.items.peek().values()].filter((s) => Date.parse(s.lastActivityAt) < Date.parse(last.lastActivityAt)) : [];
    this.deeper = below.length > 0;
    if (!this.deeper) this.next.value = cursor;
    const next = new Map<string, Summary>(below.map((s) => [s.id, s]));
    for (const c of conversations) {
      const s = this.newest(this.fresher(c, mark));
      if (this.matches(s)) next.set(s.id, s);
    }
    // A conversation heard live meanwhile shows as last merged: an answer
    // to the agent's own action (a read, an assignment) may have come since.
    for (const { n, s: heard } of this.heardLive.values()) {
      if (n <= mark) continue;
      const s = this.latest.get(heard.id) ?? heard;
      if (this.matches(s)) next.set(s.id, s);
    }
    this.items.value = next;
    this.loaded.value = true;
    return true;
  }

  /**
   * more adds what "load more" read for filter f since mark: the page
   * below the cursor, whose next cursor becomes the list's, and the first
   * page read again, which brings the conversations that moved up since
   * the list was read (a push announces most such moves, not all: an
   * agent's reply that changes no unread dot is not pushed). Rows merge by
   * conversation, so none shows twice and none already shown moves unless
   * its state changed.
   */
  more(f: Filter, below: readonly Summary[], head: readonly Summary[], mark: number, next: string): boolean {
    if (!sameFilter(f, this.filter.peek())) return false;
    const items = new Map(this.items.peek());
    for (const c of [...below, ...head]) {
      const s = this.newest(this.fresher(c, mark));
      if (this.matches(s)) items.set(s.id, s);
      else items.delete(s.id);
    }
    this.items.value = items;
    this.next.value = next;
    this.deeper = true;
    return true;
  }

  /** forget takes out the conversations of an erased visitor, and keeps no state of them. */
  forget(visitorId: string): void {
    const gone = [...this.latest.values()].filter((s) => s.visitorId === visitorId).map((s) => s.id);
    for (const s of this.items.peek().values()) if (s.visitorId === visitorId) gone.push(s.id);
    if (!gone.length) return;
    const items = new Map(this.items.peek());
    for (const id of gone) {
      items.delete(id);
      this.latest.delete(id);
      this.heardLive.delete(id);
      this.visitorReads.delete(id);
    }
    this.items.value = items;
  }

  /**
   * put shows s when it matches the filter, and takes it out otherwise. It
   * returns the latest state seen: s, or the newer one that makes s stale
   * (and changes nothing).
   */
  put(s: Summary): Summary {
    const latest = this.newest(s);
    return latest.lastSeq > s.lastSeq ? latest : this.show(latest);
  }

  /** show puts s, the latest state of its conversation, in the list or takes it out, by the filter. */
  private show(s: Summary): Summary {
    const items = this.items.peek();
    if (this.matches(s)) {
      if (items.get(s.id) !== s) this.items.value = new Map(items).set(s.id, s);
    } else if (items.has(s.id)) {
      const next = new Map(items);
      next.delete(s.id);
      this.items.value = next;
    }
    return s;
  }
}

/**
 * sameSeq merges two states of a conversation with the same lastSeq, a
 * preferred (heard later) and b: a's, with the higher of the two read
 * markers and the visitor's presence as the higher turn set it.
 */
function sameSeq(a: Summary, b: Summary): Summary {
  const readSeq = Math.max(a.agentReadSeq, b.agentReadSeq);
  const presence = (b.presenceTurn ?? 0) > (a.presenceTurn ?? 0) ? b : a;
  if (readSeq === a.agentReadSeq && presence === a) return a;
  return { ...a, agentReadSeq: readSeq, visitorOnline: presence.visitorOnline, presenceTurn: presence.presenceTurn };
}
