// The open conversation: its header and actions (taking it over from a
// chatflow's bot too), files, messages (the bot's with the buttons it
// offered), the visitor's typing, and the reply editor.
import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { Message, Summary } from "../../shared/wire";
import { files, type Inbox } from "../inbox";
import type { PendingReply } from "../state/pending";
import { clock, eventText, visitorName } from "../text";
import { AgentsTyping, Overtaken, Viewers } from "./collision";
import { useInbox } from "./context";
import { ExtractionNote } from "./extraction";
import type { FilesProps } from "./files";
import { useChunk } from "./lazy";
import { MentionPicker, ModeSwitch, NoteRow } from "./notes";
import { Avatar, LinkedText } from "./parts";
import { SavedReplies } from "./replies";

// Files (previews, cards, the upload tray) are a chunk of their own.
function Files(p: FilesProps) {
  const { chunk } = useChunk(files);
  return chunk ? <chunk.Files {...p} /> : null;
}

// Files dropped on the reply editor, pasted into it or picked go with the
// next reply (the files chunk uploads them); the browser does nothing else
// with them.
const dragOver = (e: DragEvent) => e.dataTransfer?.types.includes("Files") && e.preventDefault();
function attach(inbox: Inbox, e: Event, list?: FileList | null) {
  if (list?.length && inbox.state.thread.id.peek()) {
    e.preventDefault();
    void files().then((f) => f.attach(inbox, Array.from(list)));
  }
}

export function Thread() {
  const inbox = useInbox();
  const { thread } = inbox.state;
  const missing = thread.missing.value;
  if (missing) {
    return (
      <div class="empty">
        <p class="empty-title">Conversation not found</p>
        <p>{missing}</p>
      </div>
    );
  }
  const s = thread.summary.value;
  const closed = s?.status === "closed";
  return (
    <>
      {s ? <Head s={s} /> : <div class="thead" aria-busy="true" />}
      <Files kind="other" />
      <Log />
      <p class="typing" aria-live="polite">{thread.id.value && inbox.state.typing.visitors.value.has(thread.id.value) ? "Visitor is typing…" : ""}</p>
      {thread.id.value ? <AgentsTyping id={thread.id.value} /> : null}
      <div class="closed-note" hidden={!closed}>
        <p>This conversation is closed. Reopen it to reply.</p>
        <button class="ghost" type="button" onClick={() => s && inbox.openDialog({ kind: "transcript", conversationId: s.id, contact: inbox.state.email.facts.peek().contactEmail })}>
          Send transcript
        </button>
        <button class="ghost" type="button" onClick={() => (inbox.state.compose.mode.value = "note")}>Add a note</button>
      </div>
      <Composer hidden={closed && inbox.state.compose.mode.value !== "note"} />
    </>
  );
}

function Head({ s }: { s: Summary }) {
  const inbox = useInbox();
  const me = inbox.state.profile.me.value;
  const agents = inbox.state.profile.agents.value;
  const name = visitorName(s.visitorId, s.visitorName);
  // The bot waits for the visitor: taking over stops it at once.
  const botTalking = !s.assigneeId && !!s.bot?.running;
  const assign = (e: Event) => {
    const select = e.currentTarget as HTMLSelectElement;
    const agentId = select.value;
    select.value = "";
    if (agentId) void inbox.act(s, "assign", { agentId, expectedAssigneeId: s.assigneeId || "" });
  };
  // "Take it" goes once taken: the focus goes on to the editor (the
  // assign menu when the editor is hidden), not down to the page.
  const select = useRef<HTMLSelectElement>(null);
  const take = async (e: Event) => {
    const button = e.currentTarget as HTMLButtonElement;
    await inbox.act(s, "takeover", { expectedAssigneeId: s.assigneeId || "" });
    const now = inbox.state.thread.summary.peek();
    const focus = document.activeElement;
    if (now?.id !== s.id || now.assigneeId !== me.id || (focus !== button && focus !== document.body && focus)) return;
    if (now.status === "open") inbox.focusComposer.value++;
    else select.current?.focus();
  };
  return (
    <div class="thead">
      <div class="thead-who">
        <Avatar name={name} size="lg" />
        <div>
          <h2>{name}</h2>
          <p class="sub">
            <span class={"presence " + (s.visitorOnline ? "on" : "off")}>{s.visitorOnline ? "Online" : "Offline"}</span>
            {" · "}
            <span class={"pill " + s.status}>{s.status === "open" ? "Open" : "Closed"}</span>
            {" · "}
            {s.assigneeName ? `Assigned to ${s.assigneeName}` : botTalking ? `${s.bot!.name || "The bot"} (bot) is talking with the visitor` : "Unassigned"}
          </p>
          <Contact id={s.id} />
        </div>
        <Viewers id={s.id} />
      </div>
      <div class="actions">
        {s.assigneeId === me.id ? null : (
          <button class="primary" type="button" title={botTalking ? "Stops the bot at once; the visitor sees you from now on" : undefined}
            onClick={(e) => void take(e)}>
            {s.assigneeId || botTalking ? "Take over" : "Take it"}
          </button>
        )}
        <select ref={select} aria-label="Assign to" onChange={assign}>
          <option value="">Assign to…</option>
          {agents.filter((a) => a.id !== s.assigneeId && a.inboxes.includes(s.inboxId)).map((a) => <option key={a.id} value={a.id}>{a.displayName}</option>)}
        </select>
        {s.assigneeId ? <button class="ghost" type="button" onClick={() => void inbox.act(s, "unassign", { expectedAssigneeId: s.assigneeId })}>Unassign</button> : null}
        {s.status === "open"
          ? <button class="ghost" type="button" onClick={() => void inbox.act(s, "close")}>Close</button>
          : <button class="ghost" type="button" onClick={() => void inbox.act(s, "reopen")}>Reopen</button>}
      </div>
    </div>
  );
}

