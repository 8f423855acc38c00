// The reply editor beyond its text: whether it writes a reply to the
// visitor or a note for the team, the "@" being typed in a note, and
// whether another agent answered while this one was writing.
import { signal } from "@preact/signals";
import type { Agent } from "../../shared/wire";

/** Mode is what the editor writes: a reply the visitor gets, or a note only agents see. */
export type Mode = "reply" | "note";

export class ComposeState {
  readonly mode = signal<Mode>("reply");
  /** overtaken names the agent whose reply landed while the draft was being written; sending or emptying the draft clears it. */
  readonly overtaken = signal<string | null>(null);

  /** reset starts afresh, for another conversation. */
  reset(): void {
    this.mode.value = "reply";
    this.overtaken.value = null;
  }
}

/** MentionQuery is an "@" being typed: where it starts in the text and what follows it up to the caret. */
export interface MentionQuery {
  start: number;
  query: string;
}

const wordChar = /[\p{L}\p{N}_]/u;

/**
 * mentionAt finds the "@" being typed before the caret: one at the start
 * of a word, followed by at most two words (names have a space) and no
 * line break. The server reads mentions the same way.
 */
export function mentionAt(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf("@");
  if (at < 0) return null;
  if (at > 0 && wordChar.test(before[at - 1])) return null;
  const query = before.slice(at + 1);
  if (query.includes("\n") || query.split(" ").length > 3) return null;
  return { start: at, query };
}

/** mentionable are the agents of an inbox whose name starts with the query (or a word of it does), but me, by name; at most 8. */
export function mentionable(agents: readonly Agent[], inboxId: string, query: string, meId: string): Agent[] {
  const q = query.toLocaleLowerCase();
  return agents
    .filter((a) => a.id !== meId && a.inboxes.includes(inboxId))
    .filter((a) => {
      const name = a.displayName.toLocaleLowerCase();
      return name.startsWith(q) || name.split(/\s+/).some((w) => w.startsWith(q));
    })
    .sort((a, b) => a.displayName.localeCompare(b.displayName))
    .slice(0, 8);
}

/** insertMention replaces the "@query" at m with "@Name " and says where the caret goes. */
export function insertMention(text: string, caret: number, m: MentionQuery, name: string): { text: string; caret: number } {
  const inserted = "@" + name + " ";
  const rest = text.slice(caret).replace(/^ /, "");
  return { text: text.slice(0, m.start) + inserted + rest, caret: m.start + inserted.length };
}

/** Segment is a piece of a note's text: a mention of an agent, or plain text. */
export interface Segment {
  text: string;
  mention?: boolean;
}

/** mentionSegments cuts a note's text at the "@Name" of each agent it mentions (names as the server read them), case aside. */
export function mentionSegments(text: string, names: readonly string[]): Segment[] {
  const wanted = names.filter(Boolean).map((n) => "@" + n).sort((a, b) => b.length - a.length);
  const out: Segment[] = [];
  let plain = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "@") continue;
    const hit = wanted.find((w) => text.slice(i, i + w.length).toLowerCase() === w.toLowerCase());
    if (!hit) continue;
    if (i > plain) out.push({ text: text.slice(plain, i) });
    out.push({ text: text.slice(i, i + hit.length), mention: true });
    plain = i + hit.length;
    i = plain - 1;
  }
  if (plain < text.length) out.push({ text: text.slice(plain) });
  return out;
}
