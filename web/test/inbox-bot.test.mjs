// What the inbox shows of a chatflow's bot outside settings: the list's
// "bot" label (inbox/text.ts), the bot's events in the thread, and the
// answers it collected in the contact sidebar.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const load = (name) => import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, name + ".mjs")).href);
const { botAnswers, botLabel, eventText } = await load("inbox-text");

const bot = (over) => ({ flowId: "greeter", version: 1, name: "Robin", running: false, ...over });

test("the list's label says where the bot is", () => {
  for (const [summary, text, running] of [
    [bot({ running: true }), "Bot", true],
    [bot({ running: true, outcome: "handed_over" }), "Bot", true],
    [bot({ outcome: "handed_over" }), "Bot · handed over", false],
    [bot({ outcome: "ended" }), "Resolved by bot", false],
    [bot({ outcome: "taken_over" }), "Bot · taken over", false],
    [bot({}), "Bot · visitor left", false],
  ]) {
    const l = botLabel(summary);
    assert.equal(l.text, text);
    assert.equal(l.running, running);
    assert.match(l.title, /Robin/);
  }
  assert.equal(botLabel(undefined), null, "no bot, no label");
});

test("the bot's handover and end read plainly in the thread", () => {
  const robin = { type: "bot", name: "Robin" };
  const ev = (event, author = robin) => ({ conversationId: "c", seq: 4, kind: "event", author, event, createdAt: "2026-01-01T10:00:00Z" });
  assert.equal(eventText(ev({ type: "handed_over" }), []), "Robin (bot) handed the conversation to the team");
  assert.equal(eventText(ev({ type: "closed", reason: "bot" }), []), "Robin (bot) ended the conversation");
  assert.equal(eventText(ev({ type: "handed_over" }, { type: "bot" }), []), "The bot handed the conversation to the team");
});

test("the sidebar shows the answers by their names, in the order given: live from the open conversation, else from the card", () => {
  const card = { visitorId: "v", emailVerified: false, attributes: {}, conversations: [], botAnswers: [{ name: "topic", value: "Sales" }] };
  // "2" would come first as an object key: the list keeps the visitor's order.
  const open = { id: "c", bot: bot({ running: true, answers: [{ name: "topic", value: "Sales" }, { name: "seats", value: "12" }, { name: "2", value: "yes" }] }) };
  assert.deepEqual(botAnswers(card, open), [["topic", "Sales"], ["seats", "12"], ["2", "yes"]]);
  assert.deepEqual(botAnswers(card, null), [["topic", "Sales"]]);
  assert.deepEqual(botAnswers({ ...card, botAnswers: undefined }, { id: "c" }), []);
  const hostile = { ...card, botAnswers: [{ name: "<b>x</b>", value: `<img src=x onerror="alert(1)">` }] };
  assert.deepEqual(botAnswers(hostile, null), [["<b>x</b>", `<img src=x onerror="alert(1)">`]], "answers stay the visitor's text, for the view to show as text");
});
