// What the host page says, as the loader hands it on (every second, and
// when the site calls identify or setAttributes): the site's signed user,
// the attributes it set, and the page the chat window is shown on (W8,
// W9). The chat window exists only once the visitor opened it; this keeps
// the latest of each and tells the window what is new, so each identify
// and each change of attributes goes to the server once (which checks
// them), and the page goes only while a conversation is open, once per
// conversation and page, cut to the lengths the server keeps.
import type { PageAction } from "../shared/wire";

/** Assertion is what the site's backend signed for identify (docs/identify.md). */
export interface Assertion {
  externalId: string;
  name?: string;
  email?: string;
  issuedAt?: number;
  signature: string;
}

const text = (v: unknown, n: number): string => (typeof v === "string" ? v.slice(0, n) : "");

export class Site {
  private page: Pick<PageAction, "url" | "title" | "referrer"> | null = null;
  private identity = "";
  private attributes = "";
  private sent = "";

  /** send puts a frame on the socket; false when it is down. */
  constructor(private readonly send: (f: PageAction) => boolean) {}

  /** seen takes a message of the loader and returns what is new: an identify to make, attributes to store. */
  seen(d: Record<string, unknown>): { identify?: Assertion; attributes?: object } {
    const url = text(d.url, 2048);
    if (/^https?:/i.test(url)) this.page = { url, title: text(d.title, 200), referrer: text(d.referrer, 2048) };
    const out: { identify?: Assertion; attributes?: object } = {};
    const id = JSON.stringify(d.identity || "");
    if (id !== this.identity && d.identity) out.identify = d.identity as Assertion;
    const attrs = JSON.stringify(d.attributes || {});
    if (attrs !== this.attributes && attrs !== "{}") out.attributes = d.attributes as object;
    this.identity = id;
    this.attributes = attrs;
    return out;
  }

  /** forgetAttributes makes the next message's attributes new again: after identify, they go to the user too. */
  forgetAttributes(): void {
    this.attributes = "";
  }

  /** report sends the page for an open conversation unless it was sent for it already. */
  report(conversationId: string | undefined): void {
    const p = this.page;
    const key = conversationId + " " + p?.url + " " + p?.title;
    if (p && conversationId && key !== this.sent && this.send({ action: "page", conversationId, ...p, language: navigator.language })) this.sent = key;
  }
}
