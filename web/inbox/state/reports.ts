// The reports page's state: the range and filters an admin picks, the
// report the API answered, and what the charts, the tables and the CSV
// export make of it. Pure: no DOM, no fetch (node-tested).
import { signal } from "@preact/signals";
import type { Report, ReportSummary, ReportTiming, ReportTimes } from "../../shared/wire";

/** MaxDays is the longest range the API reads (reports.MaxDays). */
export const MaxDays = 366;

/** presets are the quick ranges, in days ending today. */
export const presets = [7, 30, 90] as const;

const dayMs = 86_400_000;

function parseDay(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  const t = Date.parse(s + "T00:00:00Z");
  // Date.parse rolls 2026-02-30 over to March: a day must read back as itself.
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== s ? null : t;
}

function formatDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** addDays moves a YYYY-MM-DD day by n days. */
export function addDays(day: string, n: number): string {
  const t = parseDay(day);
  if (t === null) throw new Error("reports: not a day: " + day);
  return formatDay(t + n * dayMs);
}

/** localDay is the browser's day of an instant (the account's zone is the server's to apply). */
export function localDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export interface Range {
  from: string;
  to: string;
}

/** presetRange is the last n days, today included. */
export function presetRange(days: number, today: string): Range {
  return { from: addDays(today, 1 - days), to: today };
}

/** rangeProblem says what is wrong with a custom range, or null when the API will take it. */
export function rangeProblem(r: Range): string | null {
  const f = parseDay(r.from);
  const t = parseDay(r.to);
  if (f === null || t === null) return "Pick a start and an end day.";
  if (t < f) return "The end day is before the start day.";
  if ((t - f) / dayMs + 1 > MaxDays) return `A report covers at most ${MaxDays} days.`;
  return null;
}

/** days lists every day of a range, in order. */
export function days(r: Range): string[] {
  const out: string[] = [];
  const t = parseDay(r.to);
  for (let d = parseDay(r.from); d !== null && t !== null && d <= t; d += dayMs) out.push(formatDay(d));
  return out;
}

/** Clock picks the wall-clock times or the business-hours ones. */
export type Clock = "wall" | "business";

/** times are a summary's time metrics of a clock. */
export function times(s: ReportSummary, clock: Clock): ReportTimes {
  return clock === "business" ? s.businessHours : s;
}

/** closedCount is a summary's closes, whatever the reason. */
export function closedCount(s: ReportSummary): number {
  return s.closed.agent + s.closed.inactivity + s.closed.bot;
}

/** hasBot: a chatflow's bot started conversations in the summary's days. */
export function hasBot(s: ReportSummary): boolean {
  return s.bot.started > 0 || s.bot.handedOver > 0 || s.closed.bot > 0;
}

/** DayPoint is one day of the charts: every day of the range, zero when nothing happened. */
export interface DayPoint {
  date: string;
  newConversations: number;
  closed: number;
  missed: number;
  /** The times in seconds, null when nothing was measured that day. */
  frtMedian: number | null;
  frtP90: number | null;
  ttcMedian: number | null;
  ttcP90: number | null;
}

const none = (t: ReportTiming | undefined, k: "medianSeconds" | "p90Seconds"): number | null => (t && t.count > 0 ? (t[k] ?? null) : null);

/** series is the report's days as the charts draw them: one point per day of its range. */
export function series(r: Report, clock: Clock): DayPoint[] {
  const byDate = new Map(r.days.map((d) => [d.date, d]));
  return days(r).map((date) => {
    const d = byDate.get(date);
    const t = d ? times(d, clock) : undefined;
    return {
      date,
      newConversations: d ? d.new.chat + d.new.email : 0,
      closed: d ? closedCount(d) : 0,
      missed: d ? d.missed : 0,
      frtMedian: none(t?.firstResponse, "medianSeconds"),
      frtP90: none(t?.firstResponse, "p90Seconds"),
      ttcMedian: none(t?.timeToClose, "medianSeconds"),
      ttcP90: none(t?.timeToClose, "p90Seconds"),
    };
  });
}

/** isEmpty: nothing at all happened in the report's range. */
export function isEmpty(r: Report): boolean {
  return r.days.length === 0;
}

/** AgentRow is one line of the per-agent table: an agent's totals over the range (in every inbox). */
export interface AgentRow {
  id: string;
  name: string;
  total: ReportSummary;
}

/** agentRows sorts the agents' totals: most first responses first, then by name. */
export function agentRows(rows: AgentRow[]): AgentRow[] {
  return [...rows].sort((a, b) => b.total.firstResponse.count - a.total.firstResponse.count || a.name.localeCompare(b.name));
}

