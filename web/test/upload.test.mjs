// The upload tray (shared/upload.ts) the widget and the inbox share: slots
// first, uploads with progress, cancel, refusals before any byte is sent,
// and what a message takes. The API and S3 are stand-ins the test drives.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";

const { Tray } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "upload.mjs")).href);

const texts = { tooLarge: "{name} too large", notAccepted: "{name} not accepted", tooMany: "at most {n}", failed: "{name} failed" };

// file is a Blob-like with a name and a size.
const file = (name, size = 10) => ({ name, size, type: "" });

// harness: a tray whose slots and transfers the test settles by name.
function harness({ maxBytes = 100, maxFiles = 3, refuse = {} } = {}) {
  const asked = [];
  const transfers = new Map();
  const tray = new Tray({
    texts,
    changed: () => {},
    ask: async (name, size) => {
      asked.push(name);
      if (refuse[name]) throw { status: refuse[name] };
      return { key: "uploads/new/v-x/" + name, url: "https://s3", fields: {}, contentType: "image/png", expiresIn: 900, maxBytes, maxFiles, size };
    },
    send: (slot, f, progress) => {
      let settle;
      const done = new Promise((resolve, reject) => (settle = { resolve, reject }));
      const t = { done, aborted: false, abort: () => ((t.aborted = true), settle.reject({ status: 0 })), progress, settle };
      transfers.set(f.name, t);
      return t;
    },
  });
  const tick = () => new Promise((r) => setTimeout(r, 0));
  return { tray, asked, transfers, tick };
}

const states = (tray) => tray.items().map((i) => `${i.name}:${i.state}${i.error ? ":" + i.error : ""}`);

describe("upload tray", () => {
  test("a slot, then the upload with its progress; the message takes the finished files in order", async () => {
    const { tray, transfers, tick } = harness();
    tray.add([file("a.png"), file("b.png")]);
    await tick();
    assert.deepEqual(states(tray), ["a.png:uploading", "b.png:uploading"]);
    transfers.get("a.png").progress(0.5);
    assert.equal(tray.items()[0].progress, 0.5);
    const taken = tray.take();
    transfers.get("b.png").settle.resolve();
    transfers.get("a.png").settle.resolve();
    const sent = await taken;
    assert.deepEqual(sent.map((s) => s.ref.key), ["uploads/new/v-x/a.png", "uploads/new/v-x/b.png"]);
    assert.deepEqual(sent[0].ref, { key: "uploads/new/v-x/a.png", size: 10, contentType: "image/png" });
    assert.equal(tray.size(), 0);
  });

  test("a refused slot says why, no byte is sent, and the message leaves the file out", async () => {
    const { tray, transfers, tick } = harness({ refuse: { "big.pdf": 413, "run.exe": 400, "x.png": 503 } });
    tray.add([file("big.pdf"), file("run.exe"), file("x.png"), file("ok.png")]);
    await tick();
    assert.deepEqual(states(tray), ["big.pdf:failed:big.pdf too large", "run.exe:failed:run.exe not accepted", "x.png:failed:x.png failed", "ok.png:uploading"]);
    assert.deepEqual([...transfers.keys()], ["ok.png"]);
    transfers.get("ok.png").settle.resolve();
    assert.deepEqual((await tray.take()).map((s) => s.name), ["ok.png"]);
  });

  test("a refusal names the file as it is, whatever characters its name holds", async () => {
    const names = ["$&.png", "a$$b.pdf", "$`x$'.png", "{n}.png"];
    const { tray, tick } = harness({ refuse: Object.fromEntries(names.map((n) => [n, 413])) });
    tray.add(names.map((n) => file(n)));
    await tick();
    assert.deepEqual(tray.items().map((i) => i.error), names.map((n) => n + " too large"));
  });

  test("once the limits are known, a file over them is refused without asking", async () => {
    const { tray, asked, tick } = harness({ maxBytes: 100, maxFiles: 2 });
    tray.add([file("first.png")]);
    await tick();
    tray.add([file("huge.png", 101), file("second.png"), file("third.png")]);
    await tick();
    assert.deepEqual(asked, ["first.png", "second.png"]);
    assert.deepEqual(states(tray), ["first.png:uploading", "huge.png:failed:huge.png too large", "second.png:uploading", "third.png:failed:at most 2"]);
  });

  test("cancel aborts an upload and leaves it out; clear cancels everything", async () => {
    const { tray, transfers, tick } = harness();
    tray.add([file("a.png"), file("b.png")]);
    await tick();
    tray.remove(tray.items()[0].id);
    assert.equal(transfers.get("a.png").aborted, true);
    assert.deepEqual(states(tray), ["b.png:uploading"]);
    transfers.get("b.png").settle.resolve();
    assert.deepEqual((await tray.take()).map((s) => s.name), ["b.png"]);
    tray.add([file("c.png")]);
    await tick();
    tray.clear();
    assert.equal(transfers.get("c.png").aborted, true);
    assert.equal(tray.size(), 0);
  });

  test("files attached while a message waits stay for the next one", async () => {
    const { tray, transfers, tick } = harness();
    tray.add([file("a.png")]);
    await tick();
    const taken = tray.take();
    tray.add([file("late.png")]);
    await tick();
    transfers.get("a.png").settle.resolve();
    assert.deepEqual((await taken).map((s) => s.name), ["a.png"]);
    assert.deepEqual(states(tray), ["late.png:uploading"]);
  });

  test("a message's files leave the tray when it is sent: a second message, a clear and the limit are the next files' alone", async () => {
    const { tray, transfers, tick } = harness({ maxFiles: 2 });
    tray.add([file("a.png"), file("b.png")]);
    await tick();
    const first = tray.take();
    assert.deepEqual(states(tray), [], "the files are the first message's, no longer the tray's");
    tray.add([file("c.png")]);
    await tick();
    assert.deepEqual(states(tray), ["c.png:uploading"], "the first message's files do not count against the limit");
    const second = tray.take();
    tray.add([file("d.png")]);
    await tick();
    tray.clear();
    assert.equal(transfers.get("d.png").aborted, true, "a clear cancels the tray's files");
    for (const n of ["a.png", "b.png", "c.png"]) assert.equal(transfers.get(n).aborted, false, n + " belongs to a message sent: a clear leaves it");
    for (const n of ["a.png", "b.png", "c.png"]) transfers.get(n).settle.resolve();
    assert.deepEqual((await first).map((s) => s.name), ["a.png", "b.png"]);
    assert.deepEqual((await second).map((s) => s.name), ["c.png"], "the second message carries only its own file");
  });

  test("a pasted picture without a name is named", async () => {
    const t = new Tray({ texts, changed: () => {}, ask: () => new Promise(() => {}), unnamed: () => "Pasted image.png" });
    t.add([{ size: 5, type: "image/png" }]);
    assert.equal(t.items()[0].name, "Pasted image.png");
  });
});