/** Contact shows the visitor's email address (and whether mail reaches it), with a way to add or change it. */
function Contact({ id }: { id: string }) {
  const inbox = useInbox();
  const f = inbox.state.email.facts.value;
  const edit = (
    <button class="link" type="button" onClick={() => inbox.openDialog({ kind: "contact", conversationId: id, email: f.contactEmail })}>
      {f.contactEmail ? "Edit" : "Add email"}
    </button>
  );
  if (!f.contactEmail) return <p class="contact none"><span class="contact-addr">No email address</span>{" · "}{edit}</p>;
  return (
    <p class="contact">
      <span class="contact-addr" title="Visitor's email">{f.contactEmail}</span>
      {f.emailBlocked
        ? <span class="pill bad" title={f.emailBlocked}>Undeliverable</span>
        : f.contactVerified ? null
        : <span class="pill unconfirmed" title="The visitor typed this address and has not confirmed it yet: replies by email reach it, transcripts on close wait for the confirmation.">Unconfirmed</span>}
      {" · "}
      {edit}
    </p>
  );
}

// Keyed by seq (replies not stored yet by client id): a new message adds
// one row, and the live region announces only that row.
function Log() {
  const inbox = useInbox();
  const { thread, pending, profile } = inbox.state;
  const id = thread.id.value;
  const messages = thread.messages.value;
  const mine = pending.replies.value.filter((p) => p.conversationId === id);
  const me = profile.me.value;
  const contact = thread.summary.value?.visitorName;
  // The visitor has read the team's last reply (the widget said so).
  const seen = thread.seen.value;
  const ref = useRef<HTMLDivElement>(null);
  // atEnd: the log shows its last entry, and keeps it shown while its
  // rows or its own box change size (the sidebar opening narrows the
  // column and rows grow taller, a header grows, a picture loads), until
  // the agent scrolls up.
  const atEnd = useRef(true);
  const lastTop = useRef(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    atEnd.current = true;
    const keep = new ResizeObserver(() => {
      if (atEnd.current) el.scrollTop = el.scrollHeight;
    });
    keep.observe(el);
    for (const row of el.children) keep.observe(row);
    return () => keep.disconnect();
  }, [messages.length, mine.length]);
  return (
    <div ref={ref} class="tlog" role="log" aria-live="polite" aria-relevant="additions" aria-label="Messages" tabIndex={0}
      onScroll={(e) => {
        // Only the agent scrolling up lets go of the end: a scroll event
        // read after the rows grew (before the observer catches up) finds
        // the log short of its end without anyone having moved it.
        const el = e.currentTarget;
        if (el.scrollHeight - el.scrollTop - el.clientHeight < 40) atEnd.current = true;
        else if (el.scrollTop < lastTop.current) atEnd.current = false;
        lastTop.current = el.scrollTop;
      }}>
      {messages.map((m) => <Row key={"m" + m.seq} m={m} thread={messages} contact={contact} after={m.seq === seen ? <p class="seen">Seen</p> : null} />)}
      {mine.map((p) => (
        <Row key={"p" + p.clientId} m={pendingMessage(p, me)} thread={messages} state={p.failed ? "failed" : "pending"} after={p.failed ? <NotSent p={p} /> : null} />
      ))}
    </div>
  );
}

