// The inbox's state for agents working together: notes and mentions in the
// editor, viewers and typing, the notifications list, and the preferences
// that decide what notifies. No DOM, no network.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";

const bundle = (name) => import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, name + ".mjs")).href);
const { InboxState } = await bundle("inbox-state");
const { mentionAt, mentionable, insertMention, mentionSegments } = await bundle("inbox-compose");
const { wants, defaultPreferences } = await bundle("inbox-preferences");

const me = { id: "agent-me", displayName: "Alice Moreau", inboxes: ["main"] };
const ben = { id: "agent-ben", displayName: "Ben Richter", inboxes: ["main"] };
const bea = { id: "agent-bea", displayName: "Beatrice Stone", inboxes: ["main", "sales"] };
const sam = { id: "agent-sam", displayName: "Sam Sales", inboxes: ["sales"] };
const allOpen = { inboxId: "main", status: "open", view: "all" };

function summary(id, over = {}) {
  return {
    id, channelId: "main", inboxId: "main", visitorId: "v-" + id, status: "open", lastSeq: 1, agentReadSeq: 0,
    preview: "hello", createdAt: "2026-01-01T10:00:00Z", lastActivityAt: "2026-01-01T10:00:00Z", visitorOnline: true, ...over,
  };
}

function message(conversationId, seq, over = {}) {
  return {
    conversationId, seq, kind: "text", author: { type: "visitor", id: "v-" + conversationId }, body: "message " + seq,
    createdAt: new Date(Date.UTC(2026, 0, 1, 10, seq)).toISOString(), channel: "chat", ...over,
  };
}

function notification(n, over = {}) {
  return {
    id: `2026-01-01T10:00:0${n}.000Z#c#${n}`, type: "mention", conversationId: "c", inboxId: "main", seq: n,
    author: { type: "agent", id: ben.id, name: ben.displayName }, preview: "note " + n, createdAt: "2026-01-01T10:00:00Z", read: false, ...over,
  };
}

const newState = () => new InboxState(me, [me, ben, bea, sam], allOpen);

describe("mentions in the editor", () => {
  test("an @ at the start of a word is being typed, up to the caret", () => {
    assert.deepEqual(mentionAt("hi @Be", 6), { start: 3, query: "Be" });
    assert.deepEqual(mentionAt("@", 1), { start: 0, query: "" });
    assert.deepEqual(mentionAt("ask @Ben Ri", 11), { start: 4, query: "Ben Ri" });
  });

  test("an @ inside a word (an email address), after a line break or far back is none", () => {
    assert.equal(mentionAt("mail ben@example.com", 20), null);
    assert.equal(mentionAt("@Ben\nthanks", 11), null);
    assert.equal(mentionAt("@Ben said that we should", 24), null);
    assert.equal(mentionAt("no at here", 5), null);
  });

  test("the agents of the conversation's inbox whose name or a word of it starts with the query, never me", () => {
    const names = (q, inbox = "main") => mentionable([me, ben, bea, sam], inbox, q, me.id).map((a) => a.displayName);
    assert.deepEqual(names("be"), ["Beatrice Stone", "Ben Richter"]);
    assert.deepEqual(names("rich"), ["Ben Richter"]);
    assert.deepEqual(names("al"), []);
    assert.deepEqual(names("s", "sales"), ["Beatrice Stone", "Sam Sales"]);
    assert.deepEqual(names(""), ["Beatrice Stone", "Ben Richter"]);
    assert.deepEqual(names("ben "), ["Ben Richter"], "a space may be part of the name");
    assert.deepEqual(names("Ben Richter "), [], "a name picked and followed by a space offers nothing more");
  });

  test("picking replaces the query with the whole name and a space, the caret after it", () => {
    const text = "hi @be please";
    const at = mentionAt(text, 6);
    assert.deepEqual(insertMention(text, 6, at, "Ben Richter"), { text: "hi @Ben Richter please", caret: 16 });
    assert.deepEqual(insertMention("@", 1, mentionAt("@", 1), "Ben Richter"), { text: "@Ben Richter ", caret: 13 });
  });

  test("a note's text is cut at its mentions, the rest stays text", () => {
    assert.deepEqual(mentionSegments("hey @ben richter, and @Nobody <b>", ["Ben Richter"]), [
      { text: "hey " }, { text: "@ben richter", mention: true }, { text: ", and @Nobody <b>" },
    ]);
    assert.deepEqual(mentionSegments("@Ben Richter", ["Ben", "Ben Richter"]), [{ text: "@Ben Richter", mention: true }]);
    assert.deepEqual(mentionSegments("plain", []), [{ text: "plain" }]);
  });
});

