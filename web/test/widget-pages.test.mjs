// The loader's targeting (widget/pages.ts) runs the cases the server's
// definition runs (shared/chatflow/testdata/targeting.json): a page gets
// the same on both sides.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const { match, target } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "widget-pages.mjs")).href);
const cases = JSON.parse(readFileSync(fileURLToPath(new URL("../../shared/chatflow/testdata/targeting.json", import.meta.url)), "utf8"));

test("patterns match hosts and paths as the server's Match does", () => {
  assert.ok(cases.match.length > 0);
  for (const c of cases.match) {
    assert.equal(match(c.pattern, c.host, c.path), c.match, `${c.pattern} against ${c.host}${c.path}`);
  }
});

test("the first rule that matches decides, else the other pages' lot", async (t) => {
  assert.ok(cases.pick.length > 0);
  for (const c of cases.pick) {
    await t.test(c.name, () => {
      const ids = [...c.targeting.rules, c.targeting.otherPages].map((s) => s.flow).filter(Boolean);
      for (const p of c.pages) {
        // A config as the server sends it: the rules, and the flows they name by id.
        const config = { targeting: c.targeting, flows: Object.fromEntries(ids.map((id) => [id, { id, kind: "live" }])) };
        const shown = target(config, { hostname: p.host, pathname: p.path });
        assert.deepEqual({ shown, flow: config.flow?.id ?? "" }, { shown: !p.show.hide, flow: p.show.flow ?? "" }, `${p.host}${p.path}`);
      }
    });
  }
});

test("a channel without rules: every page gets the widget, live chat with the greeting", () => {
  const config = {};
  assert.equal(target(config, { hostname: "example.com", pathname: "/" }), true);
  assert.equal(config.flow, undefined);
});

test("a pattern of many * answers at once on a long address that almost matches", () => {
  // A backtracking matcher takes ages here; a link to the site could freeze the visitor's tab.
  assert.equal(match("*/*a*a*a*a*a*a*a*a*a*a*b", "example.com", "/" + "a".repeat(1 << 20)), false);
});
