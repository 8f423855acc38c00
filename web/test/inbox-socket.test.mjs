// The agent's socket hands the app only the frames it knows (inbox/live).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const { agentFrame } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "inbox-socket.mjs")).href);

test("known frames pass, anything else is dropped", () => {
  for (const f of [{ type: "message" }, { type: "messages" }, { type: "conversation" }, { type: "typing" }, { type: "error" }, { type: "pong" }, { type: "agent" }]) {
    assert.equal(agentFrame(f), f);
  }
  for (const f of [null, 42, "message", [], {}, { type: 1 }, { type: "presence" }, { action: "sendMessage" }]) {
    assert.equal(agentFrame(f), null, JSON.stringify(f));
  }
});
