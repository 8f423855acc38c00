// The inbox's state layer (inbox/state): how HTTP answers and live frames
// combine into what the agent sees. No DOM, no network: answers and frames
// are handed in as the API and the socket would deliver them.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";

const { InboxState } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "inbox-state.mjs")).href);

const me = { id: "agent-me", displayName: "Alice", inboxes: ["main"], role: "admin", status: "available", presence: "available" };
const other = { id: "agent-other", displayName: "Ben", inboxes: ["main"], role: "agent", status: "available", presence: "available" };
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

function messageFrame(m, s) {
  return { type: "message", conversationId: m.conversationId, message: m, conversation: s };
}

function newState(filter = allOpen) {
  return new InboxState(me, [me, other], filter);
}

const ids = (st) => st.list.rows.value.map((s) => s.id);
const seqs = (st) => st.thread.messages.value.map((m) => m.seq);

describe("list: an HTTP page and live frames", () => {
  test("an erased visitor's conversations leave the list; the others stay", () => {
    const st = newState();
    const mark = st.list.mark();
    st.list.page(allOpen, [summary("a", { visitorId: "gone" }), summary("b"), summary("c", { visitorId: "gone", lastActivityAt: "2026-01-01T10:01:00Z" })], mark);
    assert.deepEqual(ids(st), ["c", "a", "b"]);
    st.list.forget("gone");
    assert.deepEqual(ids(st), ["b"]);
    st.list.forget("nobody");
    assert.deepEqual(ids(st), ["b"]);
  });

  test("of two states with the same seq, in any order, the visitor's presence of the later turn and the higher read marker stay", () => {
    const st = newState();
    st.frame({ type: "conversation", conversation: summary("a", { lastSeq: 2, visitorOnline: true, presenceTurn: 4, agentReadSeq: 0 }) });
    st.frame({ type: "conversation", conversation: summary("a", { lastSeq: 2, visitorOnline: false, presenceTurn: 3, agentReadSeq: 2 }) });
    const a = st.list.items.value.get("a");
    assert.equal(a.visitorOnline, true, "the visitor's leaving of turn 3, pushed late, does not undo their coming back of turn 4");
    assert.equal(a.presenceTurn, 4);
    assert.equal(a.agentReadSeq, 2, "the read carried by the late state still counts");
    st.frame({ type: "conversation", conversation: summary("a", { lastSeq: 2, visitorOnline: false, presenceTurn: 5, agentReadSeq: 0 }) });
    assert.equal(st.list.items.value.get("a").visitorOnline, false, "a later turn decides");
    assert.equal(st.list.items.value.get("a").agentReadSeq, 2);
  });

  test("a read's answer keeps its marker over a presence push heard while it was under way", () => {
    const st = newState();
    st.thread.open("a");
    const mark = st.list.mark();
    st.frame({ type: "conversation", conversation: summary("a", { lastSeq: 2, agentReadSeq: 0, visitorOnline: false, presenceTurn: 5 }) });
    st.answered(summary("a", { lastSeq: 2, agentReadSeq: 2, visitorOnline: true, presenceTurn: 4 }), mark);
    const a = st.list.items.value.get("a");
    assert.equal(a.agentReadSeq, 2, "the unread dot stays off");
    assert.equal(a.visitorOnline, false, "the visitor's leaving, heard meanwhile, stays");
    assert.equal(st.thread.summary.value.agentReadSeq, 2);
  });

  test("a frame heard while the page was read wins over the page's older state", () => {
    const st = newState();
    const mark = st.list.mark();
    st.frame({ type: "conversation", conversation: summary("a", { visitorOnline: false, lastSeq: 3 }) });
    st.list.page(allOpen, [summary("a", { visitorOnline: true, lastSeq: 2 })], mark);
    const a = st.list.items.value.get("a");
    assert.equal(a.visitorOnline, false, "the visitor left during the read: the page must not bring them back");
    assert.equal(a.lastSeq, 3);
  });

  test("a frame heard before the read began is older than the page", () => {
    const st = newState();
    st.frame({ type: "conversation", conversation: summary("a", { visitorOnline: false }) });
    const mark = st.list.mark();
    st.list.page(allOpen, [summary("a", { visitorOnline: true, lastSeq: 2 })], mark);
    assert.equal(st.list.items.value.get("a").visitorOnline, true);
  });

  test("a conversation that started while the page was read is listed, though the page lacks it", () => {
    const st = newState();
    const mark = st.list.mark();
    st.frame(messageFrame(message("new", 1), summary("new", { lastActivityAt: "2026-01-01T11:00:00Z" })));
    st.list.page(allOpen, [summary("a")], mark);
    assert.deepEqual(ids(st), ["new", "a"]);
  });

  test("a conversation closed while the open list was read leaves it", () => {
    const st = newState();
    const mark = st.list.mark();
    st.frame({ type: "conversation", conversation: summary("a", { status: "closed" }) });
    st.list.page(allOpen, [summary("a"), summary("b")], mark);
    assert.deepEqual(ids(st), ["b"]);
  });

  test("the answer for a filter the agent has left is dropped", () => {
    const st = newState();
    const mark = st.list.mark();
    st.list.setFilter({ ...allOpen, status: "closed" });
    assert.equal(st.list.page(allOpen, [summary("a")], mark), false);
    assert.deepEqual(ids(st), []);
    assert.equal(st.list.loaded.value, false, "the closed list has not been read yet");
  });

  test("frames out of order never take a conversation back to an older state", () => {
    const st = newState();
    st.thread.open("a");
    const newer = summary("a", { lastSeq: 20, preview: "twenty", lastActivityAt: "2026-01-01T10:20:00Z" });
    st.frame(messageFrame(message("a", 20), newer));
    st.frame(messageFrame(message("a", 19), summary("a", { lastSeq: 19, preview: "nineteen", assigneeId: other.id })));
    assert.equal(st.list.items.value.get("a"), newer);
    assert.equal(st.thread.summary.value, newer);
    assert.deepEqual(seqs(st), [19, 20], "the message itself still joins the thread");
    st.show(summary("a", { lastSeq: 18, agentReadSeq: 18 }), false);
    assert.equal(st.list.items.value.get("a"), newer, "an HTTP answer older than a frame changes nothing either");
  });

  test("an action's answer does not undo a frame heard while it was under way", () => {
    const st = newState();
    st.list.page(allOpen, [summary("a", { lastSeq: 3 })], st.list.mark());
    const mark = st.list.mark();
    st.frame({ type: "conversation", conversation: summary("a", { lastSeq: 3, visitorOnline: false }) });
    st.answered(summary("a", { lastSeq: 3, agentReadSeq: 3, visitorOnline: true }), mark);
    assert.equal(st.list.items.value.get("a").visitorOnline, false);
  });

  test("an answer newer by seq than the frames heard meanwhile wins", () => {
    const st = newState();
    const mark = st.list.mark();
    st.frame(messageFrame(message("a", 2), summary("a", { lastSeq: 2 })));
    st.answered(summary("a", { lastSeq: 3, assigneeId: me.id }), mark);
    assert.equal(st.list.items.value.get("a").lastSeq, 3);
  });

  test("a page read before a frame shows what answers merged since the frame, not the frame's state", () => {
    const st = newState();
    const listMark = st.list.mark(); // the list is read again
    st.frame(messageFrame(message("a", 2), summary("a", { lastSeq: 2, agentReadSeq: 1, lastActivityAt: "2026-01-01T10:02:00Z" })));
    st.answered(summary("a", { lastSeq: 2, agentReadSeq: 2, lastActivityAt: "2026-01-01T10:02:00Z" }), st.list.mark()); // marked read
    st.frame({ type: "conversation", conversation: summary("b", { lastSeq: 2 }) });
    st.answered(summary("b", { lastSeq: 3, assigneeId: me.id, assigneeName: "Alice" }), st.list.mark()); // taken
    st.list.page(allOpen, [summary("a"), summary("b")], listMark);
    const { a, b } = Object.fromEntries(st.list.items.value);
    assert.equal(a.agentReadSeq, 2, "a conversation read shows no unread dot again");
    assert.equal(b.lastSeq, 3);
    assert.equal(b.assigneeId, me.id, "an assignment is not undone");
  });

  test("a page read before a frame leaves out a conversation the state merged since no longer matches", () => {
    const f = { inboxId: "main", status: "open", view: "unassigned" };
    const st = newState(f);
    const listMark = st.list.mark();
    st.frame({ type: "conversation", conversation: summary("a", { lastSeq: 2 }) });
    st.answered(summary("a", { lastSeq: 3, assigneeId: me.id }), st.list.mark());
    st.list.page(f, [summary("a")], listMark);
    assert.deepEqual(ids(st), []);
  });

  test("a stale state leaves a view it no longer matches alone", () => {
    const f = { inboxId: "main", status: "open", view: "mine" };
    const st = newState(f);
    st.frame({ type: "conversation", conversation: summary("a", { lastSeq: 5, assigneeId: me.id }) });
    st.frame({ type: "conversation", conversation: summary("a", { lastSeq: 4 }) });
    assert.deepEqual(ids(st), ["a"]);
  });

  test("rows are newest activity first, and a new message moves its conversation up", () => {
    const st = newState();
    st.list.page(allOpen, [summary("a", { lastActivityAt: "2026-01-01T10:00:00Z" }), summary("b", { lastActivityAt: "2026-01-01T10:05:00Z" })], st.list.mark());
    assert.deepEqual(ids(st), ["b", "a"]);
    st.frame(messageFrame(message("a", 2), summary("a", { lastSeq: 2, lastActivityAt: "2026-01-01T10:10:00Z" })));
    assert.deepEqual(ids(st), ["a", "b"]);
  });
});

