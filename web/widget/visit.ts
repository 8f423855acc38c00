// Where the chat window is shown (W9): the host page's URL, title and
// referrer come from the loader (it starts the chat window only when the
// visitor opens it, and tells it of single-page navigation), and go to
// the server only while a conversation is open, once per conversation
// and page. Values are cut to the lengths the server keeps.
import type { PageAction } from "../shared/wire";

const cut = (v: unknown, n: number): string => (typeof v === "string" ? v.slice(0, n) : "");

export class PageReporter {
  private page: Omit<PageAction, "action" | "conversationId" | "language"> | null = null;
  private sent = "";

  /** send puts a frame on the socket; false when it is down. */
  constructor(private readonly send: (f: PageAction) => boolean) {}

  /** seen takes what the loader says of the host page. */
  seen(d: { url?: unknown; title?: unknown; referrer?: unknown }): void {
    const url = cut(d.url, 2048);
    if (/^https?:/i.test(url)) this.page = { url, title: cut(d.title, 200), referrer: cut(d.referrer, 2048) };
  }

  /** report sends the page for an open conversation unless it was sent for it already. */
  report(conversationId: string | undefined): void {
    const p = this.page;
    if (!p || !conversationId) return;
    const key = conversationId + " " + p.url + " " + p.title;
    if (key !== this.sent && this.send({ action: "page", conversationId, ...p, language: navigator.language })) this.sent = key;
  }
}
