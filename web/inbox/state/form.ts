// A settings form: the value being edited, the last saved one, and the
// errors the API answered, each placed beside the input it is about.
import { computed, type Signal, signal } from "@preact/signals";
import type { FieldError } from "../../shared/wire";

/** parent is the path one level up: "a.b[2].c" → "a.b[2]" → "a.b" → "a" → "". */
export function parent(path: string): string {
  const m = /^(.*?)(\.[^.[\]]+|\[\d+\])$/.exec(path);
  return m ? m[1] : "";
}

/**
 * humanize turns the paths a message may name into words: "overlaps
 * week.mon[0]" → "overlaps interval 1", "overlaps holidays[2]" →
 * "overlaps holiday 3".
 */
export function humanize(message: string): string {
  return message
    .replace(/\bholidays\[(\d+)\](\.hours\[(\d+)\])?/g, (_, h, __, i) => (i === undefined ? `holiday ${+h + 1}` : `interval ${+i + 1}`))
    .replace(/\b(week\.\w+|hours)\[(\d+)\]/g, (_, __, i) => `interval ${+i + 1}`)
    .replace(/^./, (c) => c.toUpperCase());
}

/** Placed is the errors of an answer, by the input they belong to; general ones belong to none. */
export interface Placed {
  fields: ReadonlyMap<string, string>;
  general: readonly string[];
}

/**
 * place puts each field error beside its input: the input of its path,
 * or the nearest enclosing one the form has (an interval's error beside
 * the day, when the day shows no input for it); errors of no input the
 * form shows are general. Two errors of one input are joined.
 */
export function place(errors: readonly FieldError[], has: (path: string) => boolean): Placed {
  const fields = new Map<string, string>();
  const general: string[] = [];
  for (const e of errors) {
    let p = e.field;
    while (p && !has(p)) p = parent(p);
    const text = humanize(e.message);
    if (!p) general.push(e.field ? `${e.field}: ${e.message}` : text);
    else fields.set(p, fields.has(p) ? fields.get(p) + "; " + text : text);
  }
  return { fields, general };
}

/** Refusal is what a failed save brings: the message for people and, for a 400, the fields. */
export interface Refusal {
  message: string;
  fields?: readonly FieldError[];
}

/**
 * Form holds one document being edited. Inputs register the paths they
 * edit (inputId names each input for its label and error); a refused save
 * places the errors beside them.
 */
export class Form<T> {
  readonly value: Signal<T>;
  readonly saved: Signal<T>;
  readonly errors = signal<Placed>({ fields: new Map(), general: [] });
  readonly saving = signal(false);
  /** note is what the last save said ("Saved", or why it failed). */
  readonly note = signal("");
  readonly dirty = computed(() => JSON.stringify(this.value.value) !== JSON.stringify(this.saved.value));
  private readonly paths = new Set<string>();
  // sending is the value a save under way sent.
  private sending?: { v: T };

  constructor(initial: T, readonly prefix: string) {
    this.value = signal(initial);
    this.saved = signal(initial);
  }

  /** edit changes the value. */
  edit(change: (v: T) => T): void {
    this.value.value = change(this.value.peek());
  }

  /** input registers an input for path and returns its id, for the label (for=) and the error (id-err). */
  input(path: string): string {
    this.paths.add(path);
    return inputId(this.prefix, path);
  }

  /**
   * forget follows the unmounting of the inputs of path and of every path
   * under it: a refusal's errors for them are general then, not placed
   * beside inputs no longer shown.
   */
  forget(path: string): void {
    for (const p of this.paths) if (p === path || p.startsWith(path + ".") || p.startsWith(path + "[")) this.paths.delete(p);
  }

  /** error is the error shown beside path's input. */
  error(path: string): string | undefined {
    return this.errors.value.fields.get(path);
  }

  /** start marks a save of the value as it is now under way. */
  start(): void {
    this.saving.value = true;
    this.note.value = "";
    this.sending = { v: this.value.peek() };
  }

  /**
   * done takes what the server stored: it is the saved value now, and the
   * errors are gone. It is the value too, unless the value was edited
   * while the save was under way: those edits stay, unsaved.
   */
  done(v: T, note = "Saved"): void {
    if (!this.sending || this.value.peek() === this.sending.v) this.value.value = v;
    this.sending = undefined;
    this.saved.value = v;
    this.errors.value = { fields: new Map(), general: [] };
    this.saving.value = false;
    this.note.value = note;
  }

  /** refused places a refusal's errors; the value stays as typed, so nothing is lost. */
  refused(r: Refusal): void {
    this.sending = undefined;
    this.errors.value = place(r.fields || [], (p) => this.paths.has(p));
    this.saving.value = false;
    this.note.value = r.fields?.length ? "Not saved: please correct the fields marked below." : "Not saved: " + r.message;
  }

  /**
   * moveErrors follows a change that moved or removed items of a list:
   * each placed error goes to its item's new path (rewrite), or away with
   * the item (null).
   */
  moveErrors(rewrite: (path: string) => string | null): void {
    const { fields, general } = this.errors.peek();
    if (!fields.size) return;
    const moved = new Map<string, string>();
    for (const [p, text] of fields) {
      const to = rewrite(p);
      if (to !== null) moved.set(to, text);
    }
    this.errors.value = { fields: moved, general };
  }

  /** reset replaces what is edited with a stored value, from the server. */
  reset(v: T): void {
    this.sending = undefined;
    this.done(v, "");
  }
}

/** inputId is an element id for a form's input of path. */
export function inputId(prefix: string, path: string): string {
  return prefix + "-" + path.replace(/[^A-Za-z0-9]+/g, "-").replace(/-$/, "");
}
