// The reports page's state (inbox/state/reports.ts): ranges, the series the
// charts draw (every day, gaps where nothing was measured), the clock
// switch, and a CSV export that parses back to the API's numbers.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";

const load = (name) => import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, name + ".mjs")).href);
const r = await load("inbox-reports");

const timing = (count, average, median, p90) => (count ? { count, averageSeconds: average, medianSeconds: median, p90Seconds: p90 } : { count: 0 });
function summary(o = {}) {
  const t = { firstResponse: timing(0), firstResponseFromAssignment: timing(0), replyTime: timing(0), timeToClose: timing(0) };
  const csat = { asked: 0, responses: 0, distribution: [0, 0, 0, 0, 0] };
  const bot = { started: 0, handedOver: 0, resolved: 0, abandoned: 0 };
  return { new: { chat: 0, email: 0 }, closed: { agent: 0, inactivity: 0, bot: 0 }, missed: 0, reopened: 0, bot, ...t, businessHours: { ...t }, csat, ...o };
}

// Two days with numbers in a range of four; the business-hours first
// response of the first day is shorter than its wall-clock one.
const day1 = summary({
  new: { chat: 2, email: 1 }, closed: { agent: 1, inactivity: 1, bot: 0 }, missed: 1,
  firstResponse: timing(2, 67.5, 90, 120), timeToClose: timing(2, 1234.567, 1800, 2700),
  businessHours: { ...summary().businessHours, firstResponse: timing(2, 7.25, 15, 15) },
});
// The third day: a reopened chat, and two conversations a bot started,
// one handed over, one the bot ended itself.
const day3 = summary({ new: { chat: 3, email: 0 }, closed: { agent: 0, inactivity: 0, bot: 1 }, reopened: 1, bot: { started: 2, handedOver: 1, resolved: 1, abandoned: 0 } });
const report = {
  dimension: "inbox", id: "main", from: "2026-12-01", to: "2026-12-04",
  total: summary({ new: { chat: 5, email: 1 }, closed: { agent: 1, inactivity: 1, bot: 1 }, missed: 1, reopened: 1, bot: { started: 2, handedOver: 1, resolved: 1, abandoned: 0 },
    firstResponse: timing(2, 67.5, 90, 120), timeToClose: timing(2, 1234.567, 1800, 2700),
    csat: { asked: 3, responses: 2, responseRate: 2 / 3, average: 3.5, distribution: [0, 1, 0, 0, 1] } }),
  days: [{ date: "2026-12-01", ...day1 }, { date: "2026-12-03", ...day3 }],
};

describe("ranges", () => {
  test("presets end today and count today", () => {
    assert.deepEqual(r.presetRange(7, "2026-12-07"), { from: "2026-12-01", to: "2026-12-07" });
    assert.deepEqual(r.presetRange(90, "2026-03-01"), { from: "2025-12-02", to: "2026-03-01" });
  });
  for (const [name, range, want] of [
    ["fine", { from: "2026-12-01", to: "2026-12-31" }, null],
    ["one day", { from: "2026-12-01", to: "2026-12-01" }, null],
    ["empty", { from: "", to: "2026-12-31" }, "Pick a start and an end day."],
    ["no such day", { from: "2026-02-30", to: "2026-03-02" }, "Pick a start and an end day."],
    ["backwards", { from: "2026-12-31", to: "2026-12-01" }, "The end day is before the start day."],
    ["too long", { from: "2025-01-01", to: "2026-01-02" }, "A report covers at most 366 days."],
  ]) test(name, () => assert.equal(r.rangeProblem(range), want));
  test("days lists every day across a month's end", () => {
    assert.deepEqual(r.days({ from: "2026-02-27", to: "2026-03-02" }), ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
  });
});

describe("series", () => {
  test("every day of the range, zero counts and no time where nothing happened", () => {
    const s = r.series(report, "wall");
    assert.deepEqual(s.map((p) => p.date), ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]);
    assert.deepEqual(s.map((p) => [p.newConversations, p.closed, p.missed]), [[3, 2, 1], [0, 0, 0], [3, 1, 0], [0, 0, 0]], "the bot's conversations are new and its ends closes");
    assert.deepEqual(s.map((p) => [p.frtMedian, p.frtP90, p.ttcMedian, p.ttcP90]), [[90, 120, 1800, 2700], [null, null, null, null], [null, null, null, null], [null, null, null, null]]);
  });
  test("business hours switch the times, not the counts", () => {
    const s = r.series(report, "business");
    assert.deepEqual([s[0].newConversations, s[0].frtMedian, s[0].frtP90, s[0].ttcMedian], [3, 15, 15, null]);
  });
  test("the bot's numbers show where a bot started conversations", () => {
    assert.equal(r.hasBot(report.total), true);
    assert.equal(r.hasBot(day1), false);
    assert.equal(r.closedCount(report.total), 3);
  });
  test("a report without days is empty", () => {
    assert.equal(r.isEmpty({ ...report, days: [] }), true);
    assert.equal(r.isEmpty(report), false);
  });
});