describe("list: filtering by status and view", () => {
  const convs = [
    summary("mine", { assigneeId: me.id, assigneeName: "Alice" }),
    summary("theirs", { assigneeId: other.id, assigneeName: "Ben" }),
    summary("nobody"),
    summary("closed-mine", { status: "closed", assigneeId: me.id }),
    summary("other-inbox", { inboxId: "sales" }),
  ];
  for (const [status, view, want] of [
    ["open", "all", ["mine", "theirs", "nobody"]],
    ["open", "mine", ["mine"]],
    ["open", "unassigned", ["nobody"]],
    ["closed", "all", ["closed-mine"]],
    ["closed", "mine", ["closed-mine"]],
    ["closed", "unassigned", []],
  ]) {
    test(`${status} × ${view}`, () => {
      const f = { inboxId: "main", status, view };
      const st = newState(f);
      st.list.page(f, convs, st.list.mark());
      assert.deepEqual(ids(st).sort(), [...want].sort());
    });
  }

  test("a live change moves a conversation in or out of the view", () => {
    const f = { inboxId: "main", status: "open", view: "mine" };
    const st = newState(f);
    st.list.page(f, [summary("a", { assigneeId: me.id })], st.list.mark());
    st.frame({ type: "conversation", conversation: summary("b", { assigneeId: me.id }) });
    assert.deepEqual(ids(st).sort(), ["a", "b"]);
    st.frame({ type: "conversation", conversation: summary("a", { assigneeId: other.id }) });
    assert.deepEqual(ids(st), ["b"], "assigned to someone else: no longer mine");
  });

  test("switching the filter keeps only what matches until the new page arrives", () => {
    const st = newState();
    st.list.page(allOpen, [summary("a", { assigneeId: me.id }), summary("b")], st.list.mark());
    assert.equal(st.list.setFilter({ ...allOpen, view: "unassigned" }), true);
    assert.deepEqual(ids(st), ["b"]);
    assert.equal(st.list.setFilter({ ...allOpen, view: "unassigned" }), false, "the same filter is no change");
  });
});

