// Finding conversations and answers in the inbox: the list's "load more"
// (inbox/state/list.ts), the search's results and highlights
// (inbox/state/search.ts), saved replies found, inserted and filled
// (inbox/state/replies.ts).
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";

const bundle = (name) => import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, name + ".mjs")).href);
const { InboxState } = await bundle("inbox-state");
const { SearchState, pieces } = await bundle("inbox-search");
const { fill, insertReply, matchReplies, slashAt } = await bundle("inbox-replies");

const me = { id: "agent-me", displayName: "Alice", inboxes: ["main"] };
const allOpen = { inboxId: "main", status: "open", view: "all" };

function summary(id, minute, over = {}) {
  const at = new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();
  return {
    id, channelId: "main", inboxId: "main", visitorId: "v-" + id, status: "open", lastSeq: 1, agentReadSeq: 0,
    preview: "hello", createdAt: at, lastActivityAt: at, visitorOnline: false, ...over,
  };
}

const ids = (st) => st.list.rows.value.map((s) => s.id);

describe("list: load more", () => {
  test("the page below the cursor goes under the rows shown, and the cursor moves on", () => {
    const st = new InboxState(me, [me], allOpen);
    st.list.page(allOpen, [summary("c", 30), summary("b", 20)], st.list.mark(), "cursor-1");
    st.list.more(allOpen, [summary("a", 10)], [summary("c", 30), summary("b", 20)], st.list.mark(), "");
    assert.deepEqual(ids(st), ["c", "b", "a"]);
    assert.equal(st.list.next.value, "");
  });

  test("a conversation that moved up while the next page was read comes with the first page read again, once", () => {
    const st = new InboxState(me, [me], allOpen);
    st.list.page(allOpen, [summary("c", 30), summary("b", 20)], st.list.mark(), "cursor-1");
    // "x" was below the cursor and moved to the top; no push said so.
    st.list.more(allOpen, [summary("a", 10)], [summary("x", 40, { lastSeq: 2 }), summary("c", 30)], st.list.mark(), "cursor-2");
    assert.deepEqual(ids(st), ["x", "c", "b", "a"]);
    assert.equal(st.list.next.value, "cursor-2");
  });

  test("a frame heard while more was read wins over the older state the pages bring", () => {
    const st = new InboxState(me, [me], allOpen);
    st.list.page(allOpen, [summary("b", 20)], st.list.mark(), "cursor-1");
    const mark = st.list.mark();
    st.frame({ type: "conversation", conversation: summary("a", 10, { status: "closed", lastSeq: 2 }) });
    st.list.more(allOpen, [summary("a", 10)], [summary("b", 20)], mark, "");
    assert.deepEqual(ids(st), ["b"], "closed meanwhile: not in the open list");
  });

  test("the first page read again (a reconnect) keeps the rows loaded below it, and the list's cursor", () => {
    const st = new InboxState(me, [me], allOpen);
    st.list.page(allOpen, [summary("c", 30), summary("b", 20)], st.list.mark(), "cursor-1");
    st.list.more(allOpen, [summary("a", 10)], [], st.list.mark(), "cursor-2");
    st.list.page(allOpen, [summary("d", 40), summary("c", 30)], st.list.mark(), "cursor-1b");
    assert.deepEqual(ids(st), ["d", "c", "b", "a"]);
    assert.equal(st.list.next.value, "cursor-2");
  });

  test("a first page that reaches the end of the list drops the rows below it", () => {
    const st = new InboxState(me, [me], allOpen);
    st.list.page(allOpen, [summary("c", 30)], st.list.mark(), "cursor-1");
    st.list.more(allOpen, [summary("a", 10)], [], st.list.mark(), "");
    st.list.page(allOpen, [summary("c", 30)], st.list.mark(), "");
    assert.deepEqual(ids(st), ["c"]);
    assert.equal(st.list.next.value, "");
  });

  test("the answer for a filter the agent has left is dropped, and a new filter starts without a cursor", () => {
    const st = new InboxState(me, [me], allOpen);
    st.list.page(allOpen, [summary("b", 20)], st.list.mark(), "cursor-1");
    const mark = st.list.mark();
    st.list.setFilter({ ...allOpen, view: "mine" });
    assert.equal(st.list.next.value, "");
    assert.equal(st.list.more(allOpen, [summary("a", 10)], [], mark, "cursor-2"), false);
    assert.equal(st.list.next.value, "");
  });
});

function result(id, text, highlights) {
  return { conversation: summary(id, 1), match: "message", seq: 2, at: "2026-01-01T10:01:00Z", snippet: { text, highlights } };
}

