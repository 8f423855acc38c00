// The forms of the inbox's dialog (views/dialogs.tsx), a chunk of their own.
import { useEffect, useRef, useState } from "preact/hooks";
import type { OpenDialog } from "../inbox";
import { confirmsErasure, erasePhrase, errorText, visitorName } from "../text";
import { useInbox } from "./context";
import { Preferences } from "./preferences";
import { RepliesForm } from "./replies-manage";
import css from "./forms.css?sheet";
import { adopt } from "./sheet";

adopt(css);

type Of<K extends OpenDialog["kind"]> = Extract<OpenDialog, { kind: K }>;

/** Form is the form of the open dialog; its heading (#dialog-title) names the dialog. */
export function Form({ d }: { d: OpenDialog }) {
  switch (d.kind) {
    case "profile":
      return <ProfileForm />;
    case "contact":
      return <Contact d={d} />;
    case "transcript":
      return <Transcript d={d} />;
    case "preferences":
      return <Preferences />;
    case "replies":
      return <RepliesForm />;
    case "erase":
      return <Erase d={d} />;
  }
}

function Bar({ submit }: { submit: string }) {
  const inbox = useInbox();
  return (
    <div class="dialog-bar">
      <button class="ghost" type="button" onClick={() => inbox.closeDialog()}>Cancel</button>
      <button class="primary" type="submit">{submit}</button>
    </div>
  );
}

function Err({ text }: { text: string }) {
  return <p class="error" role="alert" hidden={!text}>{text}</p>;
}

// The fields are read from the DOM when the form is sent: whatever put a
// value there (typing, pasting, autofill) counts.
/** ProfileForm edits the agent's own profile: in the dialog, or on the settings page (page). */
export function ProfileForm({ page }: { page?: boolean }) {
  const inbox = useInbox();
  const me = inbox.state.profile.me.peek();
  const [err, setErr] = useState("");
  const name = useRef<HTMLInputElement>(null);
  const avatar = useRef<HTMLInputElement>(null);
  const meet = useRef<HTMLInputElement>(null);
  const p = page ? "sp" : "p";
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await inbox.saveProfile({ displayName: name.current!.value, avatarUrl: avatar.current!.value.trim(), meetingsUrl: meet.current!.value.trim() });
      if (!page) inbox.closeDialog();
    } catch (e) {
      setErr(errorText(e));
    }
  };
  return (
    <form method="dialog" class="profile-form" onSubmit={save}>
      {page ? null : <h2 id="dialog-title">Your profile</h2>}
      <p class="sub">Visitors see your name and picture when you take a conversation.</p>
      <label for={p + "-name"}>Display name</label>
      <input ref={name} id={p + "-name"} required maxLength={80} autocomplete="name" defaultValue={me.displayName} />
      <label for={p + "-avatar"}>Avatar URL</label>
      <input ref={avatar} id={p + "-avatar"} type="url" placeholder="https://…" autocomplete="photo" defaultValue={me.avatarUrl || ""} />
      <label for={p + "-meet"}>Meetings link</label>
      <input ref={meet} id={p + "-meet"} type="url" placeholder="https://…" defaultValue={me.meetingsUrl || ""} />
      <Err text={err} />
      {page ? <div class="dialog-bar"><button class="primary" type="submit">Save profile</button></div> : <Bar submit="Save" />}
    </form>
  );
}

/** Contact sets or changes the visitor's email address. */
function Contact({ d }: { d: Of<"contact"> }) {
  const inbox = useInbox();
  const [err, setErr] = useState("");
  const email = useRef<HTMLInputElement>(null);
  const name = useRef<HTMLInputElement>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    const input = email.current!;
    const addr = input.value.trim();
    if (!input.checkValidity() || !addr) {
      setErr("Enter an email address such as name@example.com.");
      return;
    }
    try {
      const saved = await inbox.setContact(d.conversationId, addr, name.current!.value.trim() || undefined);
      inbox.closeDialog();
      inbox.contactSaved(d.conversationId, saved);
    } catch (e) {
      setErr(errorText(e));
    }
  };
  return (
    <form class="profile-form" noValidate onSubmit={save}>
      <h2 id="dialog-title">Visitor's email</h2>
      <p class="sub">Replies by email and transcripts go to this address.</p>
      <label for="c-email">Email address</label>
      <input ref={email} id="c-email" type="email" required maxLength={254} autocomplete="off" placeholder="name@example.com" defaultValue={d.email || ""} autofocus />
      <label for="c-name">Name (optional)</label>
      <input ref={name} id="c-name" maxLength={80} autocomplete="off" />
      <Err text={err} />
      <Bar submit="Save" />
    </form>
  );
}

const defaultSubject = "Transcript of your conversation";