function pendingMessage(p: PendingReply, me: { id: string; displayName: string; avatarUrl?: string }): Message {
  return {
    conversationId: p.conversationId, seq: 0, kind: p.note ? "note" : "text", clientId: p.clientId,
    author: { type: "agent", id: me.id, name: me.displayName, avatarUrl: me.avatarUrl },
    body: p.body, createdAt: p.createdAt, channel: p.channel,
  };
}

/**
 * NotSent says why a reply or note was not sent, in words (not only by
 * colour), with a way to send an email reply or a note again (with its
 * client id, so it is stored once) or to put it back into the editor.
 */
function NotSent({ p }: { p: PendingReply }) {
  const inbox = useInbox();
  const again = p.note || p.channel === "email";
  return (
    <p class="not-sent">
      <span>{"Not sent: " + (p.error || "the server refused it")}</span>
      {again ? <button class="link" type="button" onClick={() => inbox.retry(p.clientId)}>Try again</button> : null}
      <button class="link" type="button" onClick={() => inbox.edit(p.clientId)}>Edit</button>
    </p>
  );
}

function Row({ m, thread, state, contact, after }: { m: Message; thread: readonly Message[]; state?: "pending" | "failed"; contact?: string; after?: ComponentChildren }) {
  if (m.kind === "note") return <NoteRow m={m} state={state} after={after} />;
  const time = <time dateTime={m.createdAt}>{clock(m.createdAt)}</time>;
  if (m.kind === "event" && m.event?.type === "warning") {
    return (
      <div class="event-warning">
        <p><strong>{eventText(m, thread)}</strong>{" · "}{time}</p>
        {m.body ? <p class="quote">{m.body}</p> : null}
      </div>
    );
  }
  if (m.kind === "event" && m.event?.type === "rated") {
    return (
      <div class="event-rating">
        <p><strong>{eventText(m, thread)}</strong>{" · "}{time}</p>
        {m.event.rating?.comment ? <p class="quote">{m.event.rating.comment}</p> : null}
      </div>
    );
  }
  if (m.kind === "event") {
    const kind = m.event?.type === "closed" && m.event.reason === "inactivity" ? " inactivity" : m.event?.type === "transcript_sent" ? " transcript" : "";
    return <p class={"event" + kind}>{eventText(m, thread)}{" · "}{time}</p>;
  }
  const visitor = m.author.type === "visitor";
  const bot = m.author.type === "bot";
  const name = visitor ? visitorName(m.author.id, contact) : m.author.name || (bot ? "Bot" : "Agent");
  return (
    <article class={"msg " + (visitor ? "from-visitor" : bot ? "from-bot" : "from-agent") + (state ? " " + state : "")}>
      <Avatar name={name} url={m.author.avatarUrl} size="md" />
      <div class="msg-main">
        <header>
          <strong>{name}</strong>
          {bot ? <span class="pill bot">Bot</span> : null}
          {time}
          {m.channel === "email" ? <span class="channel email">Email</span> : <span class="channel">Chat</span>}
        </header>
        <div class="body"><LinkedText text={m.body || ""} /></div>
        {m.ask ? <Ask ask={m.ask} /> : null}
        {m.attachments?.length ? <Files kind="message" m={m} /> : null}
        <ExtractionNote message={m} />
        {after}
      </div>
    </article>
  );
}

/** Ask shows how the bot's question let the visitor answer: its buttons, or what it asked for. */
function Ask({ ask }: { ask: NonNullable<Message["ask"]> }) {
  const typed = ask.type === "email" ? "Asks for an email address" : ask.type === "text" ? "Asks for a typed answer" : ask.freeText ? "A typed answer is taken too" : "";
  return (
    <div class="ask">
      {ask.buttons?.length ? (
        <ul class="ask-buttons" aria-label="Buttons offered">
          {ask.buttons.map((b, i) => <li key={i}>{b}</li>)}
        </ul>
      ) : null}
      {typed ? <p class="ask-note">{typed}</p> : null}
    </div>
  );
}

const hint = " (Enter sends, Shift+Enter adds a line)";

