// The agent's notifications (today: the notes that mention it) and their
// unread count, fed by pages over HTTP and "notification" frames.
import { signal } from "@preact/signals";
import type { Notification, NotificationPage } from "../../shared/wire";

export class NotificationsState {
  /** items are newest first, each id once. */
  readonly items = signal<readonly Notification[]>([]);
  readonly unread = signal(0);
  /** next is the cursor of the next page, when there is one. */
  readonly next = signal<string | undefined>(undefined);
  readonly loaded = signal(false);
  /** heardLive are the entries a frame brought. */
  private readonly heardLive = new Set<string>();

  /**
   * page takes a page read over HTTP: the first one replaces the list and
   * the count, keeping the entries heard live that are newer than the page
   * (they came after it was read); a later one is appended.
   */
  page(p: NotificationPage, first: boolean): void {
    const have = this.items.peek();
    if (first) {
      const known = new Set(p.notifications.map((n) => n.id));
      const newest = p.notifications[0]?.id ?? "";
      const live = have.filter((n) => !known.has(n.id) && n.id > newest && this.heardLive.has(n.id));
      this.items.value = [...live, ...p.notifications];
      this.unread.value = p.unread + live.filter((n) => !n.read).length;
      this.loaded.value = true;
    } else {
      const known = new Set(have.map((n) => n.id));
      this.items.value = [...have, ...p.notifications.filter((n) => !known.has(n.id))];
    }
    this.next.value = p.nextCursor;
  }

  /**
   * heard takes a "notification" frame. It says whether the frame is news
   * (the first frame of that entry), which a page read meanwhile may
   * already have listed: the entry is then not counted twice, but it is
   * news all the same.
   */
  heard(n: Notification): boolean {
    if (this.heardLive.has(n.id)) return false;
    this.heardLive.add(n.id);
    const have = this.items.peek();
    if (!have.some((x) => x.id === n.id)) {
      this.items.value = [n, ...have].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      if (!n.read) this.unread.value++;
    }
    return true;
  }

  /** read marks entries read, or all of them without ids; unread is the server's count when it answered. */
  read(ids: readonly string[] | "all", unread?: number): void {
    const all = ids === "all";
    const set = new Set(all ? [] : ids);
    let changed = 0;
    this.items.value = this.items.peek().map((n) => {
      if (n.read || (!all && !set.has(n.id))) return n;
      changed++;
      return { ...n, read: true };
    });
    this.unread.value = unread ?? Math.max(0, this.unread.peek() - (all ? this.unread.peek() : changed));
  }
}
