// The settings pages' state: the inboxes, chat channels and team as read
// from the API, the forms that edit them, and the chat channel being
// edited with its week grid, its chatflows and its live preview of the
// widget.
import { computed, signal } from "@preact/signals";
import type { ChatChannel, Inbox, TeamMember, TeamRole } from "../../shared/wire";
import { colorProblem, preview } from "./channel";
import { FlowsEditor } from "./flows";
import { Form } from "./form";
import { begin, type Cursor, extend, move, type Stroke, type Week } from "./week";

/** InboxEdit is what an admin changes of an inbox. */
export interface InboxEdit {
  name: string;
  memberIds: string[];
  routing: Inbox["routing"];
}

/** MemberEdit is what an admin changes of a team member (disabling has its own route). */
export interface MemberEdit {
  role: TeamRole;
  inboxIds: string[];
}

/** Invite is a new team member: the identity provider mails them the invitation. */
export interface Invite {
  email: string;
  name: string;
  role: TeamRole;
  inboxIds: string[];
}

export function inboxEdit(i: Inbox): InboxEdit {
  return { name: i.name, memberIds: [...i.memberIds], routing: { ...i.routing } };
}

export function memberEdit(m: TeamMember): MemberEdit {
  return { role: m.role, inboxIds: [...m.inboxIds] };
}

/** toggle adds v to list or takes it out. */
export function toggle(list: readonly string[], v: string, on: boolean): string[] {
  const rest = list.filter((x) => x !== v);
  return on ? [...rest, v] : rest;
}

/**
 * ChannelEditor edits one chat channel. The preview and the colour
 * warning follow every keystroke; the week grid is painted in strokes,
 * by pointer or keyboard, each drawn over the week as it was before it.
 */
export class ChannelEditor {
  readonly form: Form<ChatChannel>;
  /** away shows the preview as the widget looks while nobody is available. */
  readonly away = signal(false);
  readonly preview = computed(() => preview(this.form.value.value, this.away.value));
  /** colorWarning is the server's objection to the colour, before it is sent. */
  readonly colorWarning = computed(() => colorProblem(this.form.value.value.look.color));
  /** cursor is the grid cell that has the keyboard focus. */
  readonly cursor = signal<Cursor>({ row: 0, slot: 18 });
  private stroke: Stroke | null = null;
  /** flows edits the channel's chatflows, inside the form. */
  readonly flows: FlowsEditor;

  constructor(c: ChatChannel) {
    this.form = new Form(c, "ch");
    this.flows = new FlowsEditor(this.form);
  }

  get week(): Week {
    return this.form.value.peek().availability.week || {};
  }

  setWeek(week: Week): void {
    this.form.edit((c) => ({ ...c, availability: { ...c.availability, week } }));
  }

  /** press starts a stroke at a cell (pointer down, or Space on the cursor); extend carries on what the cell shows instead of turning it over. */
  press(c: Cursor, carry = false): void {
    this.cursor.value = c;
    this.stroke = begin(this.week, c, carry);
    this.setWeek(extend(this.stroke, c));
  }

  /** over extends the stroke under way to a cell; without one it does nothing. */
  over(c: Cursor): void {
    if (!this.stroke) return;
    this.cursor.value = c;
    this.setWeek(extend(this.stroke, c));
  }

  /** release ends the stroke. */
  release(): void {
    this.stroke = null;
  }

  /**
   * key handles a key on the grid: arrows, Home, End, PageUp and
   * PageDown move the cursor, and with Shift paint what the cell where the
   * stroke began shows over the cells from there (like a drag); Space or
   * Enter turns the cell over. It says whether the key was the grid's.
   */
  key(key: string, shift: boolean): boolean {
    const at = this.cursor.peek();
    if (key === " " || key === "Enter") {
      this.press(at);
      this.release();
      return true;
    }
    const to = move(at, key);
    if (!to) return false;
    if (shift) {
      if (!this.stroke) this.press(at, true);
      this.over(to);
    } else {
      this.release();
      this.cursor.value = to;
    }
    return true;
  }
}

/** Loaded is a list read from the API: null while it is read. */
type Loaded<T> = T[] | null;

export class SettingsState {
  readonly channels = signal<Loaded<ChatChannel>>(null);
  readonly inboxes = signal<Loaded<Inbox>>(null);
  readonly team = signal<Loaded<TeamMember>>(null);
  /** failure says why a list could not be read. */
  readonly failure = signal("");
  /** channel is the chat channel being edited. */
  readonly channel = signal<ChannelEditor | null>(null);
  readonly newChannel = new Form({ name: "", inboxId: "" }, "nc");
  readonly newInbox = new Form({ name: "" }, "ni");
  readonly invite = new Form<Invite>({ email: "", name: "", role: "agent", inboxIds: [] }, "inv");
  private readonly inboxForms = new Map<string, Form<InboxEdit>>();
  private readonly memberForms = new Map<string, Form<MemberEdit>>();

  /** inboxForm is the form of an inbox, made once per inbox and kept while the page lives. */
  inboxForm(i: Inbox): Form<InboxEdit> {
    let f = this.inboxForms.get(i.id);
    if (!f) this.inboxForms.set(i.id, (f = new Form(inboxEdit(i), "in-" + i.id)));
    return f;
  }

  memberForm(m: TeamMember): Form<MemberEdit> {
    let f = this.memberForms.get(m.id);
    if (!f) this.memberForms.set(m.id, (f = new Form(memberEdit(m), "tm-" + m.id)));
    return f;
  }

  /** gotInboxes takes the inboxes read; a form with unsaved changes keeps them. */
  gotInboxes(list: Inbox[]): void {
    this.inboxes.value = list;
    for (const i of list) {
      const f = this.inboxForms.get(i.id);
      if (f && !f.dirty.peek()) f.reset(inboxEdit(i));
    }
  }

  gotTeam(list: TeamMember[]): void {
    this.team.value = list;
    for (const m of list) {
      const f = this.memberForms.get(m.id);
      if (f && !f.dirty.peek()) f.reset(memberEdit(m));
    }
  }

  /** putInbox takes an inbox the server stored (created or saved). */
  putInbox(i: Inbox): void {
    this.inboxes.value = upsert(this.inboxes.peek(), i);
    this.inboxForm(i).done(inboxEdit(i));
  }

  putMember(m: TeamMember, note = "Saved"): void {
    this.team.value = upsert(this.team.peek(), m);
    this.memberForm(m).done(memberEdit(m), note);
  }

  putChannel(c: ChatChannel): void {
    this.channels.value = upsert(this.channels.peek(), c);
  }
}

/** upsert replaces the item of v's id in list, or appends v. */
export function upsert<T extends { id: string }>(list: readonly T[] | null, v: T): T[] {
  const l = list || [];
  return l.some((x) => x.id === v.id) ? l.map((x) => (x.id === v.id ? v : x)) : [...l, v];
}
