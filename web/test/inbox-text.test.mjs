// What the inbox says about system events (inbox/text.ts), one case per
// event and the spans of an inactivity close.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const { confirmsErasure, erasePhrase, eventText, exportFileName, visitorName } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "inbox-text.mjs")).href);

const alice = { type: "agent", id: "a-1", name: "Alice" };
const at = (min) => new Date(Date.UTC(2026, 0, 1, 10, min)).toISOString();
const event = (seq, author, ev, createdAt = at(seq)) => ({ conversationId: "c", seq, kind: "event", author, event: ev, createdAt });
const said = (seq, min) => ({ conversationId: "c", seq, kind: "text", author: { type: "visitor", id: "abcd1234" }, body: "hi", createdAt: at(min) });

test("each event reads plainly", () => {
  for (const [m, want] of [
    [event(1, alice, { type: "assigned", agentId: "a-1", agentName: "Alice" }), "Alice took the conversation"],
    [event(1, alice, { type: "assigned", agentId: "a-2", agentName: "Ben" }), "Alice assigned the conversation to Ben"],
    [event(1, alice, { type: "taken_over", agentId: "a-1" }), "Alice took over the conversation"],
    [event(1, alice, { type: "unassigned", agentId: "a-2", agentName: "Ben" }), "Alice unassigned Ben"],
    [event(1, alice, { type: "closed" }), "Alice closed the conversation"],
    [event(1, { type: "agent", id: "a-3" }, { type: "closed" }), "An agent closed the conversation"],
    [event(1, alice, { type: "reopened" }), "Alice reopened the conversation"],
    [event(1, { type: "visitor", id: "abcd1234" }, { type: "reopened" }), "Visitor ABCD reopened the conversation by email"],
    [event(1, { type: "system", id: "" }, { type: "warning" }), "The visitor was warned that the chat closes soon for inactivity"],
    [event(1, alice, { type: "transcript_sent", email: "g@visitor.test", subject: "Our chat" }), "Alice emailed the transcript to g@visitor.test (“Our chat”)"],
    [event(1, { type: "system", id: "" }, { type: "transcript_sent", email: "g@visitor.test" }), "Transcript emailed to g@visitor.test"],
    [event(1, { type: "system", id: "" }, { type: "transcript_sent" }), "Transcript emailed to the visitor"],
  ]) {
    assert.equal(eventText(m, []), want);
  }
});

test("an inactivity close says how long the visitor was quiet", () => {
  const close = (min) => event(9, { type: "system", id: "" }, { type: "closed", reason: "inactivity" }, at(min));
  for (const [thread, min, want] of [
    [[said(1, 0)], 30, "Closed after 30 minutes without a reply from the visitor"],
    [[said(1, 0)], 1, "Closed after 1 minute without a reply from the visitor"],
    [[said(1, 0)], 120, "Closed after 2 hours without a reply from the visitor"],
    [[said(1, 0)], 130, "Closed after 130 minutes without a reply from the visitor"],
    [[said(1, 0), said(2, 20)], 50, "Closed after 30 minutes without a reply from the visitor"],
    [[], 30, "Closed for inactivity: the visitor stopped replying"],
  ]) {
    assert.equal(eventText(close(min), thread), want);
  }
});

test("visitors are named by their contact's name, else by their id", () => {
  assert.equal(visitorName("abcd1234-0000"), "Visitor ABCD");
  assert.equal(visitorName("abcd1234-0000", ""), "Visitor ABCD");
  assert.equal(visitorName("abcd1234-0000", "Dana Scully"), "Dana Scully");
});

test("an export's file is named for the contact and the day, safely", () => {
  const at = "2026-12-07T05:40:00.123Z";
  for (const [c, want] of [
    [{ visitorId: "abcd1234", email: "Ada.L@Example.com", name: "Ada" }, "contact-ada.l@example.com-2026-12-07.json"],
    [{ visitorId: "abcd1234", name: "Zoë O'Brien / Sales" }, "contact-zo-o-brien-sales-2026-12-07.json"],
    [{ visitorId: "abcd1234", name: "../../etc" }, "contact-etc-2026-12-07.json"],
    [{ visitorId: "abcd1234", name: "日本" }, "contact-abcd1234-2026-12-07.json"],
    [{ visitorId: "abcd1234" }, "contact-abcd1234-2026-12-07.json"],
  ]) {
    assert.equal(exportFileName(c, at), want);
  }
});

test("an erasure is confirmed by the address, else the name shown, typed out", () => {
  const withAddress = { visitorId: "abcd1234", email: "ada@example.com", name: "Ada" };
  const anonymous = { visitorId: "abcd1234" };
  assert.equal(erasePhrase(withAddress), "ada@example.com");
  assert.equal(erasePhrase({ visitorId: "abcd1234", name: "Ada" }), "Ada");
  assert.equal(erasePhrase(anonymous), "Visitor ABCD");
  for (const [phrase, typed, want] of [
    ["ada@example.com", "ada@example.com", true],
    ["ada@example.com", "  ADA@example.com ", true],
    ["ada@example.com", "ada@example.co", false],
    ["ada@example.com", "", false],
    ["ada@example.com", "Ada", false],
    ["Visitor ABCD", "visitor abcd", true],
  ]) {
    assert.equal(confirmsErasure(phrase, typed), want, `${JSON.stringify(typed)} for ${phrase}`);
  }
});