/**
 * Composer is the reply editor. Its text is the thread's draft, bound to
 * the textarea itself: live updates around it never touch the node, so
 * the text, the caret and the focus stay where the agent left them.
 */
function Composer({ hidden }: { hidden: boolean }) {
  const inbox = useInbox();
  const { thread, email, profile } = inbox.state;
  const ref = useRef<HTMLTextAreaElement>(null);
  // Take the focus when a read of the thread completes, not on mount.
  const focus = inbox.focusComposer.value;
  const focused = useRef(focus);
  useLayoutEffect(() => {
    if (focus === focused.current) return;
    focused.current = focus;
    ref.current?.focus();
  }, [focus]);
  const note = inbox.state.compose.mode.value === "note";
  const byEmail = !note && email.channel.value === "email";
  const meetings = profile.me.value.meetingsUrl;
  const insertMeeting = () => {
    const el = ref.current;
    if (!el || !meetings) return;
    const at = el.selectionStart ?? el.value.length;
    const text = `You can book a time with me here: ${meetings}`;
    thread.draft.value = el.value.slice(0, at) + text + el.value.slice(at);
    el.focus();
    el.setSelectionRange(at + text.length, at + text.length);
  };
  return (
    <form
      class={"composer" + (byEmail ? " by-email" : "") + (note ? " note-mode" : "")} hidden={hidden}
      onSubmit={(e) => { e.preventDefault(); inbox.send(); }}
      // A note carries no files: in note mode the editor takes none.
      onDragOver={note ? undefined : dragOver} onDrop={note ? undefined : (e) => attach(inbox, e, e.dataTransfer?.files)}
    >
      <Overtaken />
      <MentionPicker textarea={ref} />
      {note ? null : <Files kind="tray" />}
      <textarea
        ref={ref} class="reply" rows={3} aria-label={note ? "Note" : "Reply"}
        placeholder={(note ? "Note for your team, never shown to the visitor; @ mentions an agent…" : byEmail ? "Reply by email…" : "Reply…") + hint}
        value={thread.draft}
        onInput={(e) => {
          thread.draft.value = e.currentTarget.value;
          inbox.typed();
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            inbox.send();
          }
        }}
        onPaste={note ? undefined : (e) => attach(inbox, e, e.clipboardData?.files)}
      />
      <div class="composer-bar">
        <ModeSwitch />
        {note ? null : <ChannelSwitch />}
        {note ? null : <Files kind="picker" />}
        <button class="ghost" type="button" hidden={!meetings || note} onClick={insertMeeting}>Insert meetings link</button>
        {note ? null : <SavedReplies textarea={ref} />}
        <span class="spacer" />
        <button class="primary" type="submit">{note ? "Add note" : byEmail ? "Send email" : "Send"}</button>
      </div>
      {note ? null : <ChannelNote />}
    </form>
  );
}

function unavailable(f: { contactEmail?: string; emailBlocked?: string }): string {
  return f.contactEmail ? "Email unavailable: address undeliverable: " + (f.emailBlocked || "") : "Email unavailable: no email address is known for this visitor.";
}

/** ChannelSwitch is the reply editor's "Chat | Email" choice; email is disabled, with the reason, when it cannot be sent. */
function ChannelSwitch() {
  const { email } = useInbox().state;
  const c = email.channel.value;
  const f = email.facts.value;
  const possible = email.possible.value;
  return (
    <div class="seg channel-switch" role="group" aria-label="Reply by">
      <button type="button" data-channel="chat" aria-pressed={c === "chat"} onClick={() => email.pick("chat")}>Chat</button>
      <button type="button" data-channel="email" aria-pressed={c === "email"} disabled={!possible}
        title={possible ? "Send the reply by email to " + f.contactEmail : unavailable(f)} onClick={() => email.pick("email")}>Email</button>
    </div>
  );
}

/** ChannelNote says where an email goes, or why email is unavailable. */
function ChannelNote() {
  const { email } = useInbox().state;
  const f = email.facts.value;
  const possible = email.possible.value;
  const text = !possible ? unavailable(f)
    : email.channel.value === "email" ? `Sends an email to ${f.contactEmail} with the conversation so far; the visitor's answer comes back here.`
    : null;
  // No address yet is ordinary; an address that bounced is a warning.
  return <p class={"channel-note" + (!possible && f.contactEmail ? " blocked" : "")} aria-live="polite">{text}</p>;
}
