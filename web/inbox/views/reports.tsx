// Reports, a page of its own (a chunk, with its own styles), loaded when
// an admin goes there: the range and filters, the totals, four charts
// drawn as SVG (each with a title, axis labels and its table), the
// per-agent table and the CSV export of what is shown.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Report, ReportCSAT, ReportSummary } from "../../shared/wire";
import { Reports } from "../reports";
import { type AgentRow, type Clock, closedCount, csvName, type DayPoint, duration, hasBot, isEmpty, presets, rangeProblem, series, times, toCSV } from "../state/reports";
import { useInbox } from "./context";
import css from "./reports.css?sheet";
import { adopt } from "./sheet";

adopt(css);

// One Reports per running inbox: the range and filters survive leaving
// the page and coming back.
let running: Reports | null = null;

function useReports(): Reports {
  const inbox = useInbox();
  if (running?.inbox !== inbox) {
    running = new Reports(inbox);
    void running.start();
  }
  return running;
}

export function Page() {
  const r = useReports();
  const report = r.state.report.value;
  return (
    <section class="page reports" aria-labelledby="page-title">
      <h2 id="page-title">Reports</h2>
      <Controls />
      {report.state === "loading" || report.state === "idle" ? <p class="rep-note" role="status">Loading the report…</p> : null}
      {report.state === "failed" ? (
        <div class="rep-note bad" role="alert">
          <p>{report.forbidden ? report.message : "The report could not be read: " + report.message}</p>
          {report.forbidden ? null : <button class="ghost small" type="button" onClick={() => void r.load()}>Try again</button>}
        </div>
      ) : null}
      {report.state === "done" ? <Shown report={report.value} /> : null}
    </section>
  );
}

