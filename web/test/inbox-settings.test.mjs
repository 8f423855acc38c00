// The settings pages' state (inbox/state/week.ts, form.ts, channel.ts,
// settings.ts): the week grid produces availability JSON of the server's
// shape, refused fields land beside their inputs, the colour check says
// what the server says, and the preview follows the channel.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";

const load = (name) => import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, name + ".mjs")).href);
const week = await load("inbox-week");
const { Form, place, parent, humanize, inputId } = await load("inbox-form");
const channel = await load("inbox-channel");
const { ChannelEditor, SettingsState, toggle, upsert } = await load("inbox-settings");
const { pickLocale } = await load("widget-locale");

const iv = (start, end) => ({ start, end });

function newChannel(over = {}) {
  return {
    id: "main", inboxId: "main", name: "Website", allowedOrigins: ["https://www.example.com"],
    look: { color: "#2f5bea", launcherText: "", position: "right", teamName: "Support", greeting: "", poweredBy: true, language: "en" },
    availability: { mode: "hours", timeZone: "Europe/Rome", week: {} },
    away: { mode: "message", message: "" },
    typicalReplyTime: "minutes",
    email: { transcriptOnClose: true, senderName: "", senderAddress: "" },
    inactivity: { timeoutMinutes: 30, warningMinutes: 2, warningText: "" },
    files: { maxMegabytes: 0, perMessage: 0 },
    retention: { closedDays: 0 },
    ...over,
  };
}

describe("week: painting the grid", () => {
  test("painting cells opens exactly those half hours, as intervals of the server's shape", () => {
    let w = week.paint({}, ["mon"], 9 * 60, 12 * 60 + 30, true);
    w = week.paint(w, ["mon"], 14 * 60, 18 * 60, true);
    assert.deepEqual(w, { mon: [iv("09:00", "12:30"), iv("14:00", "18:00")] });
  });

  test("painting next to or over an interval joins them; closing cuts them; a day left empty is left out", () => {
    let w = { mon: [iv("09:00", "12:00")], tue: [iv("10:00", "11:00")] };
    w = week.paint(w, ["mon"], 12 * 60, 13 * 60, true);
    assert.deepEqual(w.mon, [iv("09:00", "13:00")], "touching intervals are one open period");
    w = week.paint(w, ["mon"], 10 * 60, 10 * 60 + 30, false);
    assert.deepEqual(w.mon, [iv("09:00", "10:00"), iv("10:30", "13:00")]);
    w = week.paint(w, ["tue"], 0, 24 * 60, false);
    assert.deepEqual(Object.keys(w), ["mon"]);
  });

  test("the last cell of the day ends at 24:00", () => {
    assert.deepEqual(week.paint({}, ["fri"], 23 * 60 + 30, 24 * 60, true), { fri: [iv("23:30", "24:00")] });
  });

  test("times off the grid survive a paint elsewhere in the day and show as partly open cells", () => {
    const w = week.paint({ wed: [iv("08:45", "09:10")] }, ["wed"], 14 * 60, 15 * 60, true);
    assert.deepEqual(w.wed, [iv("08:45", "09:10"), iv("14:00", "15:00")]);
    const s = week.spans(w.wed);
    assert.equal(week.cell(s, 17), "partial", "08:30-09:00 is open from 08:45");
    assert.equal(week.cell(s, 18), "partial", "09:00-09:30 is open until 09:10");
    assert.equal(week.cell(s, 28), "open");
    assert.equal(week.cell(s, 30), "closed");
  });

  test("intervals being typed (not yet times) are left out of the grid, and days keep weekday order", () => {
    assert.deepEqual(week.spans([iv("9:00", "12:00"), iv("13:00", "12:00"), iv("14:00", "15:00")]), [[840, 900]]);
    const w = week.setDay({ sun: [iv("10:00", "12:00")] }, "mon", [iv("09:00", "10:00")]);
    assert.deepEqual(Object.keys(w), ["mon", "sun"]);
  });

  test("a drag paints the rectangle from its first cell and un-paints as it shrinks", () => {
    const before = { tue: [iv("12:00", "13:00")] };
    const s = week.begin(before, { row: 0, slot: 18 });
    assert.equal(s.open, true, "a closed cell opens");
    const wide = week.extend(s, { row: 2, slot: 21 });
    for (const d of ["mon", "tue", "wed"]) assert.deepEqual(wide[d][0], iv("09:00", "11:00"), d);
    assert.deepEqual(wide.tue[1], iv("12:00", "13:00"));
    const back = week.extend(s, { row: 0, slot: 19 });
    assert.deepEqual(back, { mon: [iv("09:00", "10:00")], tue: [iv("12:00", "13:00")] });
  });

  test("a stroke that starts on an open cell closes", () => {
    const s = week.begin({ mon: [iv("09:00", "17:00")] }, { row: 0, slot: 20 });
    assert.equal(s.open, false);
    assert.deepEqual(week.extend(s, { row: 0, slot: 23 }), { mon: [iv("09:00", "10:00"), iv("12:00", "17:00")] });
  });

  test("keys move the cursor within the grid", () => {
    const c = { row: 0, slot: 0 };
    assert.deepEqual(week.move(c, "ArrowLeft"), c, "stops at the edge");
    assert.deepEqual(week.move(c, "ArrowUp"), c);
    assert.deepEqual(week.move(c, "ArrowDown"), { row: 1, slot: 0 });
    assert.deepEqual(week.move(c, "End"), { row: 0, slot: 47 });
    assert.deepEqual(week.move({ row: 6, slot: 47 }, "ArrowRight"), { row: 6, slot: 47 });
    assert.deepEqual(week.move({ row: 3, slot: 10 }, "PageDown"), { row: 3, slot: 14 });
    assert.equal(week.move(c, "a"), null);
  });

  test("copying a day gives the others its intervals", () => {
    const w = week.copyDay({ mon: [iv("09:00", "17:00")], sat: [iv("10:00", "12:00")] }, "mon", ["tue", "wed", "thu", "fri", "mon"]);
    assert.deepEqual(Object.keys(w), ["mon", "tue", "wed", "thu", "fri", "sat"]);
    assert.deepEqual(w.fri, [iv("09:00", "17:00")]);
    assert.notEqual(w.fri[0], w.mon[0], "copies, not shared objects");
  });

  test("a day reads out as its hours", () => {
    assert.equal(week.describe([iv("14:00", "18:00"), iv("09:00", "12:30")]), "09:00–12:30, 14:00–18:00");
    assert.equal(week.describe(undefined), "Closed");
  });
});

