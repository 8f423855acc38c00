// The saved replies dialog: the agent's own replies and the team's shared
// ones (which admins change), each editable and deletable, and a form to
// add one. Part of the dialogs' chunk.
import { useEffect, useRef, useState } from "preact/hooks";
import type { ReplyScope, SavedReply } from "../../shared/wire";
import { errorText } from "../text";
import { useInbox } from "./context";

export function RepliesForm() {
  const inbox = useInbox();
  const { replies } = inbox.state;
  const [editing, setEditing] = useState<SavedReply | null>(null);
  const [err, setErr] = useState("");
  const [serial, setSerial] = useState(0); // a new empty form after each save
  useEffect(() => void inbox.loadReplies(true), []);
  const canShare = replies.canEditShared.value;
  const remove = async (r: SavedReply) => {
    try {
      await inbox.deleteReply(r.scope, r.id);
      if (editing?.id === r.id) setEditing(null);
    } catch (e) {
      setErr(errorText(e));
    }
  };
  const group = (scope: ReplyScope) => replies.replies.value.filter((r) => r.scope === scope);
  const editable = (r: SavedReply) => r.scope === "personal" || canShare;
  return (
    <div class="replies-manage">
      <h2 id="dialog-title">Saved replies</h2>
      <p class="sub">
        Type <kbd>/</kbd> at the start of a word in the reply editor to insert one. Placeholders are filled on insert:
        {" {{visitor.name}}, {{agent.name}}, {{agent.meetingsUrl}}"}; a fallback after a bar is used when the value is empty, as in
        {" {{visitor.name|there}}"}.
      </p>
      <p class="error" role="alert" hidden={!err}>{err}</p>
      {(["personal", "shared"] as const).map((scope) => (
        <section key={scope} class="replies-group">
          <h3>{scope === "personal" ? "Yours" : "Shared with the team"}</h3>
          <ul>
            {group(scope).map((r) => (
              <li key={r.id} data-id={r.id}>
                <span class="reply-title">{r.title}</span>
                {r.category ? <span class="reply-category">{r.category}</span> : null}
                <span class="reply-body">{r.body}</span>
                {editable(r) ? (
                  <span class="reply-actions">
                    <button class="link" type="button" onClick={() => { setErr(""); setEditing(r); }}>Edit</button>
                    <button class="link" type="button" onClick={() => void remove(r)}>Delete</button>
                  </span>
                ) : null}
              </li>
            ))}
            {group(scope).length ? null : <li class="none">None yet.</li>}
          </ul>
        </section>
      ))}
      <ReplyEditor key={editing ? editing.id : "new-" + serial} reply={editing} canShare={canShare} done={() => { setEditing(null); setSerial(serial + 1); }} />
      <div class="dialog-bar">
        <button class="ghost" type="button" onClick={() => inbox.closeDialog()}>Close</button>
      </div>
    </div>
  );
}

// The fields are read from the DOM when the form is sent.
function ReplyEditor({ reply, canShare, done }: { reply: SavedReply | null; canShare: boolean; done: () => void }) {
  const inbox = useInbox();
  const [err, setErr] = useState("");
  const title = useRef<HTMLInputElement>(null);
  const category = useRef<HTMLInputElement>(null);
  const body = useRef<HTMLTextAreaElement>(null);
  const scope = useRef<HTMLSelectElement>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    const s: ReplyScope = reply ? reply.scope : (scope.current?.value as ReplyScope) || "personal";
    try {
      await inbox.saveReply(s, { title: title.current!.value, body: body.current!.value, category: category.current!.value }, reply?.id);
      done();
    } catch (e) {
      setErr(errorText(e));
    }
  };
  return (
    <form class="reply-editor" onSubmit={save}>
      <h3>{reply ? "Edit “" + reply.title + "”" : "New saved reply"}</h3>
      <label for="r-title">Title</label>
      <input ref={title} id="r-title" required maxLength={80} defaultValue={reply?.title || ""} />
      <label for="r-category">Category (optional)</label>
      <input ref={category} id="r-category" maxLength={40} defaultValue={reply?.category || ""} />
      <label for="r-body">Text</label>
      <textarea ref={body} id="r-body" required rows={4} maxLength={5000} defaultValue={reply?.body || ""} placeholder="Hi {{visitor.name|there}}, …" />
      {!reply && canShare ? (
        <>
          <label for="r-scope">Who uses it</label>
          <select ref={scope} id="r-scope">
            <option value="personal">Only me</option>
            <option value="shared">The whole team</option>
          </select>
        </>
      ) : null}
      <p class="error" role="alert" hidden={!err}>{err}</p>
      <div class="dialog-bar">
        {reply ? <button class="ghost" type="button" onClick={done}>Cancel</button> : null}
        <button class="primary" type="submit">{reply ? "Save" : "Add"}</button>
      </div>
    </form>
  );
}
