// The opening hours of a week, as the settings page edits them: a grid of
// half-hour cells per weekday that the admin paints (by dragging, or with
// the keyboard), and exact intervals per day for times off the grid. Both
// edit the same value, the `week` of shared/availability's settings
// (docs/availability.md): per weekday, intervals "HH:MM" up to, not
// including, "HH:MM", "24:00" ending the day.
import type { Availability, Interval } from "../../shared/wire";

/** Week is the week of a channel's availability: each weekday's intervals. */
export type Week = NonNullable<Availability["week"]>;
export type Weekday = keyof Week;

export const weekdays: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
export const dayNames: Record<Weekday, string> = {
  mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday", sun: "Sunday",
};

/** A cell of the grid is this many minutes. */
export const step = 30;
export const slots = (24 * 60) / step;
const day = 24 * 60;

/** Span is [start, end) in minutes since the local midnight. */
export type Span = readonly [number, number];

/** clock writes minutes as "HH:MM" (1440 is "24:00"). */
export function clock(m: number): string {
  return String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
}

/** minutes reads "HH:MM"; null for anything else. Only an end may be "24:00". */
export function minutes(s: string, end = false): number | null {
  const m = /^(\d\d):(\d\d)$/.exec(s);
  if (!m || +m[2] > 59) return null;
  const v = +m[1] * 60 + +m[2];
  return v < day || (end && v === day) ? v : null;
}

/**
 * spans reads a day's intervals as sorted spans, with touching and
 * overlapping ones joined; intervals that are not valid times (still being
 * typed) are left out.
 */
export function spans(list: readonly Interval[] | undefined): Span[] {
  const out: [number, number][] = [];
  const read = (list || [])
    .map((iv) => [minutes(iv.start), minutes(iv.end, true)] as const)
    .filter((s): s is [number, number] => s[0] !== null && s[1] !== null && s[1] > s[0])
    .sort((a, b) => a[0] - b[0]);
  for (const [a, b] of read) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function intervals(s: readonly Span[]): Interval[] {
  return s.map(([a, b]) => ({ start: clock(a), end: clock(b) }));
}

/** setDay returns week with day's intervals replaced; a day without intervals is left out, as the server writes it. */
export function setDay(week: Week, d: Weekday, list: Interval[]): Week {
  const out: Week = {};
  for (const w of weekdays) {
    const v = w === d ? list : week[w];
    if (v && v.length) out[w] = v;
  }
  return out;
}

/** paintSpans opens (or closes) [from, to) in a day's spans. */
export function paintSpans(s: readonly Span[], from: number, to: number, open: boolean): Span[] {
  const out: [number, number][] = [];
  for (const [a, b] of s) {
    if (b <= from || a >= to) out.push([a, b]);
    else {
      if (a < from) out.push([a, from]);
      if (b > to) out.push([to, b]);
    }
  }
  if (open) out.push([from, to]);
  return spans(intervals(out));
}

/** paint opens (or closes) minutes [from, to) of each of days. */
export function paint(week: Week, days: readonly Weekday[], from: number, to: number, open: boolean): Week {
  let out = week;
  for (const d of days) out = setDay(out, d, intervals(paintSpans(spans(week[d]), from, to, open)));
  return out;
}

export type CellState = "open" | "closed" | "partial";

/** cell says whether slot of a day's spans is open all through, not at all, or in part. */
export function cell(s: readonly Span[], slot: number): CellState {
  const from = slot * step;
  const to = from + step;
  let covered = 0;
  for (const [a, b] of s) covered += Math.max(0, Math.min(b, to) - Math.max(a, from));
  return covered === 0 ? "closed" : covered === step ? "open" : "partial";
}

/** copyDay gives each of to the intervals of from. */
export function copyDay(week: Week, from: Weekday, to: readonly Weekday[]): Week {
  let out = week;
  for (const d of to) if (d !== from) out = setDay(out, d, (week[from] || []).map((iv) => ({ ...iv })));
  return out;
}

/** Cursor is a cell of the grid: a row (weekday index) and a slot. */
export interface Cursor {
  row: number;
  slot: number;
}

/**
 * move is where a key takes the cursor: arrows by one cell, Home and End to
 * the day's first and last cell, PageUp and PageDown by two hours; null
 * for a key that does not move it.
 */
export function move(c: Cursor, key: string): Cursor | null {
  const at = (row: number, slot: number): Cursor => ({ row: Math.min(6, Math.max(0, row)), slot: Math.min(slots - 1, Math.max(0, slot)) });
  switch (key) {
    case "ArrowLeft":
      return at(c.row, c.slot - 1);
    case "ArrowRight":
      return at(c.row, c.slot + 1);
    case "ArrowUp":
      return at(c.row - 1, c.slot);
    case "ArrowDown":
      return at(c.row + 1, c.slot);
    case "Home":
      return at(c.row, 0);
    case "End":
      return at(c.row, slots - 1);
    case "PageUp":
      return at(c.row, c.slot - 4);
    case "PageDown":
      return at(c.row, c.slot + 4);
  }
  return null;
}

/** Stroke is a paint in progress: from the anchor cell to the current one, opening or closing, over the week as it was before. */
export interface Stroke {
  anchor: Cursor;
  open: boolean;
  before: Week;
}

/**
 * begin starts a stroke at c. A pointer's stroke paints the opposite of
 * what the cell shows (a closed or partly open cell opens, an open one
 * closes); the keyboard's (Shift with an arrow) carries on what the cell
 * shows (extend), so Space then Shift+arrows opens a run of cells.
 */
export function begin(week: Week, c: Cursor, extend = false): Stroke {
  const st = cell(spans(week[weekdays[c.row]]), c.slot);
  return { anchor: c, open: extend ? st !== "closed" : st !== "open", before: week };
}

/**
 * extend is the week with the stroke painted over the rectangle from its
 * anchor to c (the days between and the slots between): drawn again from
 * the week before the stroke, so moving back un-paints.
 */
export function extend(s: Stroke, c: Cursor): Week {
  const rows = [Math.min(s.anchor.row, c.row), Math.max(s.anchor.row, c.row)];
  const from = Math.min(s.anchor.slot, c.slot) * step;
  const to = (Math.max(s.anchor.slot, c.slot) + 1) * step;
  return paint(s.before, weekdays.slice(rows[0], rows[1] + 1), from, to, s.open);
}

/** describe reads a day's opening hours out: "09:00–12:30, 14:00–18:00", or "Closed". */
export function describe(list: readonly Interval[] | undefined): string {
  const s = spans(list);
  return s.length ? s.map(([a, b]) => clock(a) + "–" + clock(b)).join(", ") : "Closed";
}