describe("channel editor: the grid by keyboard and pointer", () => {
  test("Space turns the cell under the cursor over; Shift+arrows carry its state on like a drag; plain arrows only move", () => {
    const ed = new ChannelEditor(newChannel());
    ed.cursor.value = { row: 0, slot: 18 };
    ed.key(" ", false);
    assert.deepEqual(ed.form.value.value.availability.week, { mon: [iv("09:00", "09:30")] });
    ed.key(" ", false);
    assert.deepEqual(ed.form.value.value.availability.week, {}, "Space again closes it");
    ed.key("ArrowRight", true);
    assert.deepEqual(ed.form.value.value.availability.week, {}, "from a closed cell, Shift+arrows close");
    ed.release();
    ed.cursor.value = { row: 0, slot: 18 };
    ed.key(" ", false);
    ed.key("ArrowRight", true);
    ed.key("ArrowRight", true);
    ed.key("ArrowDown", true);
    assert.deepEqual(ed.form.value.value.availability.week, { mon: [iv("09:00", "10:30")], tue: [iv("09:00", "10:30")] });
    ed.release(); // Shift let go
    ed.key("ArrowDown", false);
    ed.key("ArrowDown", false);
    assert.deepEqual(ed.cursor.value, { row: 3, slot: 20 });
    ed.cursor.value = { row: 0, slot: 19 };
    ed.key("ArrowRight", true);
    assert.deepEqual(ed.form.value.value.availability.week.mon, [iv("09:00", "10:30")], "from an open cell, Shift+arrows open: nothing changes here");
    ed.release();
    ed.cursor.value = { row: 0, slot: 20 };
    ed.key(" ", false);
    assert.deepEqual(ed.form.value.value.availability.week.mon, [iv("09:00", "10:00")], "Space on an open cell closes it");
    assert.equal(ed.form.value.value.availability.week.thu, undefined, "moving without Shift paints nothing");
    assert.equal(ed.key("x", false), false, "other keys are not the grid's");
  });

  test("a pointer stroke paints from press to release, and moving over cells without a press paints nothing", () => {
    const ed = new ChannelEditor(newChannel());
    ed.over({ row: 4, slot: 10 });
    assert.deepEqual(ed.form.value.value.availability.week, {});
    ed.press({ row: 4, slot: 16 });
    ed.over({ row: 4, slot: 33 });
    ed.release();
    ed.over({ row: 4, slot: 40 });
    assert.deepEqual(ed.form.value.value.availability.week, { fri: [iv("08:00", "17:00")] });
    assert.equal(ed.form.dirty.value, true);
  });

  test("the preview and the colour warning follow the form", () => {
    const ed = new ChannelEditor(newChannel());
    assert.equal(ed.colorWarning.value, "");
    ed.form.edit((c) => ({ ...c, look: { ...c.look, color: "#ffcc00", launcherText: "Chat with us", language: "de", teamName: "<b>Team</b>" } }));
    assert.match(ed.colorWarning.value, /^contrast with white text is too low \(1\.\d:1, needs 3:1\)$/);
    const p = ed.preview.value;
    assert.equal(p.launcherText, "Chat with us");
    assert.equal(p.teamName, "<b>Team</b>", "text stays text: the view renders it as such");
    assert.equal(p.greeting, "Hallo! Wie können wir Ihnen helfen?", "an empty greeting is the built-in one, in the channel's language");
    assert.equal(p.replyTime, "Wir antworten meist innerhalb weniger Minuten");
    ed.away.value = true;
    assert.equal(ed.preview.value.replyTime, "Wir sind gerade nicht erreichbar");
    assert.match(ed.preview.value.awayMessage, /^Wir sind gerade nicht erreichbar\. Hinterlassen/);
    assert.equal(ed.preview.value.hidden, false);
    ed.form.edit((c) => ({ ...c, away: { mode: "hide", message: "Closed" } }));
    assert.equal(ed.preview.value.hidden, true);
  });
});