/**
 * Transcript emails the transcript of a closed conversation: to the
 * contact's address or another one, with a subject the agent may edit.
 */
function Transcript({ d }: { d: Of<"transcript"> }) {
  const inbox = useInbox();
  const contact = d.contact || "";
  const [toOther, setToOther] = useState(!contact);
  const [err, setErr] = useState("");
  const otherChoice = useRef<HTMLInputElement>(null);
  const other = useRef<HTMLInputElement>(null);
  const subject = useRef<HTMLInputElement>(null);
  const chose = useRef(toOther);
  useEffect(() => {
    // Choosing "another address" goes on to type it.
    if (toOther && !chose.current) other.current?.focus();
    chose.current = toOther;
  }, [toOther]);
  const send = async (e: Event) => {
    e.preventDefault();
    const toAnother = otherChoice.current!.checked;
    const to = toAnother ? other.current!.value.trim() : contact;
    if (toAnother && (!to || !other.current!.checkValidity())) {
      setErr("Enter the address to send the transcript to.");
      return;
    }
    const subj = subject.current!.value.trim();
    if (!subj) {
      setErr("The subject must not be empty.");
      return;
    }
    try {
      await inbox.sendTranscript(d.conversationId, to, subj);
      inbox.closeDialog();
    } catch (e) {
      setErr(errorText(e));
    }
  };
  return (
    <form class="profile-form" noValidate onSubmit={send}>
      <h2 id="dialog-title">Send transcript</h2>
      <p class="sub">Emails every message of this conversation.</p>
      <fieldset class="to">
        <legend>To</legend>
        <div class="choice" hidden={!contact}>
          <input type="radio" name="t-to" id="t-to-contact" value="contact" checked={!toOther} onChange={() => setToOther(false)} />
          <label for="t-to-contact" class="radio">{contact}</label>
        </div>
        <div class="choice">
          <input ref={otherChoice} type="radio" name="t-to" id="t-to-other" value="other" checked={toOther} onChange={() => setToOther(true)} />
          <label for="t-to-other" class="radio">Another address</label>
        </div>
      </fieldset>
      <input ref={other} id="t-other" type="email" maxLength={254} autocomplete="off" placeholder="name@example.com" aria-label="Other address"
        disabled={!toOther} autofocus={!contact} onFocus={() => setToOther(true)} />
      <label for="t-subject">Subject</label>
      <input ref={subject} id="t-subject" required maxLength={200} defaultValue={defaultSubject} autofocus={!!contact} />
      <Err text={err} />
      <Bar submit="Send transcript" />
    </form>
  );
}

/**
 * Erase deletes a contact for good. The dialog says what goes and what
 * stays, and the button works only once the admin typed the contact's
 * address (or name): a click alone erases nobody.
 */
function Erase({ d }: { d: Of<"erase"> }) {
  const inbox = useInbox();
  const c = d.card;
  const phrase = erasePhrase(c);
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState("");
  const ready = confirmsErasure(phrase, typed);
  const others = c.conversations.length;
  const erase = async (e: Event) => {
    e.preventDefault();
    if (!ready) {
      setErr(`Type ${phrase} to confirm.`);
      return;
    }
    setBusy(true);
    setErr("");
    try {
      await inbox.eraseContact(c.visitorId);
      inbox.closeDialog();
    } catch (e) {
      setErr("The erasure failed: " + errorText(e) + ". Try again: it finishes what it started.");
      setBusy(false);
    }
  };
  return (
    <form class="profile-form erase-form" noValidate onSubmit={erase}>
      <h2 id="dialog-title">Erase {visitorName(c.visitorId, c.name || c.email)}?</h2>
      <p class="sub">This deletes everything stored about this contact, in every inbox:</p>
      <ul class="erase-what">
        <li>{others ? `this conversation and ${others} other${others === 1 ? "" : "s"}` : "this conversation"}, with every message, note and file, and the emails they came in</li>
        <li>the name, the email address{c.email ? ` (${c.email})` : ""} and whether mail to it bounced</li>
        <li>the site's attributes and user id, the pages visited, the browser</li>
        <li>mail from the contact kept aside in the quarantine</li>
      </ul>
      <p class="erase-warn"><strong>It cannot be undone.</strong> The audit log records that you erased a contact, and nothing about them. Emails already sent to them stay in their mailbox.</p>
      <label for="erase-confirm">Type <strong>{phrase}</strong> to confirm</label>
      <input id="erase-confirm" autocomplete="off" spellcheck={false} value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autofocus />
      <Err text={err} />
      <div class="dialog-bar">
        <button class="ghost" type="button" onClick={() => inbox.closeDialog()}>Cancel</button>
        <button class="primary danger" type="submit" disabled={!ready || busy}>{busy ? "Erasing…" : "Erase contact"}</button>
      </div>
    </form>
  );
}
