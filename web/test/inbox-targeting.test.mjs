// The targeting rules' editor state (inbox/state/targeting.ts): what a
// page gets reads back as itself through the editor's lists, each flow
// says where it runs, and the server's errors on a rule stay beside it
// while rules move and go.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const load = (name) => import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, name + ".mjs")).href);
const tg = await load("inbox-targeting");
const { ChannelEditor } = await load("inbox-settings");

function channel(targeting) {
  return {
    id: "main", inboxId: "main", name: "Website", allowedOrigins: [],
    look: { color: "#2f5bea", launcherText: "", position: "right", teamName: "Northwind", greeting: "", poweredBy: true, language: "en" },
    availability: { mode: "always" }, away: { mode: "message", message: "" }, typicalReplyTime: "minutes",
    email: { transcriptOnClose: false, senderName: "", senderAddress: "" }, inactivity: { timeoutMinutes: 30, warningMinutes: 2, warningText: "" },
    files: { maxMegabytes: 0, perMessage: 0 }, retention: { closedDays: 0 }, csat: false,
    chatflows: [{ id: "sales", name: "Sales", version: 1, kind: "live", welcome: "", bot: { name: "" }, sessionMinutes: 0, steps: [] }],
    targeting,
  };
}

test("what a page gets reads back as itself through the editor's lists", () => {
  for (const s of [{ flow: "sales" }, { hide: true }, {}]) assert.deepEqual(tg.shows(tg.choice(s)), s);
});

test("each flow says where it runs", () => {
  const t = { rules: [{ pages: "*/pricing*", flow: "sales" }, { pages: "*/checkout*", hide: true }, { pages: "example.com/sales", flow: "sales" }], otherPages: { flow: "greeter" } };
  assert.equal(tg.where(t, "sales"), "On */pricing*, example.com/sales.");
  assert.equal(tg.where(t, "greeter"), "On every page no rule matches.");
  assert.match(tg.where(t, "spare"), /^Nowhere yet/);
});

test("the server's errors on a rule stay beside it while rules move and go", () => {
  const ed = new ChannelEditor(channel({ rules: [{ pages: "a" }, { pages: "https://b" }, { pages: "c" }], otherPages: {} }));
  [0, 1, 2].forEach((i) => ed.form.input(`targeting.rules[${i}].pages`));
  ed.form.refused({ message: "invalid", fields: [{ field: "targeting.rules[1].pages", message: "leave out the scheme" }] });
  tg.moveRule(ed.form, 1, 0);
  assert.deepEqual(ed.form.value.value.targeting.rules.map((r) => r.pages), ["https://b", "a", "c"]);
  assert.equal(ed.form.error("targeting.rules[0].pages"), "Leave out the scheme");
  assert.equal(ed.form.error("targeting.rules[1].pages"), undefined);
  tg.removeRule(ed.form, 1);
  assert.equal(ed.form.error("targeting.rules[0].pages"), "Leave out the scheme");
  tg.removeRule(ed.form, 0);
  assert.deepEqual(ed.form.value.value.targeting.rules.map((r) => r.pages), ["c"]);
  assert.equal(ed.form.error("targeting.rules[0].pages"), undefined);
});

test("rules are added at the end, and other pages get what is chosen", () => {
  const ed = new ChannelEditor(channel({ rules: [], otherPages: {} }));
  tg.addRule(ed.form);
  tg.setRule(ed.form, 0, (r) => ({ pages: r.pages, ...tg.shows("flow:sales") }));
  tg.setOtherPages(ed.form, tg.shows("hide"));
  assert.deepEqual(ed.form.value.value.targeting, { rules: [{ pages: "", flow: "sales" }], otherPages: { hide: true } });
});
