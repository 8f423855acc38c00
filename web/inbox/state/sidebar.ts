// Who the open conversation's visitor is (I10): the card beside the
// thread, read when the thread opens and after the agent edits the
// contact; the visitor's pages arrive live while the thread is open.
import { batch, signal } from "@preact/signals";
import type { ContactCard, Visit } from "../../shared/wire";

export class SidebarState {
  /** id is the conversation the card is of, null when no thread is open. */
  readonly id = signal<string | null>(null);
  /** card is the visitor's card, null until read. */
  readonly card = signal<ContactCard | null>(null);
  /** failure is why the card could not be read. */
  readonly failure = signal<string | null>(null);
  private serial = 0;
  /** heard is the latest visit frame of the conversation heard before its card. */
  private heard: Visit | null = null;

  /** open starts the card of a conversation; it returns a mark for loaded. */
  open(id: string | null): number {
    batch(() => {
      if (this.id.peek() !== id) {
        this.card.value = null;
        this.heard = null;
      }
      this.id.value = id;
      this.failure.value = null;
    });
    return ++this.serial;
  }

  /** loaded takes a card read since mark; a read overtaken by a newer one, or of another conversation, changes nothing. */
  loaded(id: string, card: ContactCard, mark: number): void {
    if (id !== this.id.peek() || mark !== this.serial) return;
    // Pages heard live while the card was read stay, whether a card was
    // shown already or not.
    const live = this.card.peek()?.visit || this.heard;
    this.heard = null;
    const visit = live && (!card.visit || newest(live) > newest(card.visit)) ? live : card.visit;
    this.card.value = { ...card, visit };
  }

  failed(id: string, reason: string): void {
    if (id === this.id.peek()) this.failure.value = reason;
  }

  /** visit takes a visit frame: the open conversation's visitor moved to another page. */
  visit(conversationId: string, v: Visit): void {
    const card = this.card.peek();
    if (conversationId !== this.id.peek()) return;
    if (!card) {
      if (!this.heard || newest(v) >= newest(this.heard)) this.heard = v;
      return;
    }
    if (card.visit && newest(card.visit) > newest(v)) return;
    this.card.value = { ...card, visit: v };
  }
}

/** newest is when a visit's latest page was reported. */
function newest(v: Visit): string {
  return v.pages.length ? v.pages[v.pages.length - 1].at : v.startedAt;
}