describe("collision", () => {
  test("the viewers of a conversation are the others, as last heard, and go when this agent leaves", () => {
    const st = newState();
    st.frame({ type: "viewers", conversationId: "c", viewers: [{ id: me.id, name: "Alice Moreau" }, { id: ben.id, name: "Ben Richter" }] });
    assert.deepEqual(st.collision.viewers.value.get("c").map((v) => v.name), ["Ben Richter"]);
    st.frame({ type: "viewers", conversationId: "c", viewers: [{ id: me.id, name: "Alice Moreau" }] });
    assert.equal(st.collision.viewers.value.has("c"), false);
    st.frame({ type: "viewers", conversationId: "c", viewers: [{ id: ben.id, name: "Ben Richter" }] });
    st.collision.left("c");
    assert.equal(st.collision.viewers.value.has("c"), false);
  });

  test("of two lists of viewers, the one read later shows, whatever order they arrive in", () => {
    const st = newState();
    const both = { type: "viewers", conversationId: "c", viewers: [{ id: me.id, name: "Alice Moreau" }, { id: ben.id, name: "Ben Richter" }], at: "2026-12-07T10:00:01.500Z" };
    const mineOnly = { type: "viewers", conversationId: "c", viewers: [{ id: me.id, name: "Alice Moreau" }], at: "2026-12-07T10:00:01.200Z" };
    st.frame(both);
    st.frame(mineOnly);
    assert.deepEqual(st.collision.viewers.value.get("c")?.map((v) => v.name), ["Ben Richter"], "my own answer, read before Ben came, arrived after the push naming him");
    st.frame({ ...mineOnly, at: "2026-12-07T10:00:09.000Z" });
    assert.equal(st.collision.viewers.value.has("c"), false, "a list read later says Ben left");
  });

  test("another agent typing a note or a reply shows, and stops with its 'off', its message, or a quiet spell", async () => {
    const st = newState();
    st.collision.ttl = 0;
    const typing = (on, note) => ({ type: "typing", conversationId: "c", author: { type: "agent", id: ben.id, name: "Ben Richter" }, on, note });
    st.frame(typing(true, true));
    assert.deepEqual(st.collision.typing.value.get("c"), [{ id: ben.id, name: "Ben Richter", note: true }]);
    st.frame(typing(true, false));
    assert.deepEqual(st.collision.typing.value.get("c"), [{ id: ben.id, name: "Ben Richter", note: false }], "a mode change replaces the entry");
    st.frame(typing(false, false));
    assert.equal(st.collision.typing.value.has("c"), false);
    st.frame(typing(true, true));
    st.frame({ type: "message", conversationId: "c", message: message("c", 2, { kind: "note", author: { type: "agent", id: ben.id, name: "Ben Richter" } }), conversation: summary("c", { lastSeq: 2 }) });
    assert.equal(st.collision.typing.value.has("c"), false, "his note arrived");
    st.frame({ type: "typing", conversationId: "c", author: { type: "agent", id: me.id, name: "Alice" }, on: true });
    assert.equal(st.collision.typing.value.has("c"), false, "my own typing from another tab is not shown");
    st.frame(typing(true, true));
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(st.collision.typing.value.has("c"), false, "a lost 'off' frame: the quiet spell (ttl 0 here) ends it");
  });

  test("another agent's 'on' relayed before their message and arriving after it is dropped; another author's message does not drop it", () => {
    const st = newState();
    st.thread.open("c");
    const typing = (seq) => ({ type: "typing", conversationId: "c", author: { type: "agent", id: ben.id, name: "Ben Richter" }, on: true, seq });
    st.frame({ type: "message", conversationId: "c", message: message("c", 2, { kind: "note", author: { type: "agent", id: ben.id, name: "Ben Richter" } }), conversation: summary("c", { lastSeq: 2 }) });
    st.frame(typing(1));
    assert.equal(st.collision.typing.value.has("c"), false, "relayed at seq 1, before his note of seq 2");
    st.frame({ type: "message", conversationId: "c", message: message("c", 3), conversation: summary("c", { lastSeq: 3 }) });
    st.frame(typing(2));
    assert.deepEqual(st.collision.typing.value.get("c"), [{ id: ben.id, name: "Ben Richter", note: false }], "the visitor's message after it says nothing of Ben");
  });

  test("another agent's reply while I write warns before I send; a note, my own reply or an empty draft does not", () => {
    const st = newState();
    st.thread.open("c");
    const agentMsg = (seq, over) => ({ type: "message", conversationId: "c", message: message("c", seq, { author: { type: "agent", id: ben.id, name: "Ben Richter" }, ...over }), conversation: summary("c", { lastSeq: seq }) });
    st.frame(agentMsg(2, {}));
    assert.equal(st.compose.overtaken.value, null, "nothing was being written");
    st.thread.draft.value = "Let me check";
    st.frame(agentMsg(3, { kind: "note" }));
    assert.equal(st.compose.overtaken.value, null, "a note does not answer the visitor");
    st.frame(agentMsg(4, { author: { type: "agent", id: me.id, name: "Alice" } }));
    assert.equal(st.compose.overtaken.value, null, "my own reply from another tab");
    st.frame(agentMsg(5, {}));
    assert.equal(st.compose.overtaken.value, "Ben Richter");
    st.frame(agentMsg(5, {}));
    st.compose.reset();
    st.frame(agentMsg(5, {}));
    assert.equal(st.compose.overtaken.value, null, "a message already shown warns once");
  });
});