describe("CSV", () => {
  const agents = [{ id: "a1", name: 'Ann "The Closer", Jr.', total: summary({ closed: { agent: 1, inactivity: 0, bot: 0 }, firstResponse: timing(1, 35.125, 45, 45) }) }];
  const text = r.toCSV(report, agents);
  const rows = r.parseCSV(text);
  const header = rows[0];
  const col = (row, name) => row[header.indexOf(name)];

  test("a header and one row for the total, each day with numbers and each agent", () => {
    assert.deepEqual(header, [...r.csvColumns]);
    assert.deepEqual(rows.slice(1).map((x) => [x[0], x[1]]), [["total", "2026-12-01..2026-12-04"], ["day", "2026-12-01"], ["day", "2026-12-03"], ["agent", "2026-12-01..2026-12-04"]]);
    assert.ok(rows.every((x) => x.length === header.length));
  });
  test("parses back to the API's numbers, averages with their decimals", () => {
    const [, total, d1] = rows;
    assert.deepEqual([col(total, "new_chat"), col(total, "new_email"), col(total, "missed"), col(total, "reopened")].map(Number), [5, 1, 1, 1]);
    assert.deepEqual(["closed_bot", "bot_started", "bot_handed_over", "bot_resolved", "bot_abandoned"].map((n) => Number(col(total, n))), [1, 2, 1, 1, 0]);
    assert.equal(Number(col(total, "ttc_average_s")), 1234.567);
    assert.equal(Number(col(d1, "frt_median_s")), 90);
    assert.equal(Number(col(d1, "bh_frt_average_s")), 7.25);
    assert.equal(col(d1, "fra_median_s"), "", "nothing measured is an empty cell, not 0");
    assert.equal(col(d1, "csat_average"), "", "no rating: no average");
    assert.deepEqual(["csat_asked", "csat_responses", "csat_response_rate", "csat_average", "csat_2", "csat_5"].map((n) => Number(col(total, n))), [3, 2, 2 / 3, 3.5, 1, 1]);
  });
  test("an agent's name with quotes and commas survives", () => {
    const a = rows[4];
    assert.equal(col(a, "agent"), 'Ann "The Closer", Jr.');
    assert.equal(col(a, "agentId"), "a1");
    assert.equal(Number(col(a, "frt_average_s")), 35.125);
  });
  test("a name a spreadsheet would run as a formula is defused", () => {
    const bad = r.parseCSV(r.toCSV(report, [{ id: "x", name: "=HYPERLINK(1)", total: summary() }]));
    assert.equal(bad[4][2], "'=HYPERLINK(1)");
  });
  test("the file name says whose numbers and which range", () => {
    assert.equal(r.csvName(report, "Sales & Support"), "parley-report-sales-support-2026-12-01-2026-12-04.csv");
  });
});

describe("durations for people", () => {
  for (const [s, want] of [[null, "–"], [0, "0 s"], [45, "45 s"], [90, "2 min"], [3600, "1 h"], [5400, "1 h 30 min"], [86400, "1 d"], [604800, "7 d"]]) {
    test(`${s} s`, () => assert.equal(r.duration(s), want));
  }
});

describe("the page's filters", () => {
  test("the agents table lists the inbox's members, or the one agent picked", () => {
    const s = new r.ReportsState("2026-12-07");
    assert.deepEqual(s.range.value, { from: "2026-11-08", to: "2026-12-07" });
    s.team.value = [{ id: "a", name: "Ann", inboxIds: ["main"] }, { id: "b", name: "Bob", inboxIds: ["sales"] }];
    s.inboxes.value = [{ id: "main", name: "Main" }, { id: "sales", name: "Sales" }];
    assert.deepEqual(s.tableAgents().map((a) => a.id), ["a", "b"]);
    assert.equal(s.label(), "All inboxes");
    s.filter.value = { inboxId: "sales", agentId: "" };
    assert.deepEqual(s.tableAgents().map((a) => a.id), ["b"]);
    assert.equal(s.label(), "Sales");
    s.filter.value = { inboxId: "sales", agentId: "a" };
    assert.deepEqual(s.tableAgents().map((a) => a.id), ["a"]);
    assert.equal(s.label(), "Ann");
    s.pickPreset(7, "2026-12-07");
    assert.deepEqual([s.preset.value, s.range.value.from], [7, "2026-12-01"]);
    s.pickCustom({ from: "2026-10-01", to: "2026-10-31" });
    assert.equal(s.preset.value, 0);
  });
});