describe("thread: HTTP read, resume answers and live frames", () => {
  function opened(id = "a", msgs = [1, 2, 3], over = {}) {
    const st = newState();
    st.thread.open(id);
    const out = st.opened({ conversation: summary(id, { lastSeq: msgs.length, ...over }), messages: msgs.map((n) => message(id, n)), hasMore: false }, st.list.mark(), true);
    return { st, out };
  }

  test("the resume answer adds what was written after the read, and repeats nothing", () => {
    const { st } = opened();
    st.frame(messageFrame(message("a", 5), summary("a", { lastSeq: 5 })));
    assert.deepEqual(st.frame({ type: "messages", conversationId: "a", messages: [3, 4, 5, 6].map((n) => message("a", n)), hasMore: false }), {});
    assert.deepEqual(seqs(st), [1, 2, 3, 4, 5, 6]);
  });

  test("a resume answer with more asks to resume again after its last message", () => {
    const { st } = opened();
    const out = st.frame({ type: "messages", conversationId: "a", messages: [4, 5].map((n) => message("a", n)), hasMore: true });
    assert.deepEqual(out, { resumeAfter: 5 });
  });

  test("a resume answer for a thread the agent has left changes nothing", () => {
    const { st } = opened();
    st.thread.open("b");
    st.frame({ type: "messages", conversationId: "a", messages: [message("a", 4)], hasMore: false });
    assert.deepEqual(seqs(st), []);
  });

  test("frames out of order are shown in seq order", () => {
    const { st } = opened("a", [1]);
    for (const n of [4, 2, 3]) st.frame(messageFrame(message("a", n), summary("a", { lastSeq: n })));
    assert.deepEqual(seqs(st), [1, 2, 3, 4]);
    assert.equal(st.thread.lastSeq.value, 4);
  });

  test("a message past a gap asks to resume from before the gap", () => {
    const { st } = opened("a", [1, 2]);
    assert.deepEqual(st.frame(messageFrame(message("a", 3), summary("a", { lastSeq: 3 }))).resumeAfter, undefined);
    assert.equal(st.frame(messageFrame(message("a", 6), summary("a", { lastSeq: 6 }))).resumeAfter, 3);
    st.frame({ type: "messages", conversationId: "a", messages: [4, 5, 6].map((n) => message("a", n)), hasMore: false });
    assert.deepEqual(seqs(st), [1, 2, 3, 4, 5, 6]);
    assert.equal(st.frame(messageFrame(message("a", 5), summary("a", { lastSeq: 6 }))).resumeAfter, undefined, "a late duplicate is no gap");
  });

  test("a resume starts after the last message held without a gap, not after one pushed ahead", () => {
    const { st } = opened("a", [1, 2, 3]);
    st.frame(messageFrame(message("a", 6), summary("a", { lastSeq: 6 })));
    assert.equal(st.thread.through.value, 3);
    assert.equal(st.thread.lastSeq.value, 6);
    const out = st.frame({ type: "messages", conversationId: "a", messages: [message("a", 4)], hasMore: true });
    assert.deepEqual(out, { resumeAfter: 4 }, "5 is still to come");
    st.frame({ type: "messages", conversationId: "a", messages: [5, 6].map((n) => message("a", n)), hasMore: false });
    assert.equal(st.thread.through.value, 6);
  });

  test("a new socket resumes the thread read at once, after the last message held without a gap", () => {
    const { st } = opened("a", [1, 2, 3]);
    assert.deepEqual(st.reconnected(), { resumeAfter: 3 });
    st.frame(messageFrame(message("a", 6), summary("a", { lastSeq: 6 })));
    assert.deepEqual(st.reconnected(), { resumeAfter: 3 }, "4 and 5 are still to come");
  });

  test("a new socket leaves a thread not read yet to its read, and resumes nothing without a thread", () => {
    const st = newState();
    assert.deepEqual(st.reconnected(), {});
    st.thread.open("a");
    assert.deepEqual(st.reconnected(), {}, "its read resumes it");
    st.opened({ conversation: summary("a"), messages: [message("a", 1)], hasMore: false }, st.list.mark(), true);
    assert.deepEqual(st.reconnected(), { resumeAfter: 1 }, "read, it is");
    st.thread.close();
    assert.deepEqual(st.reconnected(), {});
  });

  test("a visitor's message pushed again (a retried send) alerts once", () => {
    const { st } = opened("a", [1]);
    const f = messageFrame(message("b", 1), summary("b"));
    assert.ok(st.frame(f).alert);
    assert.equal(st.frame(f).alert, undefined);
    assert.ok(st.frame(messageFrame(message("b", 2), summary("b", { lastSeq: 2 }))).alert, "the next message alerts");
  });

  test("a frame delivered twice shows once", () => {
    const { st } = opened("a", [1]);
    const f = messageFrame(message("a", 2), summary("a", { lastSeq: 2 }));
    st.frame(f);
    const before = st.thread.messages.value;
    st.frame(f);
    assert.deepEqual(seqs(st), [1, 2]);
    assert.equal(st.thread.messages.value, before, "a duplicate does not even make a new list for the views");
  });

  test("another conversation's message reaches the list, not the open thread", () => {
    const { st } = opened("a", [1]);
    const out = st.frame(messageFrame(message("b", 1), summary("b")));
    assert.deepEqual(seqs(st), [1]);
    assert.ok(st.list.items.value.has("b"));
    assert.equal(out.read, undefined, "nothing to mark read in the open thread");
    assert.equal(out.alert.conversation.id, "b", "a visitor's message alerts");
  });

  test("a visitor's message in the open thread is to be marked read", () => {
    const { st } = opened("a", [1]);
    const s = summary("a", { lastSeq: 2 });
    assert.equal(st.frame(messageFrame(message("a", 2), s)).read, s);
  });

  test("a read that answers after a live frame keeps the frame's state", () => {
    const st = newState();
    st.thread.open("a");
    const mark = st.list.mark();
    st.frame({ type: "conversation", conversation: summary("a", { assigneeId: other.id, assigneeName: "Ben" }) });
    const out = st.opened({ conversation: summary("a"), messages: [message("a", 1)], hasMore: false }, mark, true);
    assert.equal(out.summary.assigneeId, other.id);
    assert.equal(st.thread.summary.value.assigneeName, "Ben");
  });

  test("the visitor's read marks the team's last reply it reached as seen; a state without the marker keeps it", () => {
    const agent = { type: "agent", id: me.id, name: "Alice" };
    const { st } = opened("a", [1], { visitorReadSeq: 0 });
    assert.equal(st.thread.seen.value, 0, "nothing read yet");
    st.frame(messageFrame(message("a", 2, { author: agent }), summary("a", { lastSeq: 2 })));
    st.frame(messageFrame(message("a", 3, { author: agent }), summary("a", { lastSeq: 3 })));
    st.frame({ type: "conversation", conversation: summary("a", { lastSeq: 3, visitorReadSeq: 2 }) });
    assert.equal(st.thread.seen.value, 2, "read as far as the first reply");
    st.frame({ type: "conversation", conversation: summary("a", { lastSeq: 3, visitorReadSeq: 3 }) });
    assert.equal(st.thread.seen.value, 3);
    st.frame({ type: "conversation", conversation: summary("a", { lastSeq: 3, visitorReadSeq: 2 }) });
    assert.equal(st.thread.seen.value, 3, "a lower marker pushed late does not take it back");
    st.frame(messageFrame(message("a", 4, { kind: "note", author: agent }), summary("a", { lastSeq: 4 })));
    st.frame(messageFrame(message("a", 5, { kind: "event", author: agent, event: { type: "closed" } }), summary("a", { lastSeq: 5, status: "closed" })));
    assert.equal(st.thread.summary.value.visitorReadSeq, 3, "newer states without the marker keep it");
    assert.equal(st.thread.seen.value, 3, "notes and events are not the visitor's to read");
    st.list.page(allOpen, [summary("a", { lastSeq: 5 })], st.list.mark());
    assert.equal(st.thread.summary.value.visitorReadSeq, 3, "nor does a list page take it back");
    st.frame(messageFrame(message("a", 6), summary("a", { lastSeq: 6 })));
    assert.equal(st.thread.seen.value, 0, "the visitor wrote since: that says more");
  });

  test("the resume answer brings how far the visitor has read; a lower one later does not take it back", () => {
    const agent = { type: "agent", id: me.id, name: "Alice" };
    const st = newState();
    st.thread.open("a");
    st.opened({ conversation: summary("a", { lastSeq: 2 }), messages: [message("a", 1), message("a", 2, { author: agent })], hasMore: false }, st.list.mark(), true);
    assert.equal(st.thread.seen.value, 0);
    st.frame({ type: "messages", conversationId: "a", messages: [], hasMore: false, visitorReadSeq: 2 });
    assert.equal(st.thread.seen.value, 2);
    st.frame({ type: "messages", conversationId: "a", messages: [], hasMore: false, visitorReadSeq: 1 });
    st.frame({ type: "conversation", conversation: summary("a", { lastSeq: 2, visitorName: "Ada" }) });
    assert.equal(st.thread.seen.value, 2);
    assert.equal(st.thread.summary.value.visitorName, "Ada");
  });

  test("a marker heard before any state of the conversation is kept for its first", () => {
    const agent = { type: "agent", id: me.id, name: "Alice" };
    const st = newState();
    st.list.visitorRead("a", 2);
    st.thread.open("a");
    st.opened({ conversation: summary("a", { lastSeq: 2 }), messages: [message("a", 1), message("a", 2, { author: agent })], hasMore: false }, st.list.mark(), true);
    assert.equal(st.thread.seen.value, 2);
  });

  test("a thread read carrying the marker keeps it over a push heard meanwhile", () => {
    const st = newState();
    st.thread.open("a");
    const mark = st.list.mark();
    st.frame(messageFrame(message("a", 3), summary("a", { lastSeq: 3 })));
    const agent = { type: "agent", id: me.id, name: "Alice" };
    st.opened({ conversation: summary("a", { lastSeq: 2, visitorReadSeq: 2 }), messages: [message("a", 1), message("a", 2, { author: agent })], hasMore: false }, mark, true);
    assert.equal(st.thread.summary.value.lastSeq, 3);
    assert.equal(st.thread.summary.value.visitorReadSeq, 2);
    assert.equal(st.thread.seen.value, 0, "the visitor's message 3 came after the reply");
  });

  test("a read of a conversation no longer open is dropped", () => {
    const st = newState();
    st.thread.open("a");
    st.thread.open("b");
    assert.equal(st.opened({ conversation: summary("a"), messages: [message("a", 1)], hasMore: false }, st.list.mark(), true), null);
    assert.deepEqual(seqs(st), []);
  });
});

