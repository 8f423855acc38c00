// The chat window's texts (widget/strings.ts): a name goes into a text as
// it is.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const { english, fill } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "widget-strings.mjs")).href);

test("fill puts the name in as it is, replacement patterns included", () => {
  assert.equal(fill("{name} joined", "Bea"), "Bea joined");
  for (const name of ["$&", "$$", "$`", "$'", "A$1 & Co", "{name}"]) {
    assert.equal(fill("{name} joined", name), name + " joined", name);
    assert.equal(fill(english.joined, name), english.joined.replace("{name}", () => name), name);
  }
});