describe("form: refused fields beside their inputs", () => {
  test("paths go up one level at a time", () => {
    assert.equal(parent("availability.week.mon[1].end"), "availability.week.mon[1]");
    assert.equal(parent("availability.week.mon[1]"), "availability.week.mon");
    assert.equal(parent("availability"), "");
  });

  test("each error lands on its input, or the nearest enclosing one; the rest are general", () => {
    const has = new Set(["look.color", "availability.week.mon", "availability.week.mon[0].start", "availability.timeZone", "allowedOrigins[1]"]);
    const placed = place([
      { field: "look.color", message: "contrast with white text is too low (2.1:1, needs 3:1)" },
      { field: "availability.week.mon[0].start", message: "is not a time of day (HH:MM, 00:00 to 23:59)" },
      { field: "availability.week.mon[2]", message: "overlaps week.mon[0]" },
      { field: "availability.week.mon[3]", message: "overlaps week.mon[1]" },
      { field: "allowedOrigins[1]", message: "must be an origin like https://www.example.com" },
      { field: "inactivity.warningMinutes", message: "must be less than the timeout" },
    ], (p) => has.has(p));
    assert.deepEqual([...placed.fields], [
      ["look.color", "Contrast with white text is too low (2.1:1, needs 3:1)"],
      ["availability.week.mon[0].start", "Is not a time of day (HH:MM, 00:00 to 23:59)"],
      ["availability.week.mon", "Overlaps interval 1; Overlaps interval 2"],
      ["allowedOrigins[1]", "Must be an origin like https://www.example.com"],
    ]);
    assert.deepEqual(placed.general, ["inactivity.warningMinutes: must be less than the timeout"]);
  });

  test("paths in messages read as words", () => {
    assert.equal(humanize("overlaps holidays[2]"), "Overlaps holiday 3");
    assert.equal(humanize("overlaps holidays[0].hours[1]"), "Overlaps interval 2");
  });

  test("a refused save keeps what was typed, marks the inputs, and a save clears the marks", () => {
    const f = new Form(newChannel(), "ch");
    const id = f.input("look.color");
    assert.equal(id, "ch-look-color");
    assert.equal(inputId("ch", "availability.week.mon[1].end"), "ch-availability-week-mon-1-end");
    f.edit((c) => ({ ...c, look: { ...c.look, color: "#ffff00" } }));
    f.start();
    f.refused({ message: "invalid request", fields: [{ field: "look.color", message: "contrast with white text is too low (1.0:1, needs 3:1)" }] });
    assert.equal(f.value.value.look.color, "#ffff00", "nothing typed is lost");
    assert.equal(f.error("look.color"), "Contrast with white text is too low (1.0:1, needs 3:1)");
    assert.equal(f.saving.value, false);
    assert.equal(f.dirty.value, true);
    assert.match(f.note.value, /correct the fields/);
    const stored = { ...f.value.value, look: { ...f.value.value.look, color: "#2f5bea" } };
    f.done(stored);
    assert.equal(f.error("look.color"), undefined);
    assert.equal(f.dirty.value, false);
    assert.equal(f.note.value, "Saved");
  });

  test("edits typed while a save is under way stay, unsaved, when its answer comes", () => {
    const f = new Form({ name: "Support", greeting: "Hi" }, "ch");
    f.edit((v) => ({ ...v, name: "Support EU" }));
    f.start();
    f.edit((v) => ({ ...v, greeting: "Hi! How can we help?" }));
    f.done({ name: "Support EU", greeting: "Hi" });
    assert.deepEqual(f.value.value, { name: "Support EU", greeting: "Hi! How can we help?" }, "the greeting typed meanwhile is kept");
    assert.deepEqual(f.saved.value, { name: "Support EU", greeting: "Hi" });
    assert.equal(f.dirty.value, true, "and shows as unsaved");
    assert.equal(f.note.value, "Saved");
    f.start();
    f.done({ name: "Support EU", greeting: "Hi! How can we help?" });
    assert.equal(f.dirty.value, false);
  });

  test("a save not edited meanwhile takes the value the server stored", () => {
    const f = new Form({ name: " Support " }, "ch");
    f.start();
    f.done({ name: "Support" });
    assert.deepEqual(f.value.value, { name: "Support" });
    assert.equal(f.dirty.value, false);
  });

  test("errors of inputs no longer shown are general", () => {
    const f = new Form(newChannel(), "ch");
    f.input("availability.mode");
    f.input("availability.timeZone");
    f.input("availability.week.mon[0]");
    f.input("availability.week.mon[0].end");
    f.input("availability.weekend");
    f.forget("availability.week"); // the business hours are hidden: mode "always"
    f.forget("availability.timeZone");
    f.refused({ message: "invalid", fields: [
      { field: "availability.week.mon[0].end", message: "must be a time of day" },
      { field: "availability.mode", message: "is not a mode" },
      { field: "availability.weekend", message: "is not a day" },
    ] });
    assert.deepEqual([...f.errors.value.fields.keys()], ["availability.mode", "availability.weekend"], "a path that only starts alike stays");
    assert.deepEqual(f.errors.value.general, ["availability.week.mon[0].end: must be a time of day"]);
    f.input("availability.week.mon[0].end"); // shown again
    f.refused({ message: "invalid", fields: [{ field: "availability.week.mon[0].end", message: "must be a time of day" }] });
    assert.equal(f.error("availability.week.mon[0].end"), "Must be a time of day");
  });

  test("a refusal without fields says why, and marks no input", () => {
    const f = new Form({ name: "" }, "ni");
    f.refused({ message: "only admins can change settings" });
    assert.equal(f.note.value, "Not saved: only admins can change settings");
    assert.equal(f.errors.value.fields.size, 0);
  });
});

