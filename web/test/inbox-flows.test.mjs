// The chatflow editor's state (inbox/state/flows.ts, inside the channel
// editor of inbox/state/settings.ts): steps are added, moved and removed
// with the links between them kept honest, a step's type keeps only what
// the server takes, the server's errors stay beside the step they name
// while steps and flows move, and the preview runs the flow as the engine
// does.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";

const load = (name) => import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, name + ".mjs")).href);
const flows = await load("inbox-flows");
const { ChannelEditor } = await load("inbox-settings");

// greeter is docs/chatflows.md's example: two branches, an email, the handover, the away branch.
function greeter() {
  return {
    id: "greeter", name: "Greeter", version: 3, kind: "bot", welcome: "Hi! I am Robin.", bot: { name: "Robin" }, sessionMinutes: 30,
    steps: [
      { id: "topic", type: "buttons", text: "What brings you here?", save: "topic", buttons: [{ label: "Sales", next: "seats" }, { label: "Support", next: "problem" }] },
      { id: "seats", type: "text", text: "How many seats?", save: "seats", next: "email" },
      { id: "problem", type: "text", text: "What went wrong?", save: "problem", next: "email" },
      { id: "email", type: "email", text: "Your email address?", save: "email", next: "handover" },
      { id: "handover", type: "handover", text: "Passing you to the team.", away: "away" },
      { id: "away", type: "message", text: "Nobody is in; we will write to you.", next: "done" },
      { id: "done", type: "end" },
    ],
  };
}

function channel(chatflows = [greeter()]) {
  return {
    id: "main", inboxId: "main", name: "Website", allowedOrigins: [],
    look: { color: "#2f5bea", launcherText: "", position: "right", teamName: "Northwind", greeting: "", poweredBy: true, language: "en" },
    availability: { mode: "always" }, away: { mode: "message", message: "" }, typicalReplyTime: "minutes",
    email: { transcriptOnClose: false, senderName: "", senderAddress: "" }, inactivity: { timeoutMinutes: 30, warningMinutes: 2, warningText: "" },
    files: { maxMegabytes: 0, perMessage: 0 }, retention: { closedDays: 0 }, csat: false, chatflows,
  };
}

const ids = (ed, i = 0) => ed.form.value.value.chatflows[i].steps.map((s) => s.id);
const step = (ed, id, i = 0) => ed.form.value.value.chatflows[i].steps.find((s) => s.id === id);

// rendered registers the inputs a page of flows shows, as the views do.
function rendered(ed) {
  ed.form.value.value.chatflows.forEach((f, i) => {
    for (const p of ["", ".name", ".id", ".kind", ".welcome", ".bot.name", ".steps"]) ed.form.input(`chatflows[${i}]${p}`);
    f.steps.forEach((s, j) => {
      for (const p of ["", ".id", ".type", ".text", ".save", ".next", ".away", ".buttons"]) ed.form.input(`chatflows[${i}].steps[${j}]${p}`);
      (s.buttons || []).forEach((_, k) => ed.form.input(`chatflows[${i}].steps[${j}].buttons[${k}].next`));
    });
  });
}

