// Notes in the thread and in the editor: a note's row, the "Reply | Note"
// switch, and the agents an "@" in a note offers.
import type { ComponentChildren, RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Message } from "../../shared/wire";
import { insertMention, type MentionQuery, mentionAt, mentionable, mentionSegments } from "../state/compose";
import { clock } from "../text";
import { useInbox } from "./context";
import { Avatar, LinkedText } from "./parts";

/** NoteRow is a note in the thread: marked as one, its mentions stand out, all of it text. */
export function NoteRow({ m, state, after }: { m: Message; state?: "pending" | "failed"; after?: ComponentChildren }) {
  const name = m.author.name || "Agent";
  const names = (m.mentions || []).map((x) => x.name);
  return (
    <article class={"msg from-agent note" + (state ? " " + state : "")}>
      <Avatar name={name} url={m.author.avatarUrl} size="md" />
      <div class="msg-main">
        <header>
          <strong>{name}</strong>
          <time dateTime={m.createdAt}>{clock(m.createdAt)}</time>
          <span class="channel note-label" title="Only agents see notes">Note</span>
        </header>
        <div class="body">
          {mentionSegments(m.body || "", names).map((s) => (s.mention ? <span class="mention">{s.text}</span> : <LinkedText text={s.text} />))}
        </div>
        {after}
      </div>
    </article>
  );
}

/** ModeSwitch chooses what the editor writes: a reply to the visitor or a note for the team. */
export function ModeSwitch() {
  const inbox = useInbox();
  const { mode } = inbox.state.compose;
  const pick = (m: "reply" | "note") => {
    mode.value = m;
    inbox.typed();
  };
  return (
    <div class="seg mode-switch" role="group" aria-label="Write">
      <button type="button" data-mode="reply" aria-pressed={mode.value === "reply"} onClick={() => pick("reply")}>Reply</button>
      <button type="button" data-mode="note" aria-pressed={mode.value === "note"} onClick={() => pick("note")}>Note</button>
    </div>
  );
}

/**
 * MentionPicker lists the agents of the conversation's inbox while an
 * "@" is typed in a note. Arrows move, Enter or Tab picks, Escape closes;
 * it handles those keys before the editor (which would send on Enter).
 */
export function MentionPicker({ textarea }: { textarea: RefObject<HTMLTextAreaElement | null> }) {
  const inbox = useInbox();
  const { thread, compose, profile } = inbox.state;
  const [at, setAt] = useState<MentionQuery | null>(null);
  const [active, setActive] = useState(0);
  const [closed, setClosed] = useState(-1);
  const note = compose.mode.value === "note";
  const draft = thread.draft.value;
  const s = thread.summary.value;
  const me = profile.me.value.id;
  const found = at && s && at.start !== closed ? mentionable(profile.agents.value, s.inboxId, at.query, me) : [];
  const open = note && found.length > 0;

  const pick = (name: string) => {
    const el = textarea.current;
    if (!el || !at) return;
    const next = insertMention(el.value, el.selectionStart ?? el.value.length, at, name);
    el.value = next.text;
    el.setSelectionRange(next.caret, next.caret);
    thread.draft.value = next.text;
    setAt(null);
    el.focus();
    inbox.typed();
  };

  useEffect(() => {
    const el = textarea.current;
    if (!el) return;
    const follow = () => {
      const q = mentionAt(el.value, el.selectionStart ?? el.value.length);
      setAt(q);
      setActive(0);
    };
    // Up and down move in the list; every other key may move the caret.
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

  useEffect(() => {
    const el = textarea.current;
    if (!el || !open) return;
    // Capture: before the editor's own keydown, which sends on Enter.
    const keys = (e: KeyboardEvent) => {
      let handled = true;
      if (e.key === "ArrowDown") setActive((i) => (i + 1) % found.length);
      else if (e.key === "ArrowUp") setActive((i) => (i - 1 + found.length) % found.length);
      else if ((e.key === "Enter" || e.key === "Tab") && !e.isComposing) pick(found[Math.min(active, found.length - 1)].displayName);
      else if (e.key === "Escape") setClosed(at?.start ?? -1);
      else handled = false;
      if (handled) {
        e.preventDefault();
        e.stopImmediatePropagation();
      }
    };
    el.addEventListener("keydown", keys, { capture: true });
    return () => el.removeEventListener("keydown", keys, { capture: true });
  });

  if (!open) return null;
  void draft; // redraw as the text changes
  return (
    <ul class="mentions" role="listbox" aria-label="Mention an agent">
      {found.map((a, i) => (
        <li key={a.id} role="option" aria-selected={i === active} data-id={a.id}
          onMouseDown={(e) => {
            e.preventDefault();
            pick(a.displayName);
          }}>
          <Avatar name={a.displayName} url={a.avatarUrl} size="sm" />
          <span>{a.displayName}</span>
        </li>
      ))}
    </ul>
  );
}
