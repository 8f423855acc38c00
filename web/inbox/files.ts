// The files a conversation received by email, under the thread's head.
// A click asks the API for a short-lived download URL on the bucket's own
// origin and opens it: the file is never fetched into the inbox's origin.
import { h } from "../shared/dom";
import type { Api } from "./email";

interface Attachment {
  id: string;
  filename: string;
  size: number;
  inline: boolean;
}

function size(n: number): string {
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return Math.round(n / 1024) + " KB";
  return (n / 1024 / 1024).toFixed(1) + " MB";
}

export class FilesLine {
  readonly el = h("p", { class: "files", hidden: true });
  private conversation = "";

  constructor(private readonly api: Api, private readonly fail: (e: unknown) => void) {}

  /** load lists the files of a conversation (nothing shows when it has none). */
  async load(conversationId: string): Promise<void> {
    this.conversation = conversationId;
    this.el.hidden = true;
    let list: Attachment[] = [];
    try {
      list = (await this.api<{ attachments: Attachment[] }>("GET", `/agent/conversations/${conversationId}/attachments`)).attachments;
    } catch {
      return; // the thread shows without its files
    }
    if (this.conversation !== conversationId) return;
    this.el.replaceChildren("Files: ", ...list.map((a) =>
      h("button", { class: "link file", type: "button", title: a.inline ? "Open" : "Download", onclick: () => void this.open(conversationId, a) }, `${a.filename} (${size(a.size)})`)));
    this.el.hidden = list.length === 0;
  }

  private async open(conversationId: string, a: Attachment): Promise<void> {
    // Open the tab in the click, so no popup blocker stops it; point it at
    // the download once the URL is known.
    const tab = window.open("", "_blank");
    try {
      const d = await this.api<{ url: string }>("GET", `/agent/conversations/${conversationId}/attachments/${encodeURIComponent(a.id)}`);
      if (tab) {
        tab.opener = null;
        tab.location.href = d.url;
      }
    } catch (e) {
      tab?.close();
      this.fail(e);
    }
  }
}