describe("flow editor: steps", () => {
  test("a step added goes last with a fresh id and no next step yet", () => {
    const ed = new ChannelEditor(channel());
    ed.flows.addStep(0);
    ed.flows.addStep(0);
    assert.deepEqual(ids(ed).slice(-2), ["step-8", "step-9"]);
    assert.deepEqual(step(ed, "step-8"), { id: "step-8", type: "message", text: "", next: "" });
    assert.equal(ed.form.dirty.value, true);
  });

  test("a step moves up and down within the list, keeping its node key; the first step is where the bot starts", () => {
    const ed = new ChannelEditor(channel());
    const key = ed.flows.stepKey(0, 2);
    ed.flows.moveStep(0, 2, 0);
    assert.deepEqual(ids(ed), ["problem", "topic", "seats", "email", "handover", "away", "done"]);
    assert.equal(ed.flows.stepKey(0, 0), key, "the moved step keeps its key");
    ed.flows.moveStep(0, 0, 1);
    assert.deepEqual(ids(ed), ["topic", "problem", "seats", "email", "handover", "away", "done"]);
    ed.flows.moveStep(0, 0, -1);
    ed.flows.moveStep(0, 6, 7);
    assert.deepEqual(ids(ed), ["topic", "problem", "seats", "email", "handover", "away", "done"], "nothing moves past either end");
    assert.equal(step(ed, "topic").buttons[0].next, "seats", "moving changes no link");
  });

  test("a step removed takes its links with it: what led to it leads nowhere, for the admin to choose again", () => {
    const ed = new ChannelEditor(channel());
    const keys = [0, 1, 3].map((j) => ed.flows.stepKey(0, j));
    ed.flows.removeStep(0, 2);
    assert.deepEqual(ids(ed), ["topic", "seats", "email", "handover", "away", "done"]);
    assert.deepEqual(step(ed, "topic").buttons, [{ label: "Sales", next: "seats" }, { label: "Support", next: "" }]);
    assert.deepEqual([0, 1, 2].map((j) => ed.flows.stepKey(0, j)), keys, "the other steps keep their keys");
    ed.flows.removeStep(0, 4);
    assert.equal(step(ed, "handover").away, "", "the handover's away steps are gone too");
  });

  test("renaming a step carries the links to it along, through an emptied id, and never onto another step", () => {
    const ed = new ChannelEditor(channel());
    const links = () => step(ed, "topic").buttons.map((b) => b.next);
    for (const typed of ["seat", ""]) ed.flows.renameStep(0, 1, typed);
    assert.deepEqual(links(), ["seat", "problem"], "an emptied id leaves the links as they were");
    ed.flows.renameStep(0, 1, "s");
    assert.deepEqual(links(), ["s", "problem"], "and they follow the next id typed");
    // Typed through another step's id: the links stay where they were, and follow once the id is free again.
    ed.flows.renameStep(0, 1, "problem");
    assert.deepEqual(links(), ["s", "problem"]);
    ed.flows.renameStep(0, 1, "problems");
    assert.deepEqual(links(), ["problems", "problem"]);
    // Two steps with one id: a link to it names neither, and stays.
    const twice = greeter();
    twice.steps[2].id = "seats";
    const dup = new ChannelEditor(channel([twice]));
    dup.flows.renameStep(0, 2, "problem");
    assert.deepEqual(step(dup, "topic").buttons.map((b) => b.next), ["seats", "problem"]);
  });

  test("a step's type keeps what the new type uses and drops what the server would refuse", () => {
    const s = { id: "seats", type: "text", text: "How many seats?", save: "seats", next: "email" };
    assert.deepEqual(flows.retype(s, "buttons"), { id: "seats", type: "buttons", text: "How many seats?", save: "seats", buttons: [{ label: "", next: "" }] });
    assert.deepEqual(flows.retype(s, "message"), { id: "seats", type: "message", text: "How many seats?", next: "email" });
    assert.deepEqual(flows.retype(s, "handover"), { id: "seats", type: "handover", text: "How many seats?" });
    assert.deepEqual(flows.retype(s, "branch"), { id: "seats", type: "branch", on: "", cases: [{ equals: "", next: "" }], next: "email" });
    assert.deepEqual(flows.retype({ ...s, type: "buttons", freeText: true, buttons: [{ label: "1", next: "x" }] }, "email"), { id: "seats", type: "email", text: "How many seats?", save: "seats", next: "email" });
  });

  test("a bot made live chat keeps its steps aside, and gets them back as a bot", () => {
    const ed = new ChannelEditor(channel());
    ed.flows.setKind(0, "live");
    assert.deepEqual(ed.form.value.value.chatflows[0].steps, [], "live chat sends no steps");
    ed.flows.setKind(0, "bot");
    assert.deepEqual(ids(ed), ["topic", "seats", "problem", "email", "handover", "away", "done"]);
  });
});