describe("search", () => {
  test("an answer to a query typed over is dropped; the current one shows", () => {
    const s = new SearchState();
    const first = s.typed("ref");
    const second = s.typed("refund");
    assert.equal(s.found(first, { results: [result("a", "ref")] }, false), false);
    assert.equal(s.found(second, { results: [result("b", "refund")], nextCursor: "c1" }, false), true);
    assert.deepEqual(s.results.value.map((r) => r.conversation.id), ["b"]);
    assert.equal(s.next.value, "c1");
    assert.equal(s.status.value, "done");
  });

  test("more results add conversations not shown yet, each once", () => {
    const s = new SearchState();
    const n = s.typed("refund");
    s.found(n, { results: [result("a", "x"), result("b", "y")], nextCursor: "c1" }, false);
    s.found(n, { results: [result("b", "older match"), result("c", "z")] }, true);
    assert.deepEqual(s.results.value.map((r) => [r.conversation.id, r.snippet.text]), [["a", "x"], ["b", "y"], ["c", "z"]]);
    assert.equal(s.next.value, "");
  });

  test("emptying the box brings the list back", () => {
    const s = new SearchState();
    s.found(s.typed("x"), { results: [result("a", "x")] }, false);
    assert.equal(s.active.value, true);
    assert.equal(s.typed("   "), 0);
    assert.equal(s.active.value, false);
    assert.deepEqual(s.results.value, []);
  });

  const cut = (text, hs) => pieces({ text, highlights: hs }).map((p) => (p.mark ? "[" + p.text + "]" : p.text)).join("");
  for (const [name, text, hs, want] of [
    ["marks at the start, middle and end", "refund my order", [{ start: 0, end: 6 }, { start: 10, end: 15 }], "[refund] my [order]"],
    ["UTF-16 offsets around an emoji and accents", "😀 Rückerstattung bitte", [{ start: 3, end: 17 }], "😀 [Rückerstattung] bitte"],
    ["overlapping and backwards ranges lose no text", "abcdef", [{ start: 1, end: 4 }, { start: 2, end: 5 }, { start: 5, end: 3 }], "a[bcd][e]f"],
    ["ranges past the end are clamped", "abc", [{ start: 1, end: 99 }, { start: 50, end: 60 }], "a[bc]"],
    ["markup stays text", "<img src=x onerror=alert(1)>", [{ start: 1, end: 4 }], "<[img] src=x onerror=alert(1)>"],
    ["no highlights", "plain", undefined, "plain"],
  ]) {
    test(`pieces: ${name}`, () => assert.equal(cut(text, hs), want));
  }
  test("pieces: the text comes back whole whatever the ranges", () => {
    for (let i = 0; i < 500; i++) {
      const text = "ab😀cdé fg".repeat(1 + (i % 3));
      const hs = Array.from({ length: i % 5 }, (_, j) => ({ start: (i * 7 + j * 3) % 25 - 2, end: (i * 5 + j * 11) % 27 }));
      assert.equal(pieces({ text, highlights: hs }).map((p) => p.text).join(""), text);
    }
  });
});

function reply(title, body, over = {}) {
  return { id: title, scope: "shared", title, body, updatedAt: "2026-01-01T10:00:00Z", ...over };
}

describe("saved replies", () => {
  const replies = [
    reply("Shipping times", "Orders ship within 2 days.", { category: "Orders" }),
    reply("Refund policy", "Refunds take 5 days."),
    reply("Greeting", "Hi {{visitor.name|there}}!"),
    reply("Résumé of the call", "Here is what we said."),
  ];
  const titles = (q) => matchReplies(replies, q).map((r) => r.title);

  for (const [q, want] of [
    ["ship", ["Shipping times"]],
    ["shpg", ["Shipping times"]],
    ["SHIP tim", ["Shipping times"]],
    ["days", ["Refund policy", "Shipping times"]],
    ["resume", ["Résumé of the call"]],
    ["ref", ["Refund policy", "Résumé of the call"]],
    ["nothing like it", []],
  ]) {
    test(`"${q}" finds ${JSON.stringify(want)}`, () => assert.deepEqual(titles(q), want));
  }
  test("a title match ranks above a text match", () => {
    const rs = [reply("Days off", "x"), reply("Zebra", "we take a few days")];
    assert.deepEqual(matchReplies(rs, "days").map((r) => r.title), ["Days off", "Zebra"]);
  });
  test("an empty query lists them all by category and title", () => {
    assert.deepEqual(titles(""), ["Greeting", "Refund policy", "Résumé of the call", "Shipping times"]);
  });

  for (const [name, text, caret, want] of [
    ["at the start", "/shi", 4, { start: 0, query: "shi" }],
    ["after a space", "Hello /ref", 10, { start: 6, query: "ref" }],
    ["on a new line", "Hi\n/", 4, { start: 3, query: "" }],
    ["inside a URL", "see https://x.io/ship", 21, null],
    ["a date", "on 3/4", 6, null],
    ["past a line break", "/ship\nnext", 10, null],
  ]) {
    test(`slash: ${name}`, () => assert.deepEqual(slashAt(text, caret), want));
  }

  const values = { visitorName: "Ada", agentName: "Alice", meetingsUrl: "https://meet.example.com/alice" };
  const empty = { visitorName: "", agentName: "Alice", meetingsUrl: "" };
  for (const [name, body, f, want] of [
    ["values", "Hi {{visitor.name}}, I'm {{agent.name}}: {{agent.meetingsUrl}}", values, "Hi Ada, I'm Alice: https://meet.example.com/alice"],
    ["a fallback of its own when empty", "Hi {{visitor.name|friend}}!", empty, "Hi friend!"],
    ["the placeholder's fallback when empty", "Hi {{visitor.name}}! {{agent.meetingsUrl}}", empty, "Hi there! "],
    ["spaces inside the braces", "Hi {{ visitor.name | you }}", empty, "Hi you"],
    ["an unknown placeholder stays", "{{visitor.email}} {{visitor.name}}", values, "{{visitor.email}} Ada"],
    ["a value with markup is text", "Hi {{visitor.name}}", { ...values, visitorName: "<b>Ada</b>" }, "Hi <b>Ada</b>"],
  ]) {
    test(`fill: ${name}`, () => assert.equal(fill(body, f), want));
  }

  test("insert replaces the /query and puts the caret after the reply", () => {
    const text = "Hello /shi and more";
    assert.deepEqual(insertReply(text, 10, { start: 6, query: "shi" }, "We ship."), { text: "Hello We ship. and more", caret: 14 });
    assert.deepEqual(insertReply("ab", 1, null, "X"), { text: "aXb", caret: 2 });
  });
});
