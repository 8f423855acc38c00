// Files a person attaches before sending a message, widget and inbox alike.
// Each file gets an upload slot from the API (which refuses a type or a
// size it does not take before any byte is sent), then goes straight to
// S3 as a form post with the slot's fields: the bytes never pass through
// the API. The tray tracks each file's progress; any file can be cancelled
// or removed; take() hands the finished ones to the message. No DOM here:
// the widget and the inbox draw the tray from its items.
import type { UploadRef, UploadSlot } from "./wire";

/** Item is one attached file as the tray shows it. */
export interface Item {
  id: number;
  name: string;
  size: number;
  /** state: asking for a slot, uploading, done, or failed (error says why). */
  state: "asking" | "uploading" | "done" | "failed";
  /** progress is the share sent, 0 to 1. */
  progress: number;
  error?: string;
}

/** Sent is a finished file as its message carries it. */
export interface Sent {
  ref: UploadRef;
  name: string;
  size: number;
}

/** Transfer is one running upload. */
export interface Transfer {
  done: Promise<void>;
  abort(): void;
}

/** Texts are the tray's refusals, in the reader's language; {name} and {n} (the most files a message carries) are replaced. */
export interface Texts {
  tooLarge: string;
  notAccepted: string;
  tooMany: string;
  failed: string;
}

/** APIFailure is how a slot's refusal reaches the tray: its HTTP status. */
export interface APIFailure {
  status?: number;
}

export interface TrayOptions {
  /** ask gets a slot for a file; a refusal rejects with its status. */
  ask: (name: string, size: number) => Promise<UploadSlot>;
  /** send posts a file through its slot (post, below, in a browser). */
  send?: (slot: UploadSlot, file: Blob, progress: (share: number) => void) => Transfer;
  texts: Texts;
  /** changed is called after every change of the items. */
  changed: () => void;
  /** unnamed names a file that has no name (pastedName, below). */
  unnamed?: (f: Blob) => string;
}

interface Entry extends Item {
  file: Blob;
  transfer?: Transfer;
  ref?: UploadRef;
  cancelled?: boolean;
  settled: Promise<void>;
}

export class Tray {
  private entries: Entry[] = [];
  private next = 1;
  // The channel's limits, known after the first slot.
  private maxBytes = 0;
  private maxFiles = 0;

  constructor(private readonly o: TrayOptions) {}

  /** items are the files in the tray, in the order they were added. */
  items(): Item[] {
    return this.entries.map(({ id, name, size, state, progress, error }) => ({ id, name, size, state, progress, error }));
  }

  /** add starts uploading files. */
  add(files: readonly Blob[]): void {
    for (const file of files) {
      const n = (file as File).name || this.o.unnamed?.(file) || "file";
      const e = { id: this.next++, name: n, size: file.size, state: "asking", progress: 0, file } as Entry;
      const live = this.entries.filter((x) => x.state !== "failed").length;
      const refusal = this.maxFiles && live >= this.maxFiles ? this.o.texts.tooMany
        : this.maxBytes && file.size > this.maxBytes ? this.o.texts.tooLarge : "";
      if (refusal) {
        e.state = "failed";
        e.error = this.fill(refusal, e.name);
        e.settled = Promise.resolve();
      } else {
        e.settled = this.start(e);
      }
      this.entries.push(e);
    }
    this.o.changed();
  }

  private fill(text: string, name: string): string {
    // Replacers: a name is put in as it is, "$&" or "{n}" in it included.
    return text.replace(/\{(name|n)\}/g, (_, k) => (k === "n" ? String(this.maxFiles) : name));
  }

  private async start(e: Entry): Promise<void> {
    try {
      const slot = await this.o.ask(e.name, e.size);
      this.maxBytes = slot.maxBytes;
      this.maxFiles = slot.maxFiles;
      if (e.cancelled) return;
      e.state = "uploading";
      this.o.changed();
      const send = this.o.send || post;
      e.transfer = send(slot, e.file, (share) => {
        e.progress = share;
        this.o.changed();
      });
      await e.transfer.done;
      e.state = "done";
      e.progress = 1;
      e.ref = { key: slot.key, size: e.size, contentType: slot.contentType };
    } catch (err) {
      if (e.cancelled) return;
      const status = (err as APIFailure).status;
      e.state = "failed";
      e.error = this.fill(status === 413 ? this.o.texts.tooLarge : status === 400 ? this.o.texts.notAccepted : this.o.texts.failed, e.name);
    }
    this.o.changed();
  }

  /** remove cancels a file's upload, or drops a failed one. */
  remove(id: number): void {
    const e = this.entries.find((x) => x.id === id);
    if (!e) return;
    e.cancelled = true;
    e.transfer?.abort();
    this.entries = this.entries.filter((x) => x !== e);
    this.o.changed();
  }

  /** clear cancels every file (the message they were for will not be written). */
  clear(): void {
    for (const e of this.entries) {
      e.cancelled = true;
      e.transfer?.abort();
    }
    this.entries = [];
    this.o.changed();
  }

  /** size is the number of files in the tray. */
  size(): number {
    return this.entries.length;
  }

  /**
   * take removes the files in the tray now, waits for them to finish, and
   * returns the ones that made it, for the message about to be sent. They
   * are the message's from then on: files added meanwhile are for the next
   * message (and count against its limit alone), and a clear cancels only
   * those.
   */
  async take(): Promise<Sent[]> {
    const now = this.entries;
    this.entries = [];
    this.o.changed();
    await Promise.all(now.map((e) => e.settled));
    return now.filter((e) => e.ref && !e.cancelled).map((e) => ({ ref: e.ref as UploadRef, name: e.name, size: e.size }));
  }
}

/**
 * post sends a file to S3 through its slot: multipart/form-data with the
 * slot's fields, then the file, reporting the share sent. A refusal
 * carries S3's status.
 */
export function post(slot: UploadSlot, file: Blob, progress: (share: number) => void): Transfer {
  const xhr = new XMLHttpRequest();
  const done = new Promise<void>((resolve, reject) => {
    xhr.upload.onprogress = (e) => e.lengthComputable && progress(e.loaded / e.total);
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject({ status: xhr.status }));
    xhr.onerror = xhr.onabort = () => reject({ status: 0 });
  });
  const form = new FormData();
  for (const [k, v] of Object.entries(slot.fields)) form.append(k, v);
  form.append("file", file);
  xhr.open("POST", slot.url);
  xhr.send(form);
  return { done, abort: () => xhr.abort() };
}

/** pastedName names a pasted image, which has no name of its own. */
export function pastedName(f: Blob): string {
  const ext = f.type.split("/")[1]?.replace("jpeg", "jpg") || "png";
  const d = new Date();
  const two = (n: number) => String(n).padStart(2, "0");
  return `Pasted image ${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}.${two(d.getMinutes())}.${two(d.getSeconds())}.${ext}`;
}