describe("flow editor: flows", () => {
  test("a flow added is a bot named after the team with one step, under an id no other flow has", () => {
    const ed = new ChannelEditor(channel([{ ...greeter(), id: "flow-2" }]));
    ed.flows.addFlow("  Northwind  ");
    const f = ed.form.value.value.chatflows[1];
    assert.equal(f.id, "flow-2-2");
    assert.equal(f.version, 0);
    assert.deepEqual(f.bot, { name: "Northwind" });
    assert.deepEqual(f.steps, [{ id: "step-1", type: "message", text: "", next: "" }]);
  });

  test("flows move and go with their keys; the first is the one that runs", () => {
    const ed = new ChannelEditor(channel([greeter(), { ...greeter(), id: "second", name: "Second" }]));
    const key = ed.flows.flowKey(1);
    ed.flows.moveFlow(1, 0);
    assert.deepEqual(ed.form.value.value.chatflows.map((f) => f.id), ["second", "greeter"]);
    assert.equal(ed.flows.flowKey(0), key);
    ed.flows.removeFlow(0);
    assert.deepEqual(ed.form.value.value.chatflows.map((f) => f.id), ["greeter"]);
  });
});

describe("flow editor: the server's errors stay beside their step", () => {
  const refusal = {
    message: "invalid request",
    fields: [
      { field: "chatflows[0].steps[1].next", message: `step "seats" leads nowhere (a dead end): choose the next step` },
      { field: "chatflows[0].steps[6]", message: `step "orphan" is unreachable: no step leads to it` },
      { field: "chatflows[0].steps[0].buttons[1].next", message: `step "topic" leads to "x", which is no step` },
    ],
  };

  test("each error lands on the step's field it names, or on the step", () => {
    const ed = new ChannelEditor(channel());
    rendered(ed);
    ed.form.refused(refusal);
    assert.equal(ed.form.error("chatflows[0].steps[1].next"), `Step "seats" leads nowhere (a dead end): choose the next step`);
    assert.equal(ed.form.error("chatflows[0].steps[6]"), `Step "orphan" is unreachable: no step leads to it`);
    assert.equal(ed.flows.problems("chatflows[0].steps[0]"), 1);
    assert.equal(ed.flows.problems("chatflows[0].steps[1]"), 1);
    assert.equal(ed.flows.problems("chatflows[0]"), 3);
    assert.equal(ed.flows.problems("chatflows[1]"), 0);
    assert.deepEqual(ed.form.errors.value.general, []);
  });

  test("moving a step moves its errors; removing it takes them away; the others shift with their steps", () => {
    const ed = new ChannelEditor(channel());
    rendered(ed);
    ed.form.refused(refusal);
    ed.flows.moveStep(0, 1, 3);
    assert.deepEqual([...ed.form.errors.value.fields.keys()].sort(), ["chatflows[0].steps[0].buttons[1].next", "chatflows[0].steps[3].next", "chatflows[0].steps[6]"]);
    assert.match(ed.form.error("chatflows[0].steps[3].next"), /"seats" leads nowhere/);
    ed.flows.removeStep(0, 0);
    assert.deepEqual([...ed.form.errors.value.fields.keys()].sort(), ["chatflows[0].steps[2].next", "chatflows[0].steps[5]"]);
  });

  test("moving a flow moves its errors; another flow's are left alone", () => {
    const ed = new ChannelEditor(channel([greeter(), { ...greeter(), id: "second" }]));
    rendered(ed);
    ed.form.refused({ message: "invalid request", fields: [{ field: "chatflows[1].steps[1].next", message: "leads nowhere" }, { field: "chatflows[0].name", message: "is required" }] });
    ed.flows.moveFlow(1, 0);
    assert.deepEqual([...ed.form.errors.value.fields.keys()].sort(), ["chatflows[0].steps[1].next", "chatflows[1].name"]);
    ed.flows.removeFlow(0);
    assert.deepEqual([...ed.form.errors.value.fields.keys()], ["chatflows[0].name"]);
  });

  test("reindex rewrites paths under one list only", () => {
    const at = flows.order(4, 1, 3);
    assert.deepEqual(at, [0, 3, 1, 2]);
    assert.equal(flows.reindex("chatflows[0].steps[1].buttons[0].next", "chatflows[0].steps", at), "chatflows[0].steps[3].buttons[0].next");
    assert.equal(flows.reindex("chatflows[1].steps[1].next", "chatflows[0].steps", at), "chatflows[1].steps[1].next");
    assert.equal(flows.reindex("chatflows[0].steps", "chatflows[0].steps", at), "chatflows[0].steps");
    assert.equal(flows.reindex("chatflows[0].steps[1]", "chatflows[0].steps", flows.order(4, 1, null)), null);
  });
});