describe("notifications", () => {
  test("a frame adds an entry on top and counts it unread, once; it asks to alert", () => {
    const st = newState();
    st.notifications.page({ notifications: [notification(1, { read: true })], unread: 0 }, true);
    const out = st.frame({ type: "notification", notification: notification(2) });
    assert.equal(out.alert.kind, "mention");
    assert.deepEqual(st.notifications.items.value.map((n) => n.seq), [2, 1]);
    assert.equal(st.notifications.unread.value, 1);
    assert.deepEqual(st.frame({ type: "notification", notification: notification(2) }), {});
    assert.equal(st.notifications.unread.value, 1, "the same entry again counts once");
  });

  test("a frame of an entry a page read meanwhile already listed is news, counted once", () => {
    const st = newState();
    st.notifications.page({ notifications: [notification(2)], unread: 1 }, true);
    const out = st.frame({ type: "notification", notification: notification(2) });
    assert.equal(out.alert?.kind, "mention", "the agent is told");
    assert.equal(st.notifications.unread.value, 1);
    assert.equal(st.notifications.items.value.length, 1);
  });

  test("a page read again keeps the entries heard after it, and drops the ones it lists", () => {
    const st = newState();
    st.notifications.page({ notifications: [notification(1)], unread: 1 }, true);
    st.frame({ type: "notification", notification: notification(2) });
    st.frame({ type: "notification", notification: notification(3) });
    st.notifications.page({ notifications: [notification(2), notification(1)], unread: 2 }, true);
    assert.deepEqual(st.notifications.items.value.map((n) => n.seq), [3, 2, 1]);
    assert.equal(st.notifications.unread.value, 3);
  });

  test("an entry heard while the first page was read stays, and counts", () => {
    const st = newState();
    st.frame({ type: "notification", notification: notification(3) });
    st.notifications.page({ notifications: [notification(2), notification(1, { read: true })], unread: 1, nextCursor: "x" }, true);
    assert.deepEqual(st.notifications.items.value.map((n) => n.seq), [3, 2, 1]);
    assert.equal(st.notifications.unread.value, 2);
    assert.equal(st.notifications.next.value, "x");
    st.notifications.page({ notifications: [notification(1, { read: true }), notification(0)] , unread: 0 }, false);
    assert.deepEqual(st.notifications.items.value.map((n) => n.seq), [3, 2, 1, 0]);
    assert.equal(st.notifications.next.value, undefined);
  });

  test("reading one or all lowers the count; the server's count wins when it answers", () => {
    const st = newState();
    st.notifications.page({ notifications: [notification(3), notification(2), notification(1)], unread: 5 }, true);
    st.notifications.read([notification(2).id]);
    assert.equal(st.notifications.unread.value, 4);
    assert.equal(st.notifications.items.value[1].read, true);
    st.notifications.read([notification(2).id], 3);
    assert.equal(st.notifications.unread.value, 3);
    st.notifications.read("all");
    assert.equal(st.notifications.unread.value, 0);
    assert.ok(st.notifications.items.value.every((n) => n.read));
  });
});

describe("preferences", () => {
  const s = summary("c", { assigneeId: me.id });
  const alerts = {
    "a new conversation": { kind: "message", conversation: summary("n"), message: message("n", 1) },
    "a message in a conversation assigned to me": { kind: "message", conversation: s, message: message("c", 4) },
    "a message in someone else's": { kind: "message", conversation: summary("o", { assigneeId: ben.id }), message: message("o", 4) },
    "an assignment to me": { kind: "assigned", conversation: s, message: message("c", 5, { kind: "event" }) },
    "a mention": { kind: "mention", notification: notification(1) },
  };
  const cases = [
    ["the defaults", defaultPreferences, ["a new conversation", "a message in a conversation assigned to me", "an assignment to me", "a mention"]],
    ["every message", { sound: true, desktop: { newConversations: false, assigned: false, mentions: false, messages: true } },
      ["a new conversation", "a message in a conversation assigned to me", "a message in someone else's"]],
    ["mentions only", { sound: false, desktop: { newConversations: false, assigned: false, mentions: true, messages: false } }, ["a mention"]],
    ["nothing", { sound: true, desktop: { newConversations: false, assigned: false, mentions: false, messages: false } }, []],
  ];
  for (const [name, prefs, want] of cases) {
    test(name, () => {
      assert.deepEqual(Object.keys(alerts).filter((k) => wants(prefs, alerts[k], me.id)), want);
    });
  }

  test("an assignment to me by someone else alerts; taking a conversation myself does not", () => {
    const st = newState();
    const ev = (author) => ({ type: "message", conversationId: "c", message: message("c", 2, { kind: "event", author, event: { type: "assigned", agentId: me.id, agentName: "Alice" } }), conversation: summary("c", { lastSeq: 2, assigneeId: me.id }) });
    assert.equal(st.frame(ev({ type: "agent", id: ben.id, name: "Ben Richter" })).alert?.kind, "assigned");
    const mine = { ...ev({ type: "agent", id: me.id, name: "Alice" }) };
    mine.message = { ...mine.message, seq: 3 };
    mine.conversation = { ...mine.conversation, lastSeq: 3 };
    assert.equal(st.frame(mine).alert, undefined);
  });
});