describe("pending replies", () => {
  function sent(body = "On my way") {
    const st = newState();
    st.thread.open("a");
    const p = st.pending.add({ clientId: "c-1", conversationId: "a", body, channel: "chat", createdAt: "2026-01-01T10:00:00Z" });
    return { st, p };
  }
  const echo = (seq = 2) => message("a", seq, { clientId: "c-1", author: { type: "agent", id: me.id, name: "Alice" }, body: "On my way" });

  test("the echo of the stored message acknowledges the reply", () => {
    const { st } = sent();
    assert.equal(st.pending.unsent().length, 1);
    st.frame(messageFrame(echo(), summary("a", { lastSeq: 2 })));
    assert.deepEqual(st.pending.replies.value, []);
    assert.deepEqual(seqs(st), [2]);
  });

  test("a resume answer that holds the stored reply acknowledges it too", () => {
    const { st } = sent();
    st.frame({ type: "messages", conversationId: "a", messages: [echo()], hasMore: false });
    assert.deepEqual(st.pending.replies.value, []);
  });

  test("someone else's message does not acknowledge it", () => {
    const { st } = sent();
    st.frame(messageFrame(message("a", 2, { clientId: "c-visitor" }), summary("a", { lastSeq: 2 })));
    assert.equal(st.pending.replies.value.length, 1);
  });

  test("a refused reply is marked failed, shown, and not sent again", () => {
    const { st } = sent();
    const out = st.frame({ type: "error", code: "too_large", message: "The message is too long.", clientId: "c-1" });
    assert.equal(out.failure, "The message is too long.");
    assert.equal(st.pending.replies.value[0].failed, true);
    assert.deepEqual(st.pending.unsent(), []);
  });

  test("replies go one at a time, the next once the one before is answered", () => {
    const { st } = sent();
    st.pending.add({ clientId: "c-2", conversationId: "a", body: "Second", channel: "chat", createdAt: "2026-01-01T10:00:01Z" });
    st.pending.add({ clientId: "c-3", conversationId: "a", body: "Third", channel: "chat", createdAt: "2026-01-01T10:00:02Z" });
    assert.equal(st.pending.next()?.clientId, "c-1");
    assert.equal(st.pending.next(), undefined, "the second waits while the first is in flight");
    assert.equal(st.pending.next(true)?.clientId, "c-1", "after a reconnect the one in flight goes again");
    st.frame(messageFrame(echo(), summary("a", { lastSeq: 2 })));
    assert.equal(st.pending.next()?.clientId, "c-2");
    st.frame({ type: "error", code: "client_id_reused", message: "this clientId was used for another request", clientId: "c-2" });
    assert.equal(st.pending.next()?.clientId, "c-3", "a refused reply stays shown, failed, and the next goes");
    assert.equal(st.pending.replies.value.find((p) => p.clientId === "c-2")?.failed, true);
  });

  test("a refused reply keeps why, for the row to say", () => {
    const st = newState();
    st.pending.add({ clientId: "c-1", conversationId: "a", body: "Hi", channel: "chat", createdAt: "2026-01-01T10:00:00Z" });
    const out = st.frame({ type: "error", code: "closed", message: "the conversation is closed", clientId: "c-1" });
    assert.equal(out.failure, "the conversation is closed");
    assert.equal(st.pending.find("c-1").failed, true);
    assert.equal(st.pending.find("c-1").error, "the conversation is closed");
  });

  test("a failed email reply stays, with its text and address, and goes again with its client id", () => {
    const st = newState();
    st.pending.add({ clientId: "c-2", conversationId: "a", body: "By mail", channel: "email", createdAt: "2026-01-01T10:00:00Z", to: "ada@example.com" });
    assert.equal(st.pending.retry("c-2"), undefined, "only a failed reply is sent again");
    st.pending.fail("c-2", "the mail server did not answer");
    assert.deepEqual(st.pending.replies.value.map((p) => [p.body, p.failed, p.error, p.to]), [["By mail", true, "the mail server did not answer", "ada@example.com"]]);
    const again = st.pending.retry("c-2");
    assert.equal(again.clientId, "c-2");
    assert.deepEqual([again.failed, again.error, again.to], [false, undefined, "ada@example.com"]);
    assert.deepEqual(st.pending.unsent(), [], "and not over the socket");
  });

  test("email replies are not resent over the socket", () => {
    const st = newState();
    st.pending.add({ clientId: "c-2", conversationId: "a", body: "By mail", channel: "email", createdAt: "2026-01-01T10:00:00Z" });
    assert.deepEqual(st.pending.unsent(), []);
  });

  test("a reply waiting for its files is not sent until they are uploaded, then goes with them, before the ones after it", () => {
    const st = newState();
    st.pending.add({ clientId: "c-3", conversationId: "a", body: "", channel: "chat", createdAt: "2026-01-01T10:00:00Z", uploading: true });
    st.pending.add({ clientId: "c-4", conversationId: "a", body: "And this", channel: "chat", createdAt: "2026-01-01T10:00:01Z" });
    assert.equal(st.pending.next(), undefined, "nothing goes before its files");
    assert.equal(st.pending.next(true), undefined, "a reconnect does not send it before its files either");
    const files = [{ ref: { key: "uploads/a/x/1/a.pdf", size: 3, contentType: "application/pdf" }, name: "a.pdf", size: 3 }];
    st.pending.uploaded("c-3", files);
    const p = st.pending.next();
    assert.equal(p?.clientId, "c-3");
    assert.equal(p?.uploading, false);
    assert.deepEqual(p?.files, files);
  });
});