describe("channel: colour check, snippet, zones, holidays", () => {
  test("the colour check mirrors the server's: WCAG contrast against white, at least 3:1", () => {
    assert.equal(channel.colorProblem("#2f5bea"), "");
    assert.equal(channel.colorProblem("#000000"), "");
    assert.equal(channel.colorProblem("#ffffff"), "contrast with white text is too low (1.0:1, needs 3:1)");
    assert.equal(channel.colorProblem("#959595"), "contrast with white text is too low (2.9:1, needs 3:1)", "2.99 reads 2.9, never 3.0");
    assert.equal(channel.colorProblem("#949494"), "", "3.03:1 passes");
    assert.equal(channel.colorProblem("red"), "must be a colour like #2f5bea");
    assert.ok(Math.abs(channel.contrast("#767676") - 4.54) < 0.01);
  });

  test("the snippet names the deployment's loader and the channel, with attributes escaped", () => {
    assert.equal(channel.snippet("https://d111.cloudfront.net/", "sales"), '<script src="https://d111.cloudfront.net/widget/loader.js" data-channel="sales" async></script>');
    assert.equal(channel.snippet("http://127.0.0.1:3000/inbox/#/settings/channels/main", "main"), '<script src="http://127.0.0.1:3000/widget/loader.js" data-channel="main" async></script>');
    assert.equal(channel.snippet("https://x.example/", 'a"><script>'), '<script src="https://x.example/widget/loader.js" data-channel="a&quot;>&lt;script>" async></script>');
  });

  test("time zones: the browser's list, with UTC and the stored zone", () => {
    assert.deepEqual(channel.timeZones("Mars/Olympus", ["Europe/Rome", "America/New_York"]), ["America/New_York", "Europe/Rome", "Mars/Olympus", "UTC"]);
    assert.ok(channel.browserZones().includes("Europe/Rome"));
  });

  test("a new holiday follows the last one, so rows never start out overlapping", () => {
    assert.deepEqual(channel.addHoliday([], "2026-12-01"), [{ date: "2026-12-01" }]);
    const l = channel.addHoliday([{ date: "2026-12-24", endDate: "2026-12-26" }], "2026-12-01");
    assert.deepEqual(l[1], { date: "2026-12-27" });
    assert.deepEqual(channel.addHoliday([{ date: "2025-01-01" }], "2026-03-01")[1], { date: "2026-03-01" });
  });

  test("the preview falls back to a safe colour and the built-in texts", () => {
    const p = channel.preview(newChannel({ look: { ...newChannel().look, color: "nope", teamName: "  " } }), false);
    assert.equal(p.color, "#2f5bea");
    assert.equal(p.teamName, "Chat");
    assert.equal(p.greeting, "Hi there! How can we help you today?");
    assert.equal(p.replyTime, "We usually reply within a few minutes");
    assert.equal(channel.preview(newChannel({ typicalReplyTime: "day", look: { ...newChannel().look, language: "pl" } }), false).replyTime, "Zwykle odpowiadamy w ciągu jednego dnia");
  });
});

