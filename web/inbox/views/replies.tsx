// Saved replies in the reply editor: a "Saved replies" button opens a
// picker with a search field, and a "/" typed at the start of a word
// offers the replies its letters match, in place. Arrows move, Enter (or
// Tab) inserts, Escape closes; the list is a listbox whose choice a
// status line also says. An inserted reply has its placeholders filled
// and is text in the editor, like anything typed.
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { SavedReply } from "../../shared/wire";
import { fill, insertReply, matchReplies, type SlashQuery, slashAt } from "../state/replies";
import { useInbox } from "./context";

const shown = 8;

/** SavedReplies is the editor's saved replies: mount it in the editor's bar with the editor's textarea. */
export function SavedReplies({ textarea }: { textarea: RefObject<HTMLTextAreaElement | null> }) {
  const inbox = useInbox();
  const { replies, thread, email, profile } = inbox.state;
  // slash: the "/" being typed; picking: the picker opened by the button.
  const [slash, setSlash] = useState<SlashQuery | null>(null);
  const [closedAt, setClosedAt] = useState(-1);
  const [picking, setPicking] = useState(false);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const search = useRef<HTMLInputElement>(null);

  const inSlash = !picking && slash !== null && slash.start !== closedAt;
  const found = matchReplies(replies.replies.value, picking ? query : slash?.query || "").slice(0, picking ? undefined : shown);
  const open = picking || (inSlash && found.length > 0);
  const chosen = found[Math.min(active, found.length - 1)];

  const insert = (r: SavedReply) => {
    const el = textarea.current;
    if (!el) return;
    const me = profile.me.peek();
    const text = fill(r.body, { visitorName: email.facts.peek().contactName || "", agentName: me.displayName, meetingsUrl: me.meetingsUrl || "" });
    const caret = el.selectionStart ?? el.value.length;
    const next = insertReply(el.value, caret, picking ? null : slash, text);
    thread.draft.value = next.text;
    el.value = next.text;
    el.focus();
    el.setSelectionRange(next.caret, next.caret);
    setPicking(false);
    setSlash(null);
    inbox.typed();
  };
  const close = () => {
    if (picking) {
      setPicking(false);
      textarea.current?.focus();
    } else setClosedAt(slash?.start ?? -1);
  };
  const keys = (e: KeyboardEvent): void => {
    if (e.isComposing) return;
    // In the editor, this listener goes with the next effect, which may run
    // a frame after an insert: a key pressed meanwhile (Enter to send the
    // inserted reply) is the editor's once no "/" is being typed. In the
    // picker's search field the keys are always the picker's.
    const el = textarea.current;
    if (!picking && (!el || !slashAt(el.value, el.selectionStart ?? el.value.length))) return;
    if (e.key === "ArrowDown") setActive((i) => (i + 1) % Math.max(found.length, 1));
    else if (e.key === "ArrowUp") setActive((i) => (i - 1 + found.length) % Math.max(found.length, 1));
    else if ((e.key === "Enter" || e.key === "Tab") && chosen) insert(chosen);
    // Enter in the search field with nothing to insert does nothing: left
    // to the browser, it would submit the editor's form and send the draft.
    else if (e.key === "Enter" && picking) { /* nothing to insert */ }
    else if (e.key === "Escape") close();
    else return;
    e.preventDefault();
    e.stopImmediatePropagation();
  };

  // Follow the caret: a "/" at the start of a word opens the list.
  useEffect(() => {
    const el = textarea.current;
    if (!el) return;
    const follow = () => {
      const q = slashAt(el.value, el.selectionStart ?? el.value.length);
      setSlash(q);
      setActive(0);
      if (q) void inbox.loadReplies();
    };
    const keyUp = (e: KeyboardEvent) => e.key === "ArrowUp" || e.key === "ArrowDown" || follow();
    el.addEventListener("input", follow);
    el.addEventListener("click", follow);
    el.addEventListener("keyup", keyUp);
    return () => {
      el.removeEventListener("input", follow);
      el.removeEventListener("click", follow);
      el.removeEventListener("keyup", keyUp);
    };
  }, [textarea.current]);

  // While the "/" list is open, its keys come before the editor's own
  // (which sends on Enter).
  useEffect(() => {
    const el = textarea.current;
    if (!el || !inSlash || !found.length) return;
    el.addEventListener("keydown", keys, { capture: true });
    return () => el.removeEventListener("keydown", keys, { capture: true });
  });

  useEffect(() => {
    if (picking) search.current?.focus();
  }, [picking]);

  const optionID = (r: SavedReply) => "reply-" + r.id;
  return (
    <>
      <button class="ghost" type="button" aria-haspopup="listbox" aria-expanded={picking} onClick={() => {
        void inbox.loadReplies();
        setQuery("");
        setActive(0);
        setPicking(!picking);
      }}>Saved replies</button>
      {open ? (
        <div class="replies-pop">
          {picking ? (
            <input ref={search} class="replies-search" type="search" aria-expanded="true" aria-controls="replies-list" aria-autocomplete="list"
              aria-activedescendant={chosen ? optionID(chosen) : undefined} aria-label="Find a saved reply" placeholder="Find a saved reply…"
              value={query} onInput={(e) => { setQuery(e.currentTarget.value); setActive(0); }} onKeyDown={keys} />
          ) : null}
          <ul id="replies-list" class="replies-list" role="listbox" aria-label="Saved replies">
            {found.map((r, i) => (
              <li key={r.id} id={optionID(r)} role="option" aria-selected={r === chosen} data-id={r.id}
                onMouseDown={(e) => { e.preventDefault(); insert(r); }} onMouseEnter={() => setActive(i)}>
                <span class="reply-title">{r.title}</span>
                {r.category ? <span class="reply-category">{r.category}</span> : null}
                <span class="reply-body">{r.body}</span>
              </li>
            ))}
          </ul>
          <p class="sr" role="status" aria-live="polite">
            {!replies.loaded.value ? "Loading saved replies…" : found.length ? `${found.length} saved replies; Enter inserts ${chosen?.title}` : "No saved reply matches"}
          </p>
          {picking ? (
            <p class="replies-foot">
              {replies.loaded.value && !found.length ? <span>No saved reply matches.</span> : null}
              <button class="link" type="button" onClick={() => { setPicking(false); inbox.openDialog({ kind: "replies" }); }}>Manage saved replies</button>
            </p>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
