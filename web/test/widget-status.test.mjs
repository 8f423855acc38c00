// The status a resume's page leaves the chat window's conversation in
// (widget/status.ts): a close or reopen while the socket was down counts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const { settled } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "widget-status.mjs")).href);

const text = (seq) => ({ conversationId: "c", seq, kind: "text", author: { type: "agent", name: "Bea" }, body: "hi", createdAt: "" });
const event = (seq, type) => ({ conversationId: "c", seq, kind: "event", author: { type: "system", name: "" }, event: { type }, createdAt: "" });
const conv = (status, lastSeq) => ({ id: "c", status, lastSeq, agentReadSeq: 0, visitorReadSeq: 0, preview: "", createdAt: "", lastActivityAt: "" });

test("a close or reopen after the state held settles the status", () => {
  for (const [name, held, entries, want] of [
    ["closed while away", conv("open", 2), [text(3), event(4, "closed")], ["closed", 4]],
    ["closed by inactivity after a warning", conv("open", 1), [event(2, "warning"), event(3, "closed")], ["closed", 3]],
    ["reopened while away", conv("closed", 4), [event(5, "reopened"), text(6)], ["open", 5]],
    ["closed, then reopened", conv("open", 1), [event(2, "closed"), event(3, "reopened"), text(4)], ["open", 3]],
    ["reopened, then closed, out of order", conv("closed", 1), [event(3, "closed"), event(2, "reopened")], ["closed", 3]],
    ["nothing but messages", conv("open", 1), [text(2), text(3)], ["open", 1]],
    ["an older page: the state held is newer", conv("open", 9), [event(4, "closed"), text(5)], ["open", 9]],
    ["an empty page", conv("closed", 3), [], ["closed", 3]],
  ]) {
    const got = settled(held, entries);
    assert.deepEqual([got.status, got.lastSeq], want, name);
    if (want[1] === held.lastSeq) assert.equal(got, held, name + ": the same object when nothing changes");
  }
});