describe("typing", () => {
  test("the visitor's typing shows until their message arrives", () => {
    const st = newState();
    st.frame({ type: "typing", conversationId: "a", author: { type: "visitor", id: "v-a" }, on: true });
    assert.ok(st.typing.visitors.value.has("a"));
    st.frame(messageFrame(message("a", 2), summary("a", { lastSeq: 2 })));
    assert.ok(!st.typing.visitors.value.has("a"));
  });

  test("another agent's typing is not the visitor's", () => {
    const st = newState();
    st.frame({ type: "typing", conversationId: "a", author: { type: "agent", id: other.id, name: "Ben" }, on: true });
    assert.equal(st.typing.visitors.value.size, 0);
  });

  test("a visitor's 'on' relayed before their message and arriving after it is dropped; one relayed later shows, whatever the agents wrote", () => {
    const st = newState();
    st.thread.open("a");
    const typing = (seq) => ({ type: "typing", conversationId: "a", author: { type: "visitor", id: "v-a" }, on: true, seq });
    st.frame(messageFrame(message("a", 2), summary("a", { lastSeq: 2 })));
    st.frame(typing(1));
    assert.ok(!st.typing.visitors.value.has("a"), "relayed at seq 1, before the message of seq 2");
    st.frame(messageFrame(message("a", 3, { author: { type: "agent", id: me.id, name: "Alice" } }), summary("a", { lastSeq: 3 })));
    st.frame(typing(2));
    assert.ok(st.typing.visitors.value.has("a"), "relayed after the visitor's message; the agent's reply after it says nothing of the visitor");
  });

  test("a visitor's 'stopped' frame turns it off", () => {
    const st = newState();
    st.frame({ type: "typing", conversationId: "a", author: { type: "visitor", id: "v-a" }, on: true });
    st.frame({ type: "typing", conversationId: "a", author: { type: "visitor", id: "v-a" }, on: false });
    assert.equal(st.typing.visitors.value.size, 0);
  });
});