describe("settings: lists and forms", () => {
  const inbox = (id, name, over = {}) => ({ id, name, memberIds: [], channelIds: [], routing: { mode: "manual", capacity: 5 }, ...over });

  test("a list read again keeps a form's unsaved changes and refreshes the others", () => {
    const st = new SettingsState();
    st.gotInboxes([inbox("a", "Sales"), inbox("b", "Support")]);
    const fa = st.inboxForm(st.inboxes.value[0]);
    const fb = st.inboxForm(st.inboxes.value[1]);
    fa.edit((v) => ({ ...v, name: "Sales EU" }));
    st.gotInboxes([inbox("a", "Sales (renamed elsewhere)"), inbox("b", "Support", { memberIds: ["x"] })]);
    assert.equal(fa.value.value.name, "Sales EU");
    assert.deepEqual(fb.value.value.memberIds, ["x"]);
    assert.equal(st.inboxForm(st.inboxes.value[0]), fa, "one form per inbox");
  });

  test("a stored inbox or member replaces its row and its form's value", () => {
    const st = new SettingsState();
    st.gotInboxes([inbox("a", "Sales")]);
    st.inboxForm(st.inboxes.value[0]).edit((v) => ({ ...v, routing: { mode: "round_robin", capacity: 2 } }));
    st.putInbox(inbox("a", "Sales", { routing: { mode: "round_robin", capacity: 2 } }));
    assert.equal(st.inboxForm(st.inboxes.value[0]).dirty.value, false);
    st.putInbox(inbox("c", "New"));
    assert.deepEqual(st.inboxes.value.map((i) => i.id), ["a", "c"]);
  });

  test("toggle and upsert", () => {
    assert.deepEqual(toggle(["a", "b"], "a", false), ["b"]);
    assert.deepEqual(toggle(["b"], "a", true), ["b", "a"]);
    assert.deepEqual(toggle(["a"], "a", true), ["a"]);
    assert.deepEqual(upsert(null, { id: "x" }), [{ id: "x" }]);
  });
});

describe("widget language", () => {
  test("the site's choice, then the browser's languages, then the channel's default, then English", () => {
    assert.equal(pickLocale(["fr", "de-DE", "it"]), "fr");
    assert.equal(pickLocale([undefined, "ja", "de-AT", "it"]), "de");
    assert.equal(pickLocale([undefined, "ja", "zh", "pl"]), "pl");
    assert.equal(pickLocale([undefined, "ja"]), "en");
  });
});
