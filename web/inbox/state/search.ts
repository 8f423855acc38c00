// The search above the list: what the agent typed, and what it found,
// newest first. A search runs a moment after the typing stops (the Inbox
// times it); an answer to a query the agent has typed over since is
// dropped.
import { computed, signal } from "@preact/signals";
import type { SearchPage, SearchResult, Snippet } from "../../shared/wire";

export type SearchStatus = "idle" | "searching" | "done" | "failed";

export class SearchState {
  readonly query = signal("");
  readonly results = signal<readonly SearchResult[]>([]);
  /** next is the cursor of older results; "" when there are none. */
  readonly next = signal("");
  readonly status = signal<SearchStatus>("idle");
  readonly failure = signal("");
  /** active is true while the list shows results instead of conversations. */
  readonly active = computed(() => this.query.value.trim() !== "");
  private serial = 0;

  /** typed takes what the agent typed and returns the number of the search to run for it; 0 for nothing to search. */
  typed(q: string): number {
    this.query.value = q;
    this.serial++;
    if (!q.trim()) {
      this.reset();
      return 0;
    }
    this.status.value = "searching";
    return this.serial;
  }

  /** current is the number of the search the query asks for now. */
  current(): number {
    return this.active.peek() ? this.serial : 0;
  }

  /**
   * found takes a page answered to search n: the first page replaces the
   * results, a later one adds those of conversations not shown yet (a
   * conversation appears once, at its newest match). An answer to an
   * older search is dropped.
   */
  found(n: number, page: SearchPage, more: boolean): boolean {
    if (n !== this.serial) return false;
    const shown = more ? this.results.peek() : [];
    const seen = new Set(shown.map((r) => r.conversation.id));
    this.results.value = [...shown, ...page.results.filter((r) => !seen.has(r.conversation.id) && !!seen.add(r.conversation.id))];
    this.next.value = page.nextCursor || "";
    this.status.value = "done";
    this.failure.value = "";
    return true;
  }

  failed(n: number, why: string): void {
    if (n !== this.serial) return;
    this.status.value = "failed";
    this.failure.value = why;
  }

  /** clear empties the box: the list comes back. */
  clear(): void {
    this.typed("");
  }

  private reset(): void {
    this.results.value = [];
    this.next.value = "";
    this.status.value = "idle";
    this.failure.value = "";
  }
}

/** Piece is a part of a snippet's text, marked or not. */
export interface Piece {
  text: string;
  mark: boolean;
}

/**
 * pieces cuts a snippet's text at its highlights. The offsets are UTF-16
 * code units, the way JavaScript indexes strings; ranges that overlap the
 * one before, run backwards or past the end are clamped or dropped, so a
 * wrong range can misplace a mark but never lose or repeat text.
 */
export function pieces(s: Snippet): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const h of s.highlights || []) {
    const start = Math.max(at, Math.min(h.start, s.text.length));
    const end = Math.min(Math.max(h.end, start), s.text.length);
    if (end <= start) continue;
    if (start > at) out.push({ text: s.text.slice(at, start), mark: false });
    out.push({ text: s.text.slice(start, end), mark: true });
    at = end;
  }
  if (at < s.text.length) out.push({ text: s.text.slice(at), mark: false });
  return out;
}