describe("email facts and the reply channel", () => {
  const facts = { contactEmail: "grace@visitor.test", contactVerified: true };
  function opened(over) {
    const st = newState();
    st.thread.open("a");
    st.opened({ conversation: summary("a", { ...facts, ...over }), messages: [message("a", 1)], hasMore: false }, st.list.mark(), true);
    return st;
  }

  test("a conversation opened takes the suggested channel", () => {
    const st = opened({ visitorOnline: false, suggestedChannel: "email" });
    assert.equal(st.email.channel.value, "email");
    assert.equal(st.email.possible.value, true);
  });

  test("read again with the visitor's presence unchanged, the agent's choice stays", () => {
    const st = opened({ visitorOnline: true, suggestedChannel: "chat" });
    st.email.pick("email");
    st.opened({ conversation: summary("a", { ...facts, visitorOnline: true, suggestedChannel: "chat" }), messages: [], hasMore: false }, st.list.mark(), false);
    assert.equal(st.email.channel.value, "email");
  });

  test("the visitor going offline asks for the facts again, which then switch to email", () => {
    const st = opened({ visitorOnline: true, suggestedChannel: "chat" });
    const out = st.frame({ type: "conversation", conversation: summary("a", { visitorOnline: false }) });
    assert.equal(out.refreshFacts, true);
    assert.equal(st.factsRead(summary("a", { ...facts, visitorOnline: false, suggestedChannel: "email" }), st.list.mark(), true), "done");
    assert.equal(st.email.channel.value, "email");
  });

  test("the facts read puts right a presence that came late, out of order", () => {
    const st = opened({ visitorOnline: true });
    assert.equal(st.frame({ type: "conversation", conversation: summary("a", { ...facts, visitorOnline: false }) }).refreshFacts, true);
    // A frame sent before the visitor left, delivered after.
    st.frame({ type: "conversation", conversation: summary("a", { ...facts, visitorOnline: true }) });
    assert.equal(st.thread.summary.value.visitorOnline, true);
    st.factsRead(summary("a", { ...facts, visitorOnline: false, suggestedChannel: "email" }), st.list.mark(), true);
    assert.equal(st.thread.summary.value.visitorOnline, false);
    assert.equal(st.list.items.value.get("a").visitorOnline, false);
    assert.equal(st.email.channel.value, "email");
  });

  test("facts read while the visitor came back are read again", () => {
    const st = opened({ visitorOnline: true });
    const mark = st.list.mark();
    st.frame({ type: "conversation", conversation: summary("a", { visitorOnline: false }) });
    assert.equal(st.factsRead(summary("a", { ...facts, visitorOnline: true }), mark, true), "again");
  });

  test("an undeliverable address disables email and falls back to chat", () => {
    const st = opened({ visitorOnline: false, suggestedChannel: "email" });
    st.factsRead(summary("a", { ...facts, visitorOnline: false, emailBlocked: "bounced" }), st.list.mark(), false);
    assert.equal(st.email.possible.value, false);
    assert.equal(st.email.channel.value, "chat");
    st.email.pick("email");
    assert.equal(st.email.channel.value, "chat", "email cannot be picked");
  });
});

