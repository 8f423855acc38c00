// Property tests of the link renderer's pure half (shared/links.ts):
// seeded random texts built from the pieces that trouble link finders,
// plus hostile inputs of a megabyte that a backtracking pattern would
// never finish. FUZZ_SECONDS makes the random part run that long.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const { linkSegments } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "links.mjs")).href);

// mulberry32: a small seeded generator, so a failure can be replayed.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = [
  "http://", "https://", "HTTPS://", "http:/", "www.", "example.com", "a", "é", "日本", "/", "?", "=", "&", "#", "%", "%zz", "@",
  ":", ".", ",", ";", "!", ")", "(", "]", "[", "}", "{", " ", "\n", "\t", "\u00a0", "\u2028", "<", ">", '"', "'", "`",
  "_", "*", "javascript:", "data:text/html,", "<a href=", "&amp;", "\\", "xn--", "[::1]", "127.0.0.1", ":8080", "\ud800",
];

function randomText(next) {
  const n = Math.floor(next() * 40);
  let s = "";
  for (let i = 0; i < n; i++) s += pieces[Math.floor(next() * pieces.length)];
  return s;
}

function checkSegments(text) {
  const segs = linkSegments(text);
  assert.equal(segs.map((s) => s.text).join(""), text, "segments join back to the text");
  segs.forEach((s, i) => {
    assert.ok(s.text.length > 0, "no empty segment");
    if (s.href === undefined) {
      if (i > 0) assert.ok(segs[i - 1].href !== undefined, "plain segments are merged");
      return;
    }
    const u = new URL(s.href);
    assert.ok(u.protocol === "http:" || u.protocol === "https:", `only http(s) links: ${s.href}`);
    assert.match(s.text, /^https?:\/\//i, "a link's text starts with its scheme");
    assert.doesNotMatch(s.text, /[\s<>"'`]/, "a link's text has no space, quote or angle bracket");
    assert.doesNotMatch(s.text, /[.,;:!?)\]}]$/, "sentence punctuation stays outside the link");
  });
  return segs;
}

test("known texts", () => {
  const cases = [
    ["see https://example.com/a?b=c.", [{ text: "see " }, { text: "https://example.com/a?b=c", href: "https://example.com/a?b=c" }, { text: "." }]],
    ["javascript:alert(1) http://", [{ text: "javascript:alert(1) http://" }]],
    ["<a href=\"http://x.y\">", [{ text: "<a href=\"" }, { text: "http://x.y", href: "http://x.y/" }, { text: "\">" }]],
    ["(http://a.b/c))", [{ text: "(" }, { text: "http://a.b/c", href: "http://a.b/c" }, { text: "))" }]],
    ["", []],
  ];
  for (const [text, want] of cases) assert.deepEqual(checkSegments(text), want, JSON.stringify(text));
});

test("seeded random texts", () => {
  // A fixed seed in make test; a new one for each longer run (make fuzz),
  // printed so that a failure can be replayed with FUZZ_SEED.
  const seconds = Number(process.env.FUZZ_SECONDS || 0);
  const seed = Number(process.env.FUZZ_SEED || (seconds ? Date.now() % 2 ** 31 : 20261121));
  const next = rng(seed);
  const until = Date.now() + seconds * 1000;
  let runs = 0;
  do {
    for (let i = 0; i < 2000; i++, runs++) {
      const text = randomText(next);
      try {
        checkSegments(text);
      } catch (e) {
        e.message += ` (seed ${seed}, case ${runs}: ${JSON.stringify(text)})`;
        throw e;
      }
    }
  } while (Date.now() < until);
  if (seconds) console.log(`links: ${runs} random texts, seed ${seed}`);
});

// A megabyte of each input: a pattern that backtracks would take hours on
// these (the test runner's timeout stops it); a linear one takes moments.
test("hostile inputs finish", () => {
  const n = 1 << 20;
  const rep = (u) => u.repeat(Math.ceil(n / u.length));
  const inputs = [
    rep("_"), rep("*"), rep("http://"), "https://" + rep(".") + "x", "www." + rep("a."), "https://example.com/" + rep("a/b?c=d&"),
    "http://a" + rep(".,;:!?)") + "b", rep(">") + " x", rep("http://a.b "), rep("<"), rep("https://" + "a".repeat(200) + "\n"),
  ];
  for (const text of inputs) checkSegments(text);
});
