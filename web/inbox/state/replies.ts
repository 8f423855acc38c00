// Saved replies: the team's and the agent's own, found by a few letters
// of their title or text, and their placeholders filled on insert.
import { signal } from "@preact/signals";
import type { SavedReply, SavedReplies } from "../../shared/wire";

export class RepliesState {
  readonly replies = signal<readonly SavedReply[]>([]);
  readonly canEditShared = signal(false);
  /** loaded is false until the list was read once. */
  readonly loaded = signal(false);

  take(r: SavedReplies): void {
    this.replies.value = r.replies;
    this.canEditShared.value = r.canEditShared;
    this.loaded.value = true;
  }
}

/** SlashQuery is a "/" being typed: where it starts and what follows it up to the caret. */
export interface SlashQuery {
  start: number;
  query: string;
}

/**
 * slashAt finds a "/" typed at the start of a word before the caret (the
 * start of the text or after white space, so the slashes of a URL or a
 * date do not count), followed by up to 40 characters on the same line.
 */
export function slashAt(text: string, caret: number): SlashQuery | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf("/");
  if (at < 0 || (at > 0 && !/\s/.test(before[at - 1]))) return null;
  const query = before.slice(at + 1);
  if (query.length > 40 || query.includes("\n")) return null;
  return { start: at, query };
}

/** fold lower-cases and drops accents, so "Résumé" matches "resume". */
function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** subsequence tells whether the letters of q appear in s in order. */
function subsequence(q: string, s: string): boolean {
  let i = 0;
  for (const c of s) if (c === q[i] && ++i === q.length) return true;
  return q.length === 0;
}

/**
 * matchReplies finds the replies every word of query matches, best first:
 * a word at the start of a word of the title counts most, then anywhere
 * in the title, then its letters in order in the title ("shpg" finds
 * "Shipping"), then anywhere in the text. An empty query lists them all,
 * by category and title.
 */
export function matchReplies(replies: readonly SavedReply[], query: string): SavedReply[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  const scored: { r: SavedReply; score: number }[] = [];
  for (const r of replies) {
    const title = fold(r.title);
    const body = fold(r.body);
    let score = 0;
    for (const w of words) {
      const i = title.indexOf(w);
      const s = i === 0 || (i > 0 && /\W/.test(title[i - 1])) ? 4 : i > 0 ? 3 : subsequence(w, title) ? 2 : body.includes(w) ? 1 : 0;
      if (!s) {
        score = -1;
        break;
      }
      score += s;
    }
    if (score >= 0) scored.push({ r, score });
  }
  const by = (a: SavedReply, b: SavedReply) => fold(a.category || "").localeCompare(fold(b.category || "")) || fold(a.title).localeCompare(fold(b.title));
  return scored.sort((a, b) => b.score - a.score || by(a.r, b.r)).map((x) => x.r);
}

/** Fill is what the placeholders stand for; empty when unknown. */
export interface Fill {
  visitorName: string;
  agentName: string;
  meetingsUrl: string;
}

/**
 * What a placeholder becomes when its value is empty and it names no
 * fallback of its own ({{visitor.name|friend}}).
 */
export const fallbacks: Readonly<Record<string, string>> = { "visitor.name": "there", "agent.name": "our team", "agent.meetingsUrl": "" };

/**
 * fill replaces each {{name}} or {{name|fallback}} of a reply's text with
 * its value, the fallback when the value is empty, or the placeholder's
 * own fallback (fallbacks). An unknown name stays as written. The result
 * is text: it goes into the editor's value, never into markup.
 */
export function fill(body: string, f: Fill): string {
  const values: Record<string, string> = { "visitor.name": f.visitorName, "agent.name": f.agentName, "agent.meetingsUrl": f.meetingsUrl };
  return body.replace(/\{\{([^{}]*)\}\}/g, (whole, inner: string) => {
    const bar = inner.indexOf("|");
    const name = (bar < 0 ? inner : inner.slice(0, bar)).trim();
    if (!(name in values)) return whole;
    const value = values[name].trim();
    if (value) return value;
    return bar < 0 ? fallbacks[name] : inner.slice(bar + 1).trim();
  });
}

/** insertReply puts a filled reply in place of the "/query" at q (or at the caret, with no q) and says where the caret goes. */
export function insertReply(text: string, caret: number, q: SlashQuery | null, filled: string): { text: string; caret: number } {
  const start = q ? q.start : caret;
  return { text: text.slice(0, start) + filled + text.slice(caret), caret: start + filled.length };
}
