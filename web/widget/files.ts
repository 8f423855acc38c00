// A message's files in the chat window: pictures as previews, other files
// as cards (name, size, type) that download. Every URL is a short-lived one
// the API gives for a file of the visitor's own conversation, on the files
// origin: a picture is an <img> (sized here, never run), anything else opens
// in a tab of its own, where the files origin makes it download.
import { h } from "../shared/dom";
import type { Sent } from "../shared/upload";
import type { Attachment, Download } from "../shared/wire";
import type { Strings } from "./strings";

/** Fetch asks the API for a download of a file of a conversation. */
export type Fetch = (conversationId: string, a: Attachment) => Promise<Download>;

// A URL lives 5 minutes; one fetched less than 4 minutes ago is reused.
const fresh = 4 * 60 * 1000;
const urls = new Map<string, { d: Download; at: number }>();

async function open(fetch: Fetch, conversationId: string, a: Attachment): Promise<Download> {
  const hit = urls.get(a.id);
  if (hit && Date.now() - hit.at < fresh) return hit.d;
  const d = await fetch(conversationId, a);
  urls.set(a.id, { d, at: Date.now() });
  return d;
}

/** size is a file's size as people read it. */
export function size(n: number): string {
  return n < 1000 ? n + " B" : n < 1e6 ? Math.round(n / 1000) + " KB" : (n / 1e6).toFixed(1) + " MB";
}

function kind(name: string): string {
  const ext = name.includes(".") ? name.split(".").pop() || "" : "";
  return ext.toUpperCase().slice(0, 8);
}

/** why says why a file is not served (a malware scan), or "" for another failure. */
function why(e: unknown, t: Strings): string {
  const status = (e as { status?: number }).status;
  return status === 403 ? t.fileBlocked : status === 409 ? t.fileScanning : "";
}

function card(a: Pick<Attachment, "filename" | "size">, t: Strings, tag: "button" | "div" | "li" = "button"): HTMLElement {
  return h(tag, { class: "file-card", type: tag === "button" ? "button" : undefined, title: tag === "button" ? t.download : undefined },
    h("span", { class: "file-kind", "aria-hidden": "true" }, kind(a.filename) || "FILE"),
    h("span", { class: "file-text" }, h("span", { class: "file-name" }, a.filename), h("span", { class: "file-meta" }, size(a.size))));
}

/**
 * fileList shows a stored message's files. A picture's preview is fetched
 * when drawn (a file still being scanned is asked for again a little
 * later); a click opens the file in a new tab, opened within the click so
 * no popup blocker stops it.
 */
export function fileList(conversationId: string, files: readonly Attachment[], fetch: Fetch, t: Strings): HTMLElement {
  const list = h("div", { class: "files" });
  for (const a of files) {
    const el = a.inline ? h("button", { class: "file-img", type: "button", title: a.filename }) : card(a, t);
    const note = (e: unknown) => {
      const text = why(e, t);
      if (text) el.replaceWith(h("div", { class: "file-note" }, card(a, t, "div"), h("p", {}, text)));
    };
    if (a.inline) {
      const img = h("img", { alt: a.filename, decoding: "async", referrerpolicy: "no-referrer" });
      el.append(img);
      const show = (tries: number) =>
        open(fetch, conversationId, a).then((d) => (img.src = d.url), (e) => {
          if ((e as { status?: number }).status === 409 && tries) setTimeout(() => show(tries - 1), 3000);
          else note(e);
        });
      show(5);
    }
    el.addEventListener("click", () => {
      const tab = window.open("", "_blank");
      open(fetch, conversationId, a).then((d) => {
        if (!tab) return;
        tab.opener = null;
        tab.location.href = d.url;
      }, (e) => {
        tab?.close();
        note(e);
      });
    });
    list.append(el);
  }
  return list;
}

/** sentList shows the files of a message not stored yet: their names. */
export function sentList(files: readonly Sent[], t: Strings): HTMLElement {
  return h("ul", { class: "files" }, ...files.map((f) => card({ filename: f.name, size: f.size }, t, "li")));
}