describe("flow preview", () => {
  const bodies = (entries) => entries.map((e) => `${e.from}: ${e.text}${e.buttons ? " [" + e.buttons.join("|") + "]" : ""}`);

  test("the welcome, then the steps as the visitor sees them, following the first button, up to the handover", () => {
    assert.deepEqual(bodies(flows.preview(greeter())), [
      "bot: Hi! I am Robin.",
      "bot: What brings you here? [Sales|Support]",
      "visitor: Sales",
      "bot: How many seats?",
      "visitor: The visitor's answer",
      "bot: Your email address?",
      "visitor: The visitor's email address",
      "bot: Passing you to the team.",
      "note: The conversation goes to the team.",
    ]);
  });

  test("a branch follows the answer the first button gave; the end says so", () => {
    const f = {
      ...greeter(), welcome: "",
      steps: [
        { id: "topic", type: "buttons", text: "Topic?", save: "topic", buttons: [{ label: "Support", next: "route" }] },
        { id: "route", type: "branch", on: "topic", cases: [{ equals: " sales", next: "sales" }, { equals: "SUPPORT ", next: "bye" }], next: "sales" },
        { id: "sales", type: "handover", text: "Sales it is." },
        { id: "bye", type: "end", text: "See the help pages." },
      ],
    };
    assert.deepEqual(bodies(flows.preview(f)), ["bot: Topic? [Support]", "visitor: Support", "bot: See the help pages.", "note: The bot ends the chat."]);
  });

  test("a dead end, a missing step and a loop that never asks stop the preview, saying where", () => {
    const dead = { ...greeter(), welcome: "", steps: [{ id: "a", type: "message", text: "One", next: "" }] };
    assert.deepEqual(bodies(flows.preview(dead)), ["bot: One", `note: Stops here: step "a" leads nowhere.`]);
    const missing = { ...greeter(), welcome: "", steps: [{ id: "a", type: "message", text: "One", next: "b" }] };
    assert.deepEqual(bodies(flows.preview(missing)), ["bot: One", `note: Stops here: there is no step "b".`]);
    const loop = { ...greeter(), welcome: "", steps: [{ id: "a", type: "message", text: "", next: "b" }, { id: "b", type: "branch", on: "x", cases: [], next: "a" }] };
    assert.equal(flows.preview(loop, 100).at(-1).text, "Stops here: the steps go round without asking the visitor.");
    const asking = { ...greeter(), welcome: "", steps: [{ id: "a", type: "text", text: "Again?", next: "a" }] };
    const again = flows.preview(asking);
    assert.equal(again.length, 13, "a loop that asks stops after a dozen entries");
    assert.equal(again.at(-1).text, "…and so on.");
  });

  test("live chat shows its welcome and the team", () => {
    assert.deepEqual(bodies(flows.preview({ ...greeter(), kind: "live", steps: [] })), ["bot: Hi! I am Robin.", "note: The team answers the visitor's first message."]);
  });
});
