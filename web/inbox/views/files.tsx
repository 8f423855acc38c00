// Files in the thread, a chunk loaded with the first thread opened (the
// first screen, the list, does without it): pictures as previews and other
// files as cards (name, size, type), downloaded through short-lived URLs on
// the files origin and never fetched into the inbox's origin; the files
// mailed in that no message carries; and the reply editor's file button
// and uploads (the tray is shared with the widget: shared/upload.ts). Its
// styles come with it, as a constructed stylesheet (no inline style under
// the CSP).
import { useEffect, useState } from "preact/hooks";
import { pastedName, type Sent, Tray } from "../../shared/upload";
import type { Attachment, Message } from "../../shared/wire";
import type { Inbox } from "../inbox";
import type { PendingReply } from "../state/pending";
import { fileSize } from "../text";
import { useInbox } from "./context";

export type FilesProps = { kind: "message"; m: Message } | { kind: "other" } | { kind: "tray" } | { kind: "picker" };

const css = `.att{display:flex;flex-wrap:wrap;gap:8px;margin-top:6px}
.att-img{padding:0;border:1px solid var(--line);border-radius:10px;overflow:hidden;background:#fff;cursor:zoom-in}
.att-img img{display:block;max-width:280px;max-height:200px;min-width:48px;min-height:32px;object-fit:contain}
.att-card{display:flex;align-items:center;gap:10px;max-width:320px;padding:8px 12px 8px 8px;border:1px solid var(--line);border-radius:10px;background:#fff;text-align:left;color:inherit;font:inherit}
button.att-card:hover{border-color:var(--c)}
.att-kind{flex:none;min-width:40px;padding:8px 4px;border-radius:8px;background:var(--soft);color:var(--c);font-size:11px;font-weight:700;text-align:center}
.att-text{display:flex;flex-direction:column;min-width:0}
.att-name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.att-meta{font-size:12px;color:var(--muted)}
.att-err{flex-basis:100%;margin:2px 0 0;font-size:12.5px;color:#a3262b}
.other-files{padding:8px 20px;border-bottom:1px solid var(--line);font-size:13px;color:var(--muted)}
.other-files .att{margin-top:4px}
.tray{display:flex;flex-direction:column;gap:6px;margin-bottom:8px}
.up{display:grid;grid-template-columns:1fr auto;gap:2px 8px;align-items:center;font-size:13px}
.up-bar{height:4px;border-radius:2px;background:var(--line);overflow:hidden}
.up-bar i{display:block;height:100%;background:var(--c);transition:width .2s}
.up.failed .up-bar{display:none}
.up-err{grid-column:1/-1;margin:0;color:#a3262b;font-size:12.5px}
.up-x{grid-row:1/3;grid-column:2}
.attach{cursor:pointer}
.attach:has(:focus-visible){outline:3px solid #8aa4f8;outline-offset:2px}`;

const sheet = new CSSStyleSheet();
sheet.replaceSync(css);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

// ---------------------------------------------------------------- uploads

const texts = {
  tooLarge: "{name} is larger than this channel accepts.",
  notAccepted: "Files like {name} cannot be sent.",
  tooMany: "A reply carries at most {n} files.",
  failed: "{name} could not be uploaded.",
};

const trays = new WeakMap<Inbox, Tray>();

// trayOf is the inbox's tray of files for the open conversation's next
// reply; its items show in inbox.uploads.
function trayOf(inbox: Inbox): Tray {
  let t = trays.get(inbox);
  if (!t) {
    const tray: Tray = new Tray({
      ask: (name, size) => inbox.api.uploadSlot(inbox.state.thread.id.peek() || "", name, size),
      texts, unnamed: pastedName, changed: () => (inbox.uploads.value = tray.items()),
    });
    trays.set(inbox, (t = tray));
  }
  return t;
}

/** attach uploads files for the open conversation's next reply. */
export function attach(inbox: Inbox, files: Blob[]): void {
  trayOf(inbox).add(files);
}

/**
 * opened follows the opening of a thread: a reply's files belong to its
 * conversation, so another one's are dropped (fresh), and the files the
 * conversation received by email are listed.
 */
export async function opened(inbox: Inbox, id: string, fresh: boolean): Promise<void> {
  if (fresh) clearFiles(inbox);
  let list: Attachment[];
  try {
    list = (await inbox.api.attachments(id)).attachments;
  } catch {
    return; // the thread shows without its files
  }
  if (inbox.state.thread.id.peek() === id) inbox.state.thread.files.value = list;
}

/** clearFiles cancels the files of a reply to a conversation left. */
export function clearFiles(inbox: Inbox): void {
  trayOf(inbox).clear();
}

/**
 * sendWithFiles sends a reply once its files are uploaded, with those that
 * made it; a reply left with neither text nor files is dropped.
 */
export async function sendWithFiles(inbox: Inbox, p: PendingReply): Promise<void> {
  const sent: Sent[] = await trayOf(inbox).take();
  const { pending } = inbox.state;
  if (!p.body && !sent.length) {
    pending.drop(p.clientId);
    return inbox.sendNext();
  }
  pending.uploaded(p.clientId, sent);
  if (p.channel === "email") void inbox.sendEmail(p.conversationId, p.clientId, p.body, sent.map((f) => f.ref));
  else inbox.sendNext();
}

// ---------------------------------------------------------------- views

export function Files(p: FilesProps) {
  switch (p.kind) {
    case "message":
      return <MessageFiles m={p.m} />;
    case "other":
      return <OtherFiles />;
    case "tray":
      return <UploadTray />;
    case "picker":
      return <Picker />;
  }
}

// A URL lives 5 minutes; one fetched less than 4 minutes ago is reused.
const urls = new Map<string, { url: string; at: number }>();