describe("contact sidebar: the card and live pages", () => {
  const visit = (...pages) => ({
    startedAt: "2026-01-01T10:00:00Z", url: "https://shop.example/", browser: "Firefox", os: "Linux", country: "",
    pages: pages.map((p, i) => ({ url: "https://shop.example/" + p, at: new Date(Date.UTC(2026, 0, 1, 10, i + 1)).toISOString() })),
  });
  const card = (v) => ({ visitorId: "v-a", name: "Dana", emailVerified: false, attributes: {}, visit: v, conversations: [] });
  const visitFrame = (id, v) => ({ type: "visit", conversationId: id, visit: v });

  test("a page heard while the card was read stays", () => {
    const st = newState();
    const mark = st.sidebar.open("a");
    st.frame(visitFrame("a", visit("one", "two")));
    assert.equal(st.sidebar.card.value, null, "no card yet: the frame waits for it");
    st.sidebar.loaded("a", card(visit("one")), mark);
    assert.deepEqual(st.sidebar.card.value.visit.pages.map((p) => p.url), ["https://shop.example/one", "https://shop.example/two"], "the frame heard before the card is shown with it");
    st.frame(visitFrame("a", visit("one", "two")));
    assert.deepEqual(st.sidebar.card.value.visit.pages.map((p) => p.url), ["https://shop.example/one", "https://shop.example/two"]);
    // A read that started before that frame does not take it back.
    const again = st.sidebar.open("a");
    st.sidebar.loaded("a", card(visit("one")), again);
    assert.equal(st.sidebar.card.value.visit.pages.length, 2);
    assert.equal(st.sidebar.card.value.name, "Dana");
  });

  test("a page heard before the card, with no visit read yet, shows with it", () => {
    const st = newState();
    const mark = st.sidebar.open("a");
    st.frame(visitFrame("a", visit()));
    st.frame(visitFrame("b", visit("elsewhere")));
    st.sidebar.loaded("a", card(undefined), mark);
    assert.equal(st.sidebar.card.value.visit.url, "https://shop.example/");
    assert.equal(st.sidebar.card.value.visit.pages.length, 0);
    // Another thread forgets what was heard for this one.
    const b = st.sidebar.open("b");
    st.sidebar.loaded("b", card(undefined), b);
    assert.equal(st.sidebar.card.value.visit, undefined);
  });

  test("another conversation's card, or an overtaken read, changes nothing", () => {
    const st = newState();
    const first = st.sidebar.open("a");
    const second = st.sidebar.open("a");
    st.sidebar.loaded("a", card(visit("late")), first);
    assert.equal(st.sidebar.card.value, null, "the older read is dropped");
    st.sidebar.loaded("a", card(visit("now")), second);
    st.sidebar.open("b");
    assert.equal(st.sidebar.card.value, null, "switching threads clears the card");
    st.sidebar.loaded("a", card(visit("now")), second);
    st.frame(visitFrame("a", visit("elsewhere")));
    assert.equal(st.sidebar.card.value, null);
  });

  test("a failed read says why, for its own conversation only", () => {
    const st = newState();
    st.sidebar.open("a");
    st.sidebar.failed("b", "nope");
    assert.equal(st.sidebar.failure.value, null);
    st.sidebar.failed("a", "forbidden");
    assert.equal(st.sidebar.failure.value, "forbidden");
  });
});

