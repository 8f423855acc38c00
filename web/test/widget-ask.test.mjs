// Which of the bot's questions the chat window shows its buttons for, and
// how the composer takes the answer (widget/ask.ts).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const { answerMode, openQuestion } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "widget-ask.mjs")).href);

const robin = { type: "bot", name: "Robin" };
let seq = 0;
const entry = (author, fields) => ({ conversationId: "c", seq: ++seq, kind: "text", author, createdAt: "2026-01-01T10:00:00Z", ...fields });
const bot = (body, ask) => entry(robin, { body, ask });
const visitor = (body) => entry({ type: "visitor", id: "v-1" }, { body });
const agent = (body) => entry({ type: "agent", name: "Bea" }, { body });
const event = (author, ev) => entry(author, { kind: "event", event: ev });

const topic = { type: "buttons", buttons: ["Sales", "Support"], freeText: false };
const welcome = bot("Hi! I am Robin.");
const asked = bot("What brings you here?", topic);
const seats = bot("How many seats?", { type: "text", freeText: true });

test("the open question is the bot's newest entry while it asks", () => {
  for (const [name, sorted, open, answering, want] of [
    ["the first question", [welcome, asked], true, false, asked],
    ["an inactivity warning after it keeps it open", [welcome, asked, event({ type: "system" }, { type: "warning" })], true, false, asked],
    ["an answer on its way", [welcome, asked], true, true, null],
    ["answered by the visitor", [welcome, asked, visitor("Sales")], true, false, null],
    ["the bot's next question", [welcome, asked, visitor("Sales"), seats], true, false, seats],
    ["asked again after a wrong answer", [asked, visitor("hm"), bot("What brings you here?", topic)], true, false, "again"],
    ["an agent took over", [asked, event({ type: "agent", name: "Bea" }, { type: "taken_over" })], true, false, null],
    ["assigned by routing", [asked, event({ type: "system" }, { type: "assigned", agentName: "Bea" })], true, false, null],
    ["an agent wrote", [asked, agent("Hello, Bea here")], true, false, null],
    ["the conversation is closed", [welcome, asked], false, false, null],
    ["a bot entry that asks nothing", [welcome], true, false, null],
    ["no entries", [], true, false, null],
  ]) {
    const got = openQuestion(sorted, open, answering);
    assert.equal(got, want === "again" ? sorted[sorted.length - 1] : want, name);
  }
});

test("the composer takes what the question asks", () => {
  for (const [name, q, want] of [
    ["buttons only: the composer says to pick one", bot("Topic?", topic), "pick"],
    ["buttons with free text", bot("Topic?", { ...topic, freeText: true }), "free"],
    ["free text", seats, "free"],
    ["an email address", bot("Your email address?", { type: "email", freeText: true }), "email"],
    ["no question", null, "free"],
  ]) {
    assert.equal(answerMode(q), want, name);
  }
});