function Controls() {
  const r = useReports();
  const s = r.state;
  const range = s.range.value;
  const f = s.filter.value;
  const [custom, setCustom] = useState(range);
  useEffect(() => setCustom(range), [range.from, range.to]);
  const problem = s.preset.value === 0 ? rangeProblem(custom) : null;
  const report = s.report.value;
  const csv = report.state === "done" ? <Export report={report.value} /> : null;
  return (
    <form class="rep-controls" aria-label="Report range and filters" onSubmit={(e) => {
      e.preventDefault();
      if (!rangeProblem(custom)) void r.pickCustom(custom);
    }}>
      <div class="seg" role="group" aria-label="Range">
        {presets.map((d) => (
          <button key={d} type="button" aria-pressed={s.preset.value === d} onClick={() => void r.pickPreset(d)}>Last {d} days</button>
        ))}
        <button type="button" aria-pressed={s.preset.value === 0} onClick={() => (s.preset.value = 0)}>Custom</button>
      </div>
      {s.preset.value === 0 ? (
        <fieldset class="rep-custom">
          <legend class="sr">Custom range</legend>
          <label>From <input type="date" name="from" value={custom.from} max={custom.to} onInput={(e) => setCustom({ ...custom, from: e.currentTarget.value })} aria-invalid={problem ? "true" : undefined} aria-describedby={problem ? "rep-range-err" : undefined} /></label>
          <label>To <input type="date" name="to" value={custom.to} min={custom.from} onInput={(e) => setCustom({ ...custom, to: e.currentTarget.value })} aria-invalid={problem ? "true" : undefined} /></label>
          <button class="primary small" type="submit" disabled={!!problem}>Show</button>
          {problem ? <p id="rep-range-err" class="rep-err">{problem}</p> : null}
        </fieldset>
      ) : null}
      <label class="rep-select">Inbox
        <select name="inbox" value={f.inboxId} disabled={!!f.agentId} onChange={(e) => void r.pickFilter({ ...f, inboxId: e.currentTarget.value })}>
          <option value="">All inboxes</option>
          {s.inboxes.value.map((i) => <option key={i.id} value={i.id}>{i.name}</option>)}
        </select>
      </label>
      <label class="rep-select">Agent
        <select name="agent" value={f.agentId} onChange={(e) => void r.pickFilter({ ...f, agentId: e.currentTarget.value })}>
          <option value="">All agents</option>
          {s.team.value.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
        </select>
      </label>
      <label class="check"><input type="checkbox" name="business" checked={s.clock.value === "business"} onChange={(e) => (s.clock.value = e.currentTarget.checked ? "business" : "wall")} /> Business hours only</label>
      {csv}
      {f.agentId ? <p class="hint">An agent's numbers cover every inbox.</p> : null}
    </form>
  );
}

/** Export is the CSV of what is shown, as a link: the file is written from the state, no request. */
function Export({ report }: { report: Report }) {
  const r = useReports();
  const agents = r.state.agents.value;
  const rows = agents.state === "done" ? agents.value : [];
  const href = useMemo(() => "data:text/csv;charset=utf-8," + encodeURIComponent(toCSV(report, rows)), [report, rows]);
  return <a class="primary small rep-csv" href={href} download={csvName(report, r.state.label())}>Export CSV</a>;
}

function Shown({ report }: { report: Report }) {
  const r = useReports();
  const clock = r.state.clock.value;
  if (isEmpty(report)) {
    return (
      <div class="rep-empty" role="status">
        <p class="empty-title">No conversations from {report.from} to {report.to}</p>
        <p>{r.state.label()} had nothing to count in this range. Pick a longer range or another filter.</p>
      </div>
    );
  }
  const points = series(report, clock);
  const clockNote = clock === "business" ? " (business hours)" : "";
  return (
    <>
      <p class="rep-note" role="status">{r.state.label()}, {report.from} to {report.to}{clockNote}</p>
      <Totals total={report.total} clock={clock} />
      <div class="rep-charts">
        <BarChart id="volume" title="Conversations by day" points={points} bars={[
          { key: "newConversations", name: "New", cls: "s1" },
          { key: "closed", name: "Closed", cls: "s2" },
          { key: "missed", name: "Missed", cls: "s3" },
        ]} />
        <LineChart id="frt" title={"First response time by day" + clockNote} points={points} lines={[
          { key: "frtMedian", name: "Median", cls: "s1" },
          { key: "frtP90", name: "90th percentile", cls: "s2 dashed" },
        ]} />
        <LineChart id="ttc" title={"Time to close by day" + clockNote} points={points} lines={[
          { key: "ttcMedian", name: "Median", cls: "s1" },
          { key: "ttcP90", name: "90th percentile", cls: "s2 dashed" },
        ]} />
        <ScoreChart id="csat" csat={report.total.csat} />
      </div>
      <Agents clock={clock} />
    </>
  );
}

function Totals({ total, clock }: { total: ReportSummary; clock: Clock }) {
  const t = times(total, clock);
  const tiles: [string, string, string?][] = [
    ["New", String(total.new.chat + total.new.email), `${total.new.chat} chat, ${total.new.email} email`],
    ["Closed", String(closedCount(total)), `${total.closed.agent} by agents, ${total.closed.inactivity} inactive` + (total.closed.bot ? `, ${total.closed.bot} by the bot` : "")],
    ["Missed", String(total.missed)],
    ["Reopened", String(total.reopened)],
    ...(hasBot(total) ? [["Started by the bot", String(total.bot.started),
      `${total.bot.handedOver} handed over, ${total.bot.resolved} resolved by the bot, ${total.bot.abandoned} left with the bot`] as [string, string, string]] : []),
    ["First response, median", duration(t.firstResponse.medianSeconds), `p90 ${duration(t.firstResponse.p90Seconds)}, average ${duration(t.firstResponse.averageSeconds)}`],
    ["From assignment, median", duration(t.firstResponseFromAssignment.medianSeconds), `p90 ${duration(t.firstResponseFromAssignment.p90Seconds)}`],
    ["Reply time, median", duration(t.replyTime.medianSeconds), `p90 ${duration(t.replyTime.p90Seconds)}`],
    ["Time to close, median", duration(t.timeToClose.medianSeconds), `p90 ${duration(t.timeToClose.p90Seconds)}, average ${duration(t.timeToClose.averageSeconds)}`],
    ["Satisfaction, average", total.csat.average === undefined ? "–" : `${total.csat.average.toFixed(1)} of 5`,
      `${total.csat.responses} of ${total.csat.asked} rated${total.csat.responseRate === undefined ? "" : ` (${Math.round(total.csat.responseRate * 100)}%)`}; 1–5: ${total.csat.distribution.join(" · ")}`],
  ];
  return (
    <dl class="rep-tiles">
      {tiles.map(([k, v, sub]) => (
        <div key={k} class="rep-tile">
          <dt>{k}</dt>
          <dd>{v}{sub ? <span class="sub">{sub}</span> : null}</dd>
        </div>
      ))}
    </dl>
  );
}

// ---------------------------------------------------------------- charts

const W = 640;
const H = 220;
const M = { top: 12, right: 12, bottom: 40, left: 52 };

/** niceMax rounds a maximum up to 1, 2 or 5 times a power of ten, so the ticks read well. */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

/** unit picks how a chart of durations writes its axis. */
function unit(maxSeconds: number): { div: number; name: string } {
  if (maxSeconds <= 180) return { div: 1, name: "seconds" };
  if (maxSeconds <= 3 * 3600) return { div: 60, name: "minutes" };
  if (maxSeconds <= 3 * 86400) return { div: 3600, name: "hours" };
  return { div: 86400, name: "days" };
}

/** Axes draws the grid, the value ticks up to max, one label per slot along x (at most 8 shown) and the axis names. */
function Axes({ slots, max, xLabel, yLabel }: { slots: string[]; max: number; xLabel: string; yLabel: string }) {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const every = Math.max(1, Math.ceil(slots.length / 8));
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  return (
    <g class="axes" aria-hidden="true">
      {ticks.map((v) => {
        const y = M.top + plotH - (v / max) * plotH;
        return (
          <g key={v}>
            <line x1={M.left} x2={M.left + plotW} y1={y} y2={y} class="grid" />
            <text x={M.left - 6} y={y + 4} text-anchor="end">{Number(v.toFixed(1))}</text>
          </g>
        );
      })}
      {slots.map((d, i) => (i % every === 0 ? <text key={i} x={M.left + ((i + 0.5) * plotW) / slots.length} y={H - M.bottom + 16} text-anchor="middle">{d}</text> : null))}
      <text class="label" x={M.left + plotW / 2} y={H - 4} text-anchor="middle">{xLabel}</text>
      <text class="label" transform={`translate(14 ${M.top + plotH / 2}) rotate(-90)`} text-anchor="middle">{yLabel}</text>
    </g>
  );
}

type Countable = "newConversations" | "closed" | "missed";
type Timed = "frtMedian" | "frtP90" | "ttcMedian" | "ttcP90";

function Chart(p: { id: string; title: string; summary: string; legend: { name: string; cls: string }[]; children: preact.ComponentChildren; table: preact.ComponentChildren }) {
  return (
    <figure class="rep-chart" aria-labelledby={`${p.id}-title`}>
      <figcaption><h3 id={`${p.id}-title`}>{p.title}</h3></figcaption>
      <ul class="legend" aria-hidden="true">
        {p.legend.map((l) => <li key={l.name}><span class={"key " + l.cls} />{l.name}</li>)}
      </ul>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${p.id}-title ${p.id}-desc`} data-chart={p.id}>
        <title>{p.title}</title>
        <desc id={`${p.id}-desc`}>{p.summary} The table below gives every value.</desc>
        {p.children}
      </svg>
      <details>
        <summary>Show as a table</summary>
        {p.table}
      </details>
    </figure>
  );
}

function BarChart({ id, title, points, bars }: { id: string; title: string; points: DayPoint[]; bars: { key: Countable; name: string; cls: string }[] }) {
  // Counts are whole: the four gridlines fall on whole numbers.
  const max = Math.ceil(niceMax(Math.max(4, ...points.flatMap((pt) => bars.map((b) => pt[b.key])))) / 4) * 4;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const slot = plotW / points.length;
  const bw = Math.max(1, (slot * 0.8) / bars.length);
  const sums = bars.map((b) => `${b.name.toLowerCase()} ${points.reduce((n, pt) => n + pt[b.key], 0)}`).join(", ");
  return (
    <Chart id={id} title={title} legend={bars} summary={`Bars per day over ${points.length} days: ${sums}.`} table={
      <table>
        <thead><tr><th scope="col">Day</th>{bars.map((b) => <th key={b.key} scope="col">{b.name}</th>)}</tr></thead>
        <tbody>{points.map((pt) => <tr key={pt.date}><th scope="row">{pt.date}</th>{bars.map((b) => <td key={b.key}>{pt[b.key]}</td>)}</tr>)}</tbody>
      </table>
    }>
      <Axes slots={points.map((pt) => pt.date.slice(5))} max={max} xLabel="Day" yLabel="Conversations" />
      {points.map((pt, i) => bars.map((b, j) => {
        const h = (pt[b.key] / max) * plotH;
        return h > 0 ? <rect key={pt.date + b.key} class={"bar " + b.cls} x={M.left + i * slot + slot * 0.1 + j * bw} y={M.top + plotH - h} width={bw} height={h} /> : null;
      }))}
    </Chart>
  );
}

function LineChart({ id, title, points, lines }: { id: string; title: string; points: DayPoint[]; lines: { key: Timed; name: string; cls: string }[] }) {
  const values = points.flatMap((pt) => lines.map((l) => pt[l.key] ?? 0));
  const u = unit(Math.max(0, ...values));
  const max = niceMax(Math.max(0, ...values) / u.div);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (i: number) => M.left + ((i + 0.5) * plotW) / points.length;
  const y = (s: number) => M.top + plotH - (s / u.div / max) * plotH;
  const measured = points.filter((pt) => lines.some((l) => pt[l.key] !== null)).length;
  return (
    <Chart id={id} title={title} legend={lines} summary={`Lines per day over ${points.length} days, in ${u.name}; ${measured} days with a measurement.`} table={
      <table>
        <thead><tr><th scope="col">Day</th>{lines.map((l) => <th key={l.key} scope="col">{l.name}</th>)}</tr></thead>
        <tbody>{points.map((pt) => <tr key={pt.date}><th scope="row">{pt.date}</th>{lines.map((l) => <td key={l.key}>{duration(pt[l.key])}</td>)}</tr>)}</tbody>
      </table>
    }>
      <Axes slots={points.map((pt) => pt.date.slice(5))} max={max} xLabel="Day" yLabel={`Time (${u.name})`} />
      {lines.map((l) => {
        // A day without a measurement breaks the line rather than drawing zero.
        let d = "";
        let pen = "M";
        points.forEach((pt, i) => {
          const v = pt[l.key];
          if (v === null) {
            pen = "M";
            return;
          }
          d += `${pen}${x(i).toFixed(1)} ${y(v).toFixed(1)} `;
          pen = "L";
        });
        return (
          <g key={l.key} class={"line " + l.cls}>
            <path d={d} />
            {points.map((pt, i) => (pt[l.key] === null ? null : <circle key={pt.date} cx={x(i)} cy={y(pt[l.key] as number)} r={2.5} />))}
          </g>
        );
      })}
    </Chart>
  );
}

/** ScoreChart draws how the range's ratings spread over the scores 1 to 5 (each conversation's latest answer). */
function ScoreChart({ id, csat }: { id: string; csat: ReportCSAT }) {
  const labels = ["1 Very bad", "2 Bad", "3 OK", "4 Good", "5 Very good"];
  const max = Math.ceil(niceMax(Math.max(4, ...csat.distribution)) / 4) * 4;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const slot = plotW / labels.length;
  const summary = csat.responses === 0
    ? "No rating in this range."
    : `${csat.responses} ratings, average ${csat.average?.toFixed(1)} of 5: ` + labels.map((l, i) => `${l} ${csat.distribution[i]}`).join(", ") + ".";
  return (
    <Chart id={id} title="Satisfaction ratings" legend={[{ name: "Ratings", cls: "s1" }]} summary={summary} table={
      <table>
        <thead><tr><th scope="col">Score</th><th scope="col">Ratings</th></tr></thead>
        <tbody>{labels.map((l, i) => <tr key={l}><th scope="row">{l}</th><td>{csat.distribution[i]}</td></tr>)}</tbody>
      </table>
    }>
      <Axes slots={labels} max={max} xLabel="Score" yLabel="Ratings" />
      {csat.distribution.map((n, i) => {
        const h = (n / max) * plotH;
        return h > 0 ? <rect key={i} class="bar s1" x={M.left + i * slot + slot * 0.2} y={M.top + plotH - h} width={slot * 0.6} height={h} /> : null;
      })}
    </Chart>
  );
}

// ---------------------------------------------------------------- agents

function Agents({ clock }: { clock: Clock }) {
  const r = useReports();
  const a = r.state.agents.value;
  let body;
  if (a.state === "failed") body = <p class="rep-note bad" role="alert">The agents' numbers could not be read: {a.message}</p>;
  else if (a.state !== "done") body = <p class="rep-note" role="status">Loading the agents' numbers…</p>;
  else if (a.value.length === 0) body = <p class="rep-note">No agent to list{r.state.filter.value.inboxId ? " in this inbox" : ""}.</p>;
  else body = <AgentTable rows={a.value} clock={clock} />;
  return (
    <section class="rep-agents" aria-labelledby="rep-agents-title">
      <h3 id="rep-agents-title">Per agent</h3>
      <p class="hint">Each agent's numbers over the range, in every inbox.</p>
      {body}
    </section>
  );
}

function AgentTable({ rows, clock }: { rows: AgentRow[]; clock: Clock }) {
  return (
    <table class="rep-table">
      <thead>
        <tr>
          <th scope="col">Agent</th>
          <th scope="col">First responses</th>
          <th scope="col">Median</th>
          <th scope="col">p90</th>
          <th scope="col">Average</th>
          <th scope="col">From assignment, median</th>
          <th scope="col">Closed</th>
          <th scope="col">Time to close, median</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const t = times(row.total, clock);
          return (
            <tr key={row.id} data-agent={row.id}>
              <th scope="row">{row.name}</th>
              <td>{t.firstResponse.count}</td>
              <td>{duration(t.firstResponse.medianSeconds)}</td>
              <td>{duration(t.firstResponse.p90Seconds)}</td>
              <td>{duration(t.firstResponse.averageSeconds)}</td>
              <td>{duration(t.firstResponseFromAssignment.medianSeconds)}</td>
              <td>{closedCount(row.total)}</td>
              <td>{duration(t.timeToClose.medianSeconds)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
