// What the inbox tells the agent besides the screen itself: a polite
// announcement for screen readers, and a toast for what went wrong.
import { signal } from "@preact/signals";

export class Notices {
  /** announcement is read out by the polite live region. */
  readonly announcement = signal("");
  /** toast is the latest failure, shown for a few seconds. */
  readonly toast = signal<string | null>(null);
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly toastMs = 6000) {}

  say(text: string): void {
    this.announcement.value = text;
  }

  fail(e: unknown): void {
    this.toast.value = e instanceof Error ? e.message : String(e);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => (this.toast.value = null), this.toastMs);
  }
}