/** duration writes seconds for people: 45 s, 3 min, 1 h 30 min, 2 d 4 h. */
export function duration(s: number | null | undefined): string {
  if (s === null || s === undefined) return "–";
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) {
    const h = Math.floor(s / 3600);
    const m = Math.round((s % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(s / 86_400);
  const h = Math.round((s % 86_400) / 3600);
  return h ? `${d} d ${h} h` : `${d} d`;
}

// ---------------------------------------------------------------- CSV

/** csvColumns are the export's columns: the numbers the page shows, both clocks. */
export const csvColumns = [
  "row", "date", "agent", "agentId",
  "new_chat", "new_email", "closed_agent", "closed_inactivity", "closed_bot", "missed", "reopened",
  "bot_started", "bot_handed_over", "bot_resolved", "bot_abandoned",
  ...(["frt", "fra", "rt", "ttc", "bh_frt", "bh_fra", "bh_rt", "bh_ttc"] as const).flatMap((m) => [`${m}_count`, `${m}_median_s`, `${m}_p90_s`, `${m}_average_s`]),
  "csat_asked", "csat_responses", "csat_response_rate", "csat_average", "csat_1", "csat_2", "csat_3", "csat_4", "csat_5",
] as const;

function timingCells(t: ReportTiming): (number | string)[] {
  return [t.count, t.medianSeconds ?? "", t.p90Seconds ?? "", t.averageSeconds ?? ""];
}

function summaryCells(s: ReportSummary): (number | string)[] {
  const b = s.businessHours;
  return [
    s.new.chat, s.new.email, s.closed.agent, s.closed.inactivity, s.closed.bot, s.missed, s.reopened,
    s.bot.started, s.bot.handedOver, s.bot.resolved, s.bot.abandoned,
    ...[s.firstResponse, s.firstResponseFromAssignment, s.replyTime, s.timeToClose, b.firstResponse, b.firstResponseFromAssignment, b.replyTime, b.timeToClose].flatMap(timingCells),
    s.csat.asked, s.csat.responses, s.csat.responseRate ?? "", s.csat.average ?? "", ...s.csat.distribution,
  ];
}

/** cell quotes a value when CSV needs it, and defuses what a spreadsheet would run as a formula. */
function cell(v: number | string): string {
  let s = String(v);
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * toCSV writes what the page shows: the range's total, each day with
 * numbers, and each agent's total, one row each (column "row": total, day,
 * agent). Times are seconds; averages keep their decimals, so the file
 * parses back to the API's numbers.
 */
export function toCSV(r: Report, agents: AgentRow[]): string {
  const rows: (number | string)[][] = [[...csvColumns]];
  rows.push(["total", `${r.from}..${r.to}`, "", "", ...summaryCells(r.total)]);
  for (const d of r.days) rows.push(["day", d.date, "", "", ...summaryCells(d)]);
  for (const a of agents) rows.push(["agent", `${r.from}..${r.to}`, a.name, a.id, ...summaryCells(a.total)]);
  return rows.map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}

/** parseCSV reads CSV text into rows of cells (RFC 4180: quoted cells, doubled quotes, CRLF). */
export function parseCSV(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cur);
      cur = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cur);
      rows.push(row);
      row = [];
      cur = "";
    } else cur += c;
  }
  if (cur !== "" || row.length) {
    row.push(cur);
    rows.push(row);
  }
  return rows;
}

/** csvName is the export's file name. */
export function csvName(r: Report, label: string): string {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || r.dimension;
  return `parley-report-${slug}-${r.from}-${r.to}.csv`;
}

// ---------------------------------------------------------------- the page's state

/** Filter is whose numbers the page shows: the whole account, an inbox, or an agent (in every inbox). */
export interface Filter {
  inboxId: string;
  agentId: string;
}

/** Load is where a read stands. */
export type Load<T> = { state: "idle" } | { state: "loading" } | { state: "failed"; message: string; forbidden: boolean } | { state: "done"; value: T };

export class ReportsState {
  /** preset: 7, 30 or 90 days ending today, or 0 for the custom range. */
  readonly preset = signal<number>(30);
  readonly range = signal<Range>({ from: "", to: "" });
  readonly filter = signal<Filter>({ inboxId: "", agentId: "" });
  readonly clock = signal<Clock>("wall");
  readonly report = signal<Load<Report>>({ state: "idle" });
  readonly agents = signal<Load<AgentRow[]>>({ state: "idle" });
  /** names of the inboxes and agents the filters offer. */
  readonly inboxes = signal<{ id: string; name: string }[]>([]);
  readonly team = signal<{ id: string; name: string; inboxIds: string[] }[]>([]);

  constructor(today: string) {
    this.range.value = presetRange(30, today);
  }

  pickPreset(days: number, today: string): void {
    this.preset.value = days;
    this.range.value = presetRange(days, today);
  }

  pickCustom(r: Range): void {
    this.preset.value = 0;
    this.range.value = r;
  }

  /** label names whose numbers are shown. */
  label(): string {
    const f = this.filter.value;
    if (f.agentId) return this.team.value.find((a) => a.id === f.agentId)?.name ?? "Agent";
    if (f.inboxId) return this.inboxes.value.find((i) => i.id === f.inboxId)?.name ?? "Inbox";
    return "All inboxes";
  }

  /** tableAgents are the agents the per-agent table lists: the inbox's members, or everyone. */
  tableAgents(): { id: string; name: string }[] {
    const f = this.filter.value;
    return this.team.value.filter((a) => (f.agentId ? a.id === f.agentId : !f.inboxId || a.inboxIds.includes(f.inboxId)));
  }
}
