// Attaching files in the chat window: the paperclip button, files dropped
// anywhere on the window, and pictures pasted into the message. The first
// file loads the upload chunk (tray.ts), which uploads each file and shows
// it, with its progress and a way to cancel it, until a message takes it.
import { h, svg } from "../shared/dom";
import { clipIcon } from "../shared/icons";
import type { Sent } from "../shared/upload";
import type { UploadSlot } from "../shared/wire";
import type { Locale } from "./locale";
import type { Strings } from "./strings";
import type { TrayView } from "./tray";

export interface AttachOptions {
  /** ask gets an upload slot for a file of the message being written. */
  ask: (name: string, size: number) => Promise<UploadSlot>;
  locale: Locale;
  t: Strings;
  /** drops is where files may be dropped: the whole window. */
  drops: HTMLElement;
  input: HTMLTextAreaElement;
  /** changed is called when the tray's files change. */
  changed: () => void;
}

const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files");

export class Attach {
  readonly tray = h("div", { class: "tray", hidden: true });
  readonly picker = h("input", { type: "file", multiple: true, hidden: true, tabindex: "-1" });
  readonly button: HTMLButtonElement;
  private view?: Promise<TrayView>;
  private loaded?: TrayView;

  constructor(private readonly o: AttachOptions) {
    this.button = h("button", { class: "icon-btn attach", type: "button", "aria-label": o.t.attach, title: o.t.attach, onclick: () => this.picker.click() }, svg(clipIcon, 20));
    this.picker.addEventListener("change", () => {
      this.add(Array.from(this.picker.files || []));
      this.picker.value = "";
    });
    o.input.addEventListener("paste", (e) => {
      const files = Array.from(e.clipboardData?.files || []);
      if (!files.length) return;
      e.preventDefault();
      this.add(files);
    });
    const drops = o.drops;
    drops.addEventListener("dragover", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      drops.classList.add("dropping");
    });
    drops.addEventListener("dragleave", (e) => {
      if (!drops.contains(e.relatedTarget as Node)) drops.classList.remove("dropping");
    });
    drops.addEventListener("drop", (e) => {
      drops.classList.remove("dropping");
      if (!hasFiles(e)) return;
      e.preventDefault();
      this.add(Array.from(e.dataTransfer?.files || []));
    });
  }

  /** add uploads files, loading the upload chunk first if it is not yet. */
  add(files: Blob[]): void {
    if (!files.length) return;
    this.view ||= import("./tray").then((m) => (this.loaded = new m.TrayView(this.tray, this.o.ask, this.o.locale, this.o.changed)));
    void this.view.then((v) => v.add(files));
  }

  /** size is the number of files in the tray (one, while the chunk loads). */
  size(): number {
    return this.loaded ? this.loaded.size() : this.view ? 1 : 0;
  }

  /** take waits for the tray's files and hands the uploaded ones to a message. */
  take(): Promise<Sent[]> {
    return this.view ? this.view.then((v) => v.take()) : Promise.resolve([]);
  }
}
