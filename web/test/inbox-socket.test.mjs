// The agent's socket hands the app only the frames it knows (inbox/live).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const { agentFrame } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "inbox-socket.mjs")).href);

test("known frames pass, anything else is dropped", () => {
  for (const f of [{ type: "message" }, { type: "messages" }, { type: "conversation" }, { type: "typing" }, { type: "error" }, { type: "pong" }, { type: "closing" }, { type: "agent" }, { type: "visit" }]) {
    assert.equal(agentFrame(f), f);
  }
  for (const f of [null, 42, "message", [], {}, { type: 1 }, { type: "presence" }, { type: "toString" }, { type: "__proto__" }, { action: "sendMessage" }]) {
    assert.equal(agentFrame(f), null, JSON.stringify(f));
  }
});

test("a closing frame closes the socket with its code and reason, says why, and connects no more", async () => {
  const { AgentSocket } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "inbox-socket.mjs")).href);
  const made = [];
  globalThis.WebSocket = class {
    static OPEN = 1;
    readyState = 0;
    constructor(url) {
      this.url = url;
      made.push(this);
    }
    close(code, reason) {
      this.closedWith = [code, reason];
      this.readyState = 3;
      this.onclose?.();
    }
    send() {}
  };
  globalThis.addEventListener ??= () => {};
  let tickets = 0;
  const frames = [];
  const closing = [];
  const s = new AgentSocket({
    url: "wss://example.test/live",
    ticket: async () => "t" + ++tickets,
    onOpen: () => {},
    onFrame: (f) => frames.push(f),
    onClosing: (reason) => closing.push(reason),
  });
  s.start();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(made.length, 1);
  made[0].readyState = 1;
  made[0].onopen();
  made[0].onmessage({ data: JSON.stringify({ type: "closing", closeCode: 4001, reason: "signed_out" }) });
  assert.deepEqual(made[0].closedWith, [4001, "signed_out"]);
  assert.deepEqual(closing, ["signed_out"]);
  assert.deepEqual(frames, []);
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(made.length, 1, "no reconnect after closing");
  assert.equal(tickets, 1);
});

test("a probe that hears nothing replaces the socket, each time waiting twice as long; one answered keeps it", async (t) => {
  const { AgentSocket } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "inbox-socket.mjs")).href);
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"] });
  const made = [];
  globalThis.WebSocket = class {
    static OPEN = 1;
    readyState = 0;
    sent = [];
    constructor(url) {
      this.url = url;
      made.push(this);
    }
    close() {
      this.readyState = 3;
    }
    send(data) {
      this.sent.push(JSON.parse(data));
    }
  };
  globalThis.addEventListener ??= () => {};
  let opened = 0;
  const s = new AgentSocket({
    url: "wss://example.test/live",
    ticket: async () => "t",
    onOpen: () => opened++,
    onFrame: () => {},
    onClosing: () => {},
  });
  // flush lets a renew's connect (it awaits its ticket) make its socket.
  const flush = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  const open = async () => {
    await flush();
    const ws = made.at(-1);
    ws.readyState = 1;
    ws.onopen();
    return ws;
  };
  s.start();
  let ws = await open();

  // Answered: the socket stays.
  s.probe();
  assert.deepEqual(ws.sent.at(-1), { action: "ping" });
  t.mock.timers.tick(1000);
  ws.onmessage({ data: JSON.stringify({ type: "pong" }) });
  t.mock.timers.tick(10000);
  await flush();
  assert.equal(made.length, 1, "an answered probe replaced the socket");

  // Unanswered: replaced after 5 s.
  s.probe();
  t.mock.timers.tick(4999);
  await flush();
  assert.equal(made.length, 1);
  t.mock.timers.tick(1);
  ws = await open();
  assert.equal(made.length, 2, "a silent socket was not replaced");
  assert.equal(opened, 2);

  // The next unanswered probe waits 10 s.
  s.probe();
  t.mock.timers.tick(9999);
  await flush();
  assert.equal(made.length, 2, "the second probe did not wait longer");
  t.mock.timers.tick(1);
  await open();
  assert.equal(made.length, 3);

  // A probe while one is under way sends nothing more.
  const before = made[2].sent.length;
  s.probe();
  s.probe();
  assert.equal(made[2].sent.length, before + 1);
});