async function urlOf(inbox: Inbox, conversationId: string, a: Attachment): Promise<string> {
  const hit = urls.get(a.id);
  if (hit && Date.now() - hit.at < 4 * 60 * 1000) return hit.url;
  const url = await inbox.downloadURL(conversationId, a);
  urls.set(a.id, { url, at: Date.now() });
  return url;
}

// code is an APIError's stable code (api/client.ts, not imported: the
// chunk would take the client out of the first load with it).
const code = (e: unknown) => (e as { code?: string }).code;

/** held says why a file is held back (a malware scan), or "" for another failure. */
function held(e: unknown): string {
  return code(e) === "blocked" || code(e) === "pending" ? (e as Error).message : "";
}

function kind(a: Attachment): string {
  const ext = a.filename.includes(".") ? a.filename.split(".").pop() || "" : "";
  return ext.toUpperCase().slice(0, 8) || "FILE";
}

function MessageFiles({ m }: { m: Message }) {
  return (
    <div class="att">
      {(m.attachments || []).map((a) =>
        a.inline ? <Preview key={a.id} conversationId={m.conversationId} a={a} /> : <Card key={a.id} conversationId={m.conversationId} a={a} />,
      )}
    </div>
  );
}

/**
 * Preview shows a picture from the files origin, sized by the browser; a
 * picture still being scanned is asked for again a little later, one held
 * back turns into a card that says why.
 */
function Preview({ conversationId, a }: { conversationId: string; a: Attachment }) {
  const inbox = useInbox();
  const [url, setURL] = useState("");
  const [failure, setFailure] = useState("");
  useEffect(() => {
    let here = true;
    let timer: ReturnType<typeof setTimeout>;
    const load = (tries: number) =>
      urlOf(inbox, conversationId, a).then((u) => here && setURL(u), (e) => {
        if (!here) return;
        if (code(e) === "pending" && tries) timer = setTimeout(() => load(tries - 1), 3000);
        else setFailure(held(e) || "The picture could not be loaded.");
      });
    load(5);
    return () => {
      here = false;
      clearTimeout(timer);
    };
  }, [a.id]);
  if (failure) return <Card conversationId={conversationId} a={a} failure={failure} />;
  return (
    <button class="att-img" type="button" title={`Open ${a.filename}`} onClick={() => void openFile(inbox, conversationId, a)}>
      {url ? <img src={url} alt={a.filename} decoding="async" referrerpolicy="no-referrer" /> : <span class="att-meta">{a.filename}</span>}
    </button>
  );
}

function Card({ conversationId, a, failure }: { conversationId: string; a: Attachment; failure?: string }) {
  const inbox = useInbox();
  const [error, setError] = useState(failure || "");
  const text = (
    <>
      <span class="att-kind" aria-hidden="true">{kind(a)}</span>
      <span class="att-text"><span class="att-name">{a.filename}</span><span class="att-meta">{fileSize(a.size)}{a.contentType ? " · " + a.contentType : ""}</span></span>
    </>
  );
  return (
    <>
      <button class="att-card" type="button" title={`Download ${a.filename}`} onClick={() => void openFile(inbox, conversationId, a).then((why) => why && setError(why))}>{text}</button>
      {error ? <p class="att-err" role="alert">{error}</p> : null}
    </>
  );
}

/**
 * openFile opens a file in a new tab, opened within the click so no popup
 * blocker stops it, once its URL is known; the tab keeps no opener. It
 * returns why the file is held back, if it is.
 */
async function openFile(inbox: Inbox, conversationId: string, a: Attachment): Promise<string> {
  const tab = window.open("", "_blank");
  try {
    const url = await urlOf(inbox, conversationId, a);
    if (tab) {
      tab.opener = null;
      tab.location.href = url;
    }
    return "";
  } catch (e) {
    tab?.close();
    const why = held(e);
    if (!why) inbox.state.notices.fail(e);
    return why;
  }
}

/** OtherFiles are the conversation's files no message carries (mail from before files were the messages'). */
function OtherFiles() {
  const { thread } = useInbox().state;
  const carried = new Set(thread.messages.value.flatMap((m) => (m.attachments || []).map((a) => a.id)));
  const rest = thread.files.value.filter((a) => !carried.has(a.id));
  const id = thread.id.value;
  if (!rest.length || !id) return null;
  return (
    <div class="other-files">
      Other files of this conversation
      <div class="att">{rest.map((a) => <Card key={a.id} conversationId={id} a={a} />)}</div>
    </div>
  );
}

/** Picker is the reply editor's file button: a label, so the browser's own picker opens on a click or a key. */
function Picker() {
  const inbox = useInbox();
  return (
    <label class="ghost attach">
      Attach files
      <input class="sr" type="file" multiple onChange={(e) => {
        const files = Array.from(e.currentTarget.files || []);
        e.currentTarget.value = "";
        if (files.length && inbox.state.thread.id.peek()) attach(inbox, files);
      }} />
    </label>
  );
}

/** UploadTray shows the files of the reply being written, each with its progress and a button that cancels it. */
function UploadTray() {
  const inbox = useInbox();
  const items = inbox.uploads.value;
  if (!items.length) return null;
  return (
    <div class="tray" aria-label="Files to send">
      {items.map((it) => (
        <div key={it.id} class={"up " + it.state}>
          <span>{it.name} · {fileSize(it.size)}</span>
          <span class="up-bar"><i style={{ width: Math.round(it.progress * 100) + "%" }} /></span>
          <button class="ghost up-x" type="button" aria-label={(it.state === "failed" ? "Remove " : "Cancel ") + it.name} onClick={() => trayOf(inbox).remove(it.id)}>×</button>
          {it.error ? <p class="up-err" role="alert">{it.error}</p> : null}
        </div>
      ))}
    </div>
  );
}
