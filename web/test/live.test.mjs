// The reconnecting socket (shared/live.ts) with a fake WebSocket: which
// tickets end up as connections.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const { Live } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "live.mjs")).href);

class FakeSocket {
  static OPEN = 1;
  static made = [];
  readyState = 0;
  constructor(url) {
    this.url = url;
    FakeSocket.made.push(this);
  }
  close() {
    this.readyState = 3;
  }
  send() {}
}

test("a renew while a ticket is fetched connects with the newer ticket only", async () => {
  globalThis.WebSocket = FakeSocket;
  globalThis.addEventListener ??= () => {};
  const asked = [];
  const live = new Live({
    url: "wss://example.test/live",
    ticket: () => new Promise((resolve) => asked.push(resolve)),
    onFrame: () => {},
    onOpen: () => {},
  });
  live.start();
  live.renew(); // the visitor was identified while the first ticket was asked for
  assert.equal(asked.length, 2);
  asked[1]("user-ticket");
  await new Promise((r) => setTimeout(r, 0));
  asked[0]("anonymous-ticket");
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(FakeSocket.made.map((s) => s.url), ["wss://example.test/live?ticket=user-ticket"]);
});
