// The open conversation: its state, its messages in seq order, the reply
// being written and the files it received.
import { batch, computed, signal } from "@preact/signals";
import type { Attachment, Message, Summary } from "../../shared/wire";

export class ThreadState {
  /** id is the open conversation, null when none is. */
  readonly id = signal<string | null>(null);
  /** summary is the open conversation's latest state, null until read. */
  readonly summary = signal<Summary | null>(null);
  /** messages are ascending by seq, each seq once, whatever order they arrived in. */
  readonly messages = signal<readonly Message[]>([]);
  /** missing is set when the conversation could not be read (unknown, or not the agent's). */
  readonly missing = signal<string | null>(null);
  /** draft is the reply being written; it belongs to the open conversation. */
  readonly draft = signal("");
  readonly files = signal<readonly Attachment[]>([]);
  readonly lastSeq = computed(() => {
    const m = this.messages.value;
    return m.length ? m[m.length - 1].seq : 0;
  });
  /**
   * through is the last seq of the run the thread holds without a gap from
   * its first message: where a resume starts, so that a message pushed
   * ahead of one still missing does not make the resume skip that one.
   */
  readonly through = computed(() => {
    const m = this.messages.value;
    let n = m.length ? m[0].seq : 0;
    for (const x of m) {
      if (x.seq > n + 1) break;
      n = x.seq;
    }
    return n;
  });

  /**
   * seen is the message to mark "Seen": the team's last message (an
   * agent's or the bot's; notes and events are not the visitor's to read)
   * that the visitor has read, unless the visitor wrote after it, which
   * says more. 0 when there is none.
   */
  readonly seen = computed(() => {
    const read = this.summary.value?.visitorReadSeq ?? 0;
    const m = this.messages.value;
    for (let i = m.length - 1; i >= 0 && read > 0; i--) {
      const x = m[i];
      if (x.kind === "note" || x.kind === "event") continue;
      if (x.author.type === "visitor") return 0;
      if (x.seq <= read) return x.seq;
    }
    return 0;
  });

  /** open shows conversation id; another conversation than the open one starts afresh. It says whether it did. */
  open(id: string): boolean {
    if (this.id.peek() === id) return false;
    batch(() => {
      this.id.value = id;
      this.summary.value = null;
      this.messages.value = [];
      this.missing.value = null;
      this.draft.value = "";
      this.files.value = [];
    });
    return true;
  }

  close(): void {
    batch(() => {
      this.id.value = null;
      this.summary.value = null;
      this.messages.value = [];
      this.missing.value = null;
      this.draft.value = "";
      this.files.value = [];
    });
  }

  /**
   * add merges messages into the open conversation: from an HTTP read, a
   * resume answer or live frames, in any order and as often as they come.
   * Messages of other conversations and seqs it holds already change
   * nothing. It returns the messages that were new.
   */
  add(msgs: readonly Message[]): Message[] {
    const id = this.id.peek();
    const have = this.messages.peek();
    const seqs = new Set(have.map((m) => m.seq));
    const fresh: Message[] = [];
    for (const m of msgs) {
      if (m.conversationId !== id || seqs.has(m.seq)) continue;
      seqs.add(m.seq);
      fresh.push(m);
    }
    if (fresh.length) this.messages.value = [...have, ...fresh].sort((a, b) => a.seq - b.seq);
    return fresh;
  }

  /**
   * wroteSince tells whether the open conversation holds a message written
   * after seq by an author that by matches: a typing "on" relayed at seq is
   * then older than that message, and stale.
   */
  wroteSince(conversationId: string, seq: number, by: (m: Message) => boolean): boolean {
    return conversationId === this.id.peek() && this.messages.peek().some((m) => m.seq > seq && by(m));
  }

  /** show takes the conversation's new state when it is the open one. */
  show(s: Summary): boolean {
    if (s.id !== this.id.peek()) return false;
    this.summary.value = s;
    return true;
  }
}