describe("agents: status and memberships", () => {
  test("the agent's own status and role, changed elsewhere, reach this tab", () => {
    const st = newState();
    const out = st.frame({ type: "agent", agent: { ...me, role: "agent", status: "away", presence: "away" } });
    assert.equal(st.profile.me.value.status, "away");
    assert.equal(st.profile.me.value.role, "agent");
    assert.equal(out.inboxes, false, "the memberships did not change");
    assert.equal(st.profile.agents.value.find((a) => a.id === me.id).status, "away");
  });

  test("another agent's change updates the agents to assign to, not the signed-in agent", () => {
    const st = newState();
    st.frame({ type: "agent", agent: { ...other, displayName: "Ben R.", presence: "away" } });
    assert.equal(st.profile.me.value.displayName, "Alice");
    assert.deepEqual(st.profile.agents.value.map((a) => a.displayName), ["Alice", "Ben R."]);
  });

  test("new memberships ask for the inbox names again", () => {
    const st = newState();
    assert.equal(st.frame({ type: "agent", agent: { ...me, inboxes: ["main", "sales"] } }).inboxes, true);
  });

  test("the list shows one inbox: conversations of another inbox heard live stay out", () => {
    const st = newState();
    st.frame({ type: "conversation", conversation: summary("s", { inboxId: "sales" }) });
    st.frame({ type: "conversation", conversation: summary("m") });
    assert.deepEqual(ids(st), ["m"]);
    st.list.setFilter({ ...allOpen, inboxId: "sales" });
    st.list.page({ ...allOpen, inboxId: "sales" }, [summary("s", { inboxId: "sales" })], st.list.mark());
    assert.deepEqual(ids(st), ["s"]);
  });
});
